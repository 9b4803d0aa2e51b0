import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";
import { arn, IAM_PATH } from "../config/naming";
import { toTerraformJson } from "./terraform-json";
import { DEFAULT_HOST_MANAGED_POLICY } from "./policies/fleet";
import { instanceCredentialPerimeter } from "./policies/perimeter";
import { instanceLoggingPolicy, instanceTrustPolicy, type LogDestination, type SessionRegion } from "./policies/workload";

/**
 * The managed policy that lets the SSM agent register, run associations and open sessions: what AWS gives the
 * Default Host Management role. Not AmazonSSMManagedInstanceCore, which also lets every session read every
 * parameter of the account (ssm:GetParameter(s) on *), nor AmazonEC2RoleforSSM, which grants broad S3 and SSM
 * write access.
 */
export const INSTANCE_AGENT_POLICY = DEFAULT_HOST_MANAGED_POLICY;

export interface SessionInstanceRoleProps {
  readonly roleName: string;
  readonly accountId: string;
  readonly logs: LogDestination;
  /** Every region of the account, with its session key and log group. */
  readonly regions: readonly SessionRegion[];
  /** Public addresses (CIDR) the instances reach AWS from without a VPC endpoint. @default none: see instanceCredentialPerimeter */
  readonly egressPublicCidrs?: readonly string[];
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
    // Construct id kept from the AmazonSSMManagedInstanceCore attachment it replaces, so the plan shows one
    // attachment replaced rather than one removed and an unrelated one added.
    new IamRolePolicyAttachment(this, "ssm-core", {
      role: role.name,
      policyArn: arn.managedPolicy(INSTANCE_AGENT_POLICY),
    });
    new IamRolePolicy(this, "session-logging", {
      name: "session-logging",
      role: role.id,
      policy: toTerraformJson(instanceLoggingPolicy(props.accountId, props.logs, props.regions)),
    });
    new IamRolePolicy(this, "credential-perimeter", {
      name: "credential-perimeter",
      role: role.id,
      policy: toTerraformJson(instanceCredentialPerimeter(props.egressPublicCidrs ?? [])),
    });
    const profile = new IamInstanceProfile(this, "profile", {
      name: props.roleName,
      path: IAM_PATH,
      role: role.name,
    });
    this.instanceProfileName = profile.name;
  }
}
