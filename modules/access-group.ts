import { IamGroup } from "@cdktf/provider-aws/lib/iam-group";
import { IamGroupPolicyAttachment } from "@cdktf/provider-aws/lib/iam-group-policy-attachment";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { Construct } from "constructs";
import { IAM_PATH } from "../config/naming";
import { MANAGED_POLICY_MAX_CHARS, managedPolicySize } from "./policy-size";
import { toTerraformJson } from "./terraform-json";
import { sessionAccessPolicy, type AccessPolicyProps } from "./policies/workload";

/** Length of a KMS key ARN in the commercial partition, for references not yet resolved at synth time. */
const KEY_ARN_CHARS = "arn:aws:kms:ap-southeast-2:123456789012:key/".length + 36;

/**
 * The access policy of one group, checked against IAM's size limit at synth, not half-way through an apply: measured
 * with real-length key ARNs in place of the references, without white space, as IAM counts it.
 */
function sizedAccessPolicy(props: AccessPolicyProps, what: string) {
  const document = sessionAccessPolicy(props);
  const size = managedPolicySize(document, new Map(props.regions.map((r) => [r.sessionKeyArn, KEY_ARN_CHARS])));
  if (size > MANAGED_POLICY_MAX_CHARS) {
    throw new Error(
      `${what}: its policy would be about ${size} characters, over IAM's ` +
        `${MANAGED_POLICY_MAX_CHARS}; use fewer regions or fewer instance tag values for this group`,
    );
  }
  return document;
}

export interface SessionAccessGroupProps extends AccessPolicyProps {
  readonly groupName: string;
  readonly policyName: string;
  readonly description: string;
}

/**
 * An IAM group for people who start sessions, with its access policy as a customer-managed policy. The same
 * policy can be attached to roles and IAM Identity Center permission sets (as a customer managed policy reference).
 */
export class SessionAccessGroup extends Construct {
  public readonly groupName: string;
  public readonly policyArn: string;

  constructor(scope: Construct, id: string, props: SessionAccessGroupProps) {
    super(scope, id);
    const document = sizedAccessPolicy(props, `access group ${props.groupName}`);
    const group = new IamGroup(this, "group", { name: props.groupName, path: IAM_PATH });
    const managed = new IamPolicy(this, "policy", {
      name: props.policyName,
      path: IAM_PATH,
      description: props.description,
      policy: toTerraformJson(document),
    });
    new IamGroupPolicyAttachment(this, "attachment", { group: group.name, policyArn: managed.arn });
    this.groupName = group.name;
    this.policyArn = managed.arn;
  }
}

export interface FederatedAccessPolicyProps extends AccessPolicyProps {
  readonly policyName: string;
  readonly description: string;
}

/**
 * The access policy of an Identity Center access group, as a customer managed policy under IAM_PATH: the group's
 * permission set references it by name and path, and IAM Identity Center attaches it to the permission set's role in
 * this account. No IAM group: the members are the Identity Center group's.
 */
export class FederatedAccessPolicy extends Construct {
  public readonly policyArn: string;

  constructor(scope: Construct, id: string, props: FederatedAccessPolicyProps) {
    super(scope, id);
    const managed = new IamPolicy(this, "policy", {
      name: props.policyName,
      path: IAM_PATH,
      description: props.description,
      policy: toTerraformJson(sizedAccessPolicy(props, `Identity Center access group ${props.accessGroup}`)),
    });
    this.policyArn = managed.arn;
  }
}
