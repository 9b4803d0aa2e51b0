import { DataAwsIdentitystoreGroup } from "@cdktf/provider-aws/lib/data-aws-identitystore-group";
import { SsoadminAccountAssignment } from "@cdktf/provider-aws/lib/ssoadmin-account-assignment";
import { SsoadminCustomerManagedPolicyAttachment } from "@cdktf/provider-aws/lib/ssoadmin-customer-managed-policy-attachment";
import { SsoadminPermissionSet } from "@cdktf/provider-aws/lib/ssoadmin-permission-set";
import { Construct } from "constructs";
import type { IdentityCenterGroupConfig } from "../config/types";

export interface SessionPermissionSetProps {
  /** The IAM Identity Center instance. */
  readonly instanceArn: string;
  /** Its identity store, where a group given by display name is looked up. */
  readonly identityStoreId: string;
  /** The permission set's name, at most 32 characters (config/naming.ts). */
  readonly name: string;
  readonly description: string;
  /** Hours its credentials last, 1-12. */
  readonly sessionHours: number;
  /** Where the access portal sends its users: the Session Manager console. */
  readonly relayState: string;
  /**
   * Customer managed policies (IAM name and path) the permission set's role gets in the assigned account. The
   * workload stack creates them there: Identity Center fails the assignment when one does not exist.
   */
  readonly policies: readonly { readonly name: string; readonly path: string }[];
  /** The Identity Center group that gets the permission set, by display name or id. */
  readonly group: IdentityCenterGroupConfig;
  /** The workload account it is assigned in. */
  readonly accountId: string;
}

/**
 * One Identity Center access group: a permission set made of customer managed policy references only (no inline
 * policy, no AWS-managed policy), and its assignment to one Identity Center group in one account.
 */
export class SessionPermissionSet extends Construct {
  public readonly permissionSetArn: string;
  /** The group's id: the config's, or the one the plan looks up by display name. */
  public readonly groupId: string;

  constructor(scope: Construct, id: string, props: SessionPermissionSetProps) {
    super(scope, id);
    const permissionSet = new SsoadminPermissionSet(this, "permission-set", {
      instanceArn: props.instanceArn,
      name: props.name,
      description: props.description,
      sessionDuration: `PT${props.sessionHours}H`,
      relayState: props.relayState,
    });
    props.policies.forEach((policy, i) => {
      // Named by position: the access policy first, then the account's guardrails, in a fixed order.
      new SsoadminCustomerManagedPolicyAttachment(this, `policy-${i}`, {
        instanceArn: props.instanceArn,
        permissionSetArn: permissionSet.arn,
        customerManagedPolicyReference: { name: policy.name, path: policy.path },
      });
    });
    const group = props.group;
    // A display name is resolved by the plan: an unknown name fails there, before anything is created.
    this.groupId =
      "groupId" in group
        ? group.groupId
        : new DataAwsIdentitystoreGroup(this, "group", {
            identityStoreId: props.identityStoreId,
            alternateIdentifier: { uniqueAttribute: { attributePath: "DisplayName", attributeValue: group.displayName } },
          }).groupId;
    new SsoadminAccountAssignment(this, "assignment", {
      instanceArn: props.instanceArn,
      permissionSetArn: permissionSet.arn,
      principalType: "GROUP",
      principalId: this.groupId,
      targetType: "AWS_ACCOUNT",
      targetId: props.accountId,
    });
    this.permissionSetArn = permissionSet.arn;
  }
}
