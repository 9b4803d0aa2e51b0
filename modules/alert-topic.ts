import { createHash } from "node:crypto";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { alertKeyAlias, alertTopicName, arn } from "../config/naming";
import type { SubscriptionConfig } from "../config/types";
import { alertKeyPolicy, alertTopicPolicy, type AlertSources } from "./policies/alerts";
import { ProtectedKey } from "./protected-key";
import { toTerraformJson } from "./terraform-json";

export interface AlertTopicProps extends AlertSources {
  readonly provider: TerraformProvider;
  /** Who receives the alerts. E-mail and https subscriptions stay pending until their owner confirms. */
  readonly subscriptions: readonly SubscriptionConfig[];
}

/**
 * The session alert topic of one account and region, encrypted with its own key, open to the services that
 * publish to it and closed to every other account.
 */
export class AlertTopic extends Construct {
  /** The topic ARN, as a literal: the name is fixed, so policies need no reference. */
  public readonly topicArn: string;
  /** A reference to the topic's ARN, for resources that must be created after it. */
  public readonly topicArnRef: string;
  public readonly keyArn: string;
  /** The alert key's id (a reference), as KMS calls name it. */
  public readonly keyId: string;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    const { provider } = props;
    const name = alertTopicName(props.namePrefix);
    this.topicArn = arn.topic(props.region, props.accountId, name);

    const key = new ProtectedKey(this, "key", {
      description: `Session alerts (SNS) and the session watchdog's log, ${props.region}`,
      alias: alertKeyAlias(props.namePrefix),
      policy: alertKeyPolicy({ ...props, topicArn: this.topicArn }),
      provider,
    });
    this.keyArn = key.keyArn;
    this.keyId = key.keyId;

    const topic = new SnsTopic(this, "topic", {
      name,
      displayName: "Session Manager alerts",
      kmsMasterKeyId: key.keyArn,
      provider,
    });
    this.topicArnRef = topic.arn;
    new SnsTopicPolicy(this, "policy", {
      arn: topic.arn,
      policy: toTerraformJson(alertTopicPolicy({ ...props, topicArn: this.topicArn })),
      provider,
    });
    for (const s of props.subscriptions) {
      // Named by what it delivers to, not by position: reordering the list must not recreate subscriptions.
      const id = createHash("sha256").update(`${s.protocol}:${s.endpoint}`).digest("hex").slice(0, 12);
      new SnsTopicSubscription(this, `subscription-${s.protocol}-${id}`, {
        topicArn: topic.arn,
        protocol: s.protocol,
        endpoint: s.endpoint,
        provider,
      });
    }
  }
}
