import { IamGroupPolicyAttachment } from "@cdktf/provider-aws/lib/iam-group-policy-attachment";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { Construct } from "constructs";
import { IAM_PATH } from "../config/naming";
import { guardrailPolicy, type GuardrailProps } from "./policies/guardrails";
import { toTerraformJson } from "./terraform-json";

export interface SessionGuardrailsProps extends GuardrailProps {
  readonly policyName: string;
  /** The access groups of the account, config name to IAM group name: each carries the policy. */
  readonly groupNames: Readonly<Record<string, string>>;
}

/**
 * One managed policy of explicit denies per workload account, attached to every access group: the limits of the
 * access policies, restated as Denies that hold whatever else a member is granted (see guardrailPolicy).
 */
export class SessionGuardrails extends Construct {
  public readonly policyArn: string;

  constructor(scope: Construct, id: string, props: SessionGuardrailsProps) {
    super(scope, id);
    const managed = new IamPolicy(this, "policy", {
      name: props.policyName,
      path: IAM_PATH,
      description: "Session Manager guardrails: explicit denies for every session user of this account",
      policy: toTerraformJson(guardrailPolicy(props)),
    });
    // Attachments named by the config's group name, so adding or reordering groups recreates none.
    for (const [name, group] of Object.entries(props.groupNames)) {
      new IamGroupPolicyAttachment(this, `attachment-${name}`, { group, policyArn: managed.arn });
    }
    this.policyArn = managed.arn;
  }
}
