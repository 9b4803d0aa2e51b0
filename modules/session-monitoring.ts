import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import {
  accessRequestRuleName,
  alarmNamePrefix,
  alertAlarmNames,
  commandDocumentNames,
  lambdaLogGroupName,
  PREFERENCES_DOCUMENT,
  sessionEventsRuleName,
  tamperRuleNames,
  watchdogFunctionName,
  watchdogScheduleName,
} from "../config/naming";
import type { ObservabilitySettings } from "../config/types";
import { AlertTopic } from "./alert-topic";
import { ForbiddenCommands } from "./forbidden-commands";
import { SessionActivityRule } from "./session-activity-rule";
import { AccessRequestRule } from "./just-in-time";
import { SessionWatchdog } from "./session-watchdog";
import { TamperRules } from "./tamper-rules";

export interface SessionMonitoringProps {
  readonly namePrefix: string;
  readonly accountId: string;
  readonly region: string;
  readonly provider: TerraformProvider;
  readonly settings: ObservabilitySettings;
  /** The session transcript log group (name and reference), when CloudWatch logging is on. */
  readonly sessionLogGroup?: { readonly name: string; readonly ref: string };
  /** Days the watchdog keeps its log. */
  readonly logRetentionDays: number;
  /** The region's session key (id and ARN, references), which the tamper rules watch. */
  readonly sessionKey: { readonly id: string; readonly arn: string };
  /** The account's access groups, which the IAM tamper rule watches. */
  readonly groupNames: readonly string[];
  /** The account is in just-in-time mode: its access request events go to the alert topic. @default false */
  readonly accessRequests?: boolean;
}

/**
 * Alerts and enforcement for one account and region, each part as the config turns it on: the alert topic,
 * session activity and tampering from CloudTrail, forbidden-command alarms on the transcripts, and the watchdog.
 */
export class SessionMonitoring extends Construct {
  /** The alert topic's ARN, when alerts are on. */
  public readonly topicArn?: string;

  constructor(scope: Construct, id: string, props: SessionMonitoringProps) {
    super(scope, id);
    const { settings, provider } = props;
    const alerts = settings.alerts;
    // config/checks.ts rejects a part that publishes with alerts off, and forbidden commands without a log group.
    if (alerts === undefined) return;
    const topic = new AlertTopic(this, "alerts", {
      namePrefix: props.namePrefix,
      accountId: props.accountId,
      region: props.region,
      provider,
      subscriptions: alerts.subscriptions,
      sessionEvents: settings.sessionEvents,
      tamperRuleNames: tamperRuleNames(props.namePrefix, settings, props.region),
      alarmNames: alertAlarmNames(props.namePrefix, settings, props.region),
      watchdogLogGroupName: settings.watchdog && lambdaLogGroupName(watchdogFunctionName(props.namePrefix)),
      accessRequests: props.accessRequests,
    });
    if (props.accessRequests === true) {
      new AccessRequestRule(this, "access-requests", { namePrefix: props.namePrefix, provider, topicArn: topic.topicArnRef });
    }
    if (settings.sessionEvents) {
      new SessionActivityRule(this, "session-events", { namePrefix: props.namePrefix, provider, topicArn: topic.topicArnRef });
    }
    if (settings.tamperEvents) {
      const prefix = props.namePrefix;
      const watchdog = settings.watchdog === undefined ? undefined : watchdogFunctionName(prefix);
      new TamperRules(this, "tamper", {
        namePrefix: prefix,
        region: props.region,
        provider,
        topicArnRef: topic.topicArnRef,
        targets: {
          accountId: props.accountId,
          logGroupNames: [...(props.sessionLogGroup ? [props.sessionLogGroup.name] : []), ...(watchdog ? [lambdaLogGroupName(watchdog)] : [])],
          ruleNames: [
            ...(settings.sessionEvents ? [sessionEventsRuleName(prefix)] : []),
            ...(props.accessRequests === true ? [accessRequestRuleName(prefix)] : []),
            ...tamperRuleNames(prefix, settings, props.region),
            ...(watchdog ? [watchdogScheduleName(prefix)] : []),
          ],
          functionName: watchdog,
          topicArn: topic.topicArn,
          documentNames: [PREFERENCES_DOCUMENT, ...commandDocumentNames(prefix)],
          keys: [props.sessionKey, { id: topic.keyId, arn: topic.keyArn }],
          alarmNamePrefix: alarmNamePrefix(prefix),
          groupNames: props.groupNames,
        },
      });
    }
    if (settings.forbiddenCommands.length > 0 && props.sessionLogGroup !== undefined) {
      new ForbiddenCommands(this, "forbidden-commands", {
        namePrefix: props.namePrefix,
        provider,
        logGroupName: props.sessionLogGroup.name,
        logGroupNameRef: props.sessionLogGroup.ref,
        patterns: settings.forbiddenCommands,
        topicArn: topic.topicArnRef,
      });
    }
    if (settings.watchdog !== undefined) {
      new SessionWatchdog(this, "watchdog", {
        namePrefix: props.namePrefix,
        accountId: props.accountId,
        region: props.region,
        provider,
        settings: settings.watchdog,
        topicArn: topic.topicArn,
        topicArnRef: topic.topicArnRef,
        alertKeyArn: topic.keyArn,
        logRetentionDays: props.logRetentionDays,
      });
    }
    this.topicArn = topic.topicArnRef;
  }
}
