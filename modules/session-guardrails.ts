import { IamGroupPolicyAttachment } from "@cdktf/provider-aws/lib/iam-group-policy-attachment";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { Construct } from "constructs";
import { IAM_PATH } from "../config/naming";
import { guardrailPolicy, setupGuardrailPolicy, type GuardrailProps } from "./policies/guardrails";
import { MANAGED_POLICY_MAX_CHARS, managedPolicySize } from "./policy-size";
import { toTerraformJson } from "./terraform-json";

export interface SessionGuardrailsProps extends GuardrailProps {
  readonly policyName: string;
  readonly setupPolicyName: string;
  /** The access groups of the account, config name to IAM group name: each carries the policy. */
  readonly groupNames: Readonly<Record<string, string>>;
}

/**
 * One managed policy of explicit denies per workload account, attached to every access group: the limits of the
 * access policies, restated as Denies that hold whatever else a member is granted (see guardrailPolicy).
 */
export class SessionGuardrails extends Construct {
  public readonly policyArns: readonly string[];

  constructor(scope: Construct, id: string, props: SessionGuardrailsProps) {
    super(scope, id);
    const parts = [
      { id: "policy", name: props.policyName, document: guardrailPolicy(props), what: "session" },
      { id: "setup-policy", name: props.setupPolicyName, document: setupGuardrailPolicy(props), what: "setup" },
    ];
    const arns: string[] = [];
    for (const part of parts) {
      const size = managedPolicySize(part.document);
      if (size > MANAGED_POLICY_MAX_CHARS) {
        throw new Error(
          `guardrail policy ${part.name}: about ${size} characters, over IAM's ${MANAGED_POLICY_MAX_CHARS}; ` +
            "use fewer instance tag keys or values across the account's access groups, or fewer regions",
        );
      }
      const managed = new IamPolicy(this, part.id, {
        name: part.name,
        path: IAM_PATH,
        description: `Session Manager ${part.what} guardrails: explicit denies for every session user of this account`,
        policy: toTerraformJson(part.document),
      });
      // Attachments named by the config's group name, so adding or reordering groups recreates none.
      for (const [name, group] of Object.entries(props.groupNames)) {
        new IamGroupPolicyAttachment(this, `${part.id === "policy" ? "attachment" : "setup-attachment"}-${name}`, { group, policyArn: managed.arn });
      }
      arns.push(managed.arn);
    }
    this.policyArns = arns;
  }
}
