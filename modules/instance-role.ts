import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";
import { arn, IAM_PATH } from "../config/naming";
import { toTerraformJson } from "./terraform-json";
import { instanceLoggingPolicy, instanceTrustPolicy, type LogDestination, type SessionRegion } from "./policies/workload";

/**
 * The managed policy that lets the SSM agent register and open sessions. Never AmazonEC2RoleforSSM, which also
 * grants broad S3 and SSM write access.
 */
export const SSM_CORE_POLICY = "AmazonSSMManagedInstanceCore";

export interface SessionInstanceRoleProps {
  readonly roleName: string;
  readonly accountId: string;
  readonly logs: LogDestination;
  /** Every region of the account, with its session key and log group. */
  readonly regions: readonly SessionRegion[];
}

/** Role and instance profile for instances reached through Session Manager, with least-privilege logging rights. */
export class SessionInstanceRole extends Construct {
  public readonly instanceProfileName: string;

  constructor(scope: Construct, id: string, props: SessionInstanceRoleProps) {
    super(scope, id);
    const role = new IamRole(this, "role", {
      name: props.roleName,
      path: IAM_PATH,
      description: "EC2 instances managed and logged through Session Manager",
      assumeRolePolicy: toTerraformJson(instanceTrustPolicy()),
    });
    new IamRolePolicyAttachment(this, "ssm-core", {
      role: role.name,
      policyArn: arn.managedPolicy(SSM_CORE_POLICY),
    });
    new IamRolePolicy(this, "session-logging", {
      name: "session-logging",
      role: role.id,
      policy: toTerraformJson(instanceLoggingPolicy(props.accountId, props.logs, props.regions)),
    });
    const profile = new IamInstanceProfile(this, "profile", {
      name: props.roleName,
      path: IAM_PATH,
      role: role.name,
    });
    this.instanceProfileName = profile.name;
  }
}
