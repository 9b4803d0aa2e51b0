import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { SsmAssociation } from "@cdktf/provider-aws/lib/ssm-association";
import { SsmDocument } from "@cdktf/provider-aws/lib/ssm-document";
import { SsmServiceSetting } from "@cdktf/provider-aws/lib/ssm-service-setting";
import type { ITerraformDependable, TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import {
  arn,
  DEFAULT_HOST_MANAGEMENT_SETTING,
  defaultHostManagementSettingValue,
  defaultHostRoleName,
  DEFAULT_HOST_ROLE_PATH,
  removeSsmUserSudoAssociationName,
  removeSsmUserSudoDocumentName,
  UPDATE_AGENT_DOCUMENT,
  updateAgentAssociationName,
} from "../config/naming";
import type { FleetConfig } from "../config/schema";
import { DEFAULT_HOST_MANAGED_POLICY, defaultHostTrustPolicy } from "./policies/fleet";
import { instanceLoggingPolicy } from "./policies/workload";
import type { LogDestination, SessionRegion } from "./policies/workload";
import { toTerraformJson } from "./terraform-json";

/** The file SSM Agent creates with ssm-user's sudo rule, and leaves alone once it exists. */
export const SSM_AGENT_SUDOERS_FILE = "/etc/sudoers.d/ssm-agent-users";
/** What AWS documents writing to that file to take sudo away: a comment, so the file exists and grants nothing. */
export const NO_SUDO_RULE = "#User rules for ssm-user";

/**
 * The script of the RemoveSsmUserSudo document, one line per entry as `aws:runShellScript` takes it. It touches only
 * the agent's sudoers file, refuses a symbolic link there, and leaves a file that already holds just the comment
 * as it is. A comment-only file is valid sudoers syntax, so even an interrupted write cannot break sudo.
 */
export const REMOVE_SSM_USER_SUDO_SCRIPT: readonly string[] = [
  "set -eu",
  `file=${SSM_AGENT_SUDOERS_FILE}`,
  `rule='${NO_SUDO_RULE}'`,
  'if [ ! -d /etc/sudoers.d ]; then echo "no /etc/sudoers.d: the agent has granted ssm-user nothing"; exit 0; fi',
  'if [ -L "$file" ]; then echo "$file is a symbolic link: left alone" >&2; exit 1; fi',
  'if [ -f "$file" ] && [ "$(cat "$file")" = "$rule" ]; then echo "ssm-user already has no sudo rule"; exit 0; fi',
  // The agent recreates the rule only when the file is missing; a file holding just the comment stays.
  "printf '%s\\n' \"$rule\" > \"$file\"",
  'chown 0:0 "$file"',
  'chmod 0440 "$file"',
  'echo "ssm-user sudo rule removed from $file"',
];

/** Content of the Command document that takes sudo away from ssm-user. Pure, so tests read what is deployed. */
export function removeSsmUserSudoContent(): Record<string, unknown> {
  return {
    schemaVersion: "2.2",
    description:
      "Takes sudo away from SSM Agent's ssm-user: replaces the rule in /etc/sudoers.d/ssm-agent-users with a comment. Managed by session-manager-cdktf.",
    mainSteps: [
      {
        action: "aws:runShellScript",
        name: "removeSsmUserSudo",
        precondition: { StringEquals: ["platformType", "Linux"] },
        inputs: { timeoutSeconds: "60", runCommand: [...REMOVE_SSM_USER_SUDO_SCRIPT] },
      },
    ],
  };
}

/** Rollout limits of every association here: one instance in ten at a time, stop once one in ten has failed. */
const MAX_CONCURRENCY = "10%";
const MAX_ERRORS = "10%";
/** How often the sudo association re-applies, so an instance that gains the rule back loses it within a day. */
export const REMOVE_SSM_USER_SUDO_SCHEDULE = "rate(1 day)";

export interface DefaultHostManagementRoleProps {
  /** Prefix of the role's name. */
  readonly namePrefix: string;
  readonly accountId: string;
  /** Where transcripts go. */
  readonly logs: LogDestination;
  /** Every region of the account, with its session key and log group. */
  readonly regions: readonly SessionRegion[];
}

/**
 * The IAM role Systems Manager gives instances that have no instance profile (Default Host Management
 * Configuration): AmazonSSMManagedEC2InstanceDefaultPolicy plus the instance role's logging grants, so those
 * instances are managed and their sessions logged like the rest. IAM is global: one role for every region.
 */
export class DefaultHostManagementRole extends Construct {
  public readonly roleName: string;
  /** What the service setting of each region must say: the role's path and name. */
  public readonly settingValue: string;
  /** The role and its grants, for the service settings to wait for. */
  public readonly grants: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: DefaultHostManagementRoleProps) {
    super(scope, id);
    this.roleName = defaultHostRoleName(props.namePrefix);
    this.settingValue = defaultHostManagementSettingValue(this.roleName);
    const role = new IamRole(this, "role", {
      name: this.roleName,
      path: DEFAULT_HOST_ROLE_PATH,
      description: "Default Host Management: EC2 instances without an instance profile, managed and logged through Session Manager",
      assumeRolePolicy: toTerraformJson(defaultHostTrustPolicy()),
    });
    // Exactly the instance role's logging grants: an instance logs the same way with or without the instance profile.
    this.grants = [role, ...addAgentGrants(this, role, props)];
  }
}

/** Where the SSM agent of an instance logs sessions: the account, its transcript bucket and its regions. */
export interface AgentLoggingProps {
  readonly accountId: string;
  readonly logs: LogDestination;
  readonly regions: readonly SessionRegion[];
}

/**
 * What an instance that runs nothing but the SSM agent needs, on `role`: AmazonSSMManagedEC2InstanceDefaultPolicy
 * (the agent's core rights, no S3, no KMS) and the session logging policy. Created in `scope` as `managed-policy`
 * and `session-logging`; returns both, for what must wait for them.
 */
export function addAgentGrants(scope: Construct, role: IamRole, props: AgentLoggingProps): ITerraformDependable[] {
  const managed = new IamRolePolicyAttachment(scope, "managed-policy", {
    role: role.name,
    policyArn: arn.managedPolicy(DEFAULT_HOST_MANAGED_POLICY),
  });
  const logging = new IamRolePolicy(scope, "session-logging", {
    name: "session-logging",
    role: role.id,
    policy: toTerraformJson(instanceLoggingPolicy(props.accountId, props.logs, props.regions)),
  });
  return [managed, logging];
}

export interface FleetHygieneProps {
  /** Prefix of the association and document names. */
  readonly namePrefix: string;
  readonly accountId: string;
  readonly region: string;
  /** The provider of `region`. */
  readonly provider: TerraformProvider;
  /** The workload's `connectivity.fleet`. */
  readonly fleet: FleetConfig;
  /**
   * The account's Default Host Management role; required exactly when `fleet.defaultHostManagement` is on.
   * @default undefined: the region's Default Host Management setting is left as it is
   */
  readonly defaultHostRole?: DefaultHostManagementRole;
}

/**
 * State Manager keeping one region's fleet in shape: AWS-UpdateSSMAgent on every managed instance on a schedule,
 * this project's RemoveSsmUserSudo document on tagged Linux instances daily, and the Default Host Management
 * setting pointing at the account's role. Each part only when configured; with nothing configured, nothing.
 */
export class FleetHygiene extends Construct {
  /** ARNs of the associations created here: the guardrails deny changing or deleting them. */
  public readonly associationArns: readonly string[];

  constructor(scope: Construct, id: string, props: FleetHygieneProps) {
    super(scope, id);
    const associations: SsmAssociation[] = [];
    const { fleet, provider } = props;
    if (fleet.defaultHostManagement !== (props.defaultHostRole !== undefined)) {
      throw new Error(
        `fleet hygiene in ${props.region}: defaultHostRole must be given exactly when fleet.defaultHostManagement is true (it is ${fleet.defaultHostManagement})`,
      );
    }
    const schedule = fleet.updateAgentSchedule;

    if (schedule !== undefined) {
      associations.push(new SsmAssociation(this, "update-agent", {
        name: UPDATE_AGENT_DOCUMENT,
        associationName: updateAgentAssociationName(props.namePrefix),
        scheduleExpression: schedule,
        // Every managed instance of the region, including ones launched later.
        targets: [{ key: "InstanceIds", values: ["*"] }],
        complianceSeverity: "MEDIUM",
        maxConcurrency: MAX_CONCURRENCY,
        maxErrors: MAX_ERRORS,
        provider,
      }));
    }

    const sudo = fleet.removeSsmUserSudo;
    if (sudo !== undefined) {
      const name = removeSsmUserSudoDocumentName(props.namePrefix);
      const document = new SsmDocument(this, "remove-ssm-user-sudo-document", {
        name,
        documentType: "Command",
        documentFormat: "JSON",
        content: toTerraformJson(removeSsmUserSudoContent()),
        provider,
      });
      associations.push(new SsmAssociation(this, "remove-ssm-user-sudo", {
        name: document.name,
        associationName: removeSsmUserSudoAssociationName(props.namePrefix),
        scheduleExpression: REMOVE_SSM_USER_SUDO_SCHEDULE,
        // Also right after creation, not only on the first scheduled run.
        applyOnlyAtCronInterval: false,
        targets: [{ key: `tag:${sudo.tagKey}`, values: [sudo.tagValue] }],
        complianceSeverity: "HIGH",
        maxConcurrency: MAX_CONCURRENCY,
        maxErrors: MAX_ERRORS,
        provider,
      }));
    }
    this.associationArns = associations.map((a) => a.arn);

    const role = props.defaultHostRole;
    if (role !== undefined) {
      new SsmServiceSetting(this, "default-host-management", {
        settingId: arn.serviceSetting(props.region, props.accountId, DEFAULT_HOST_MANAGEMENT_SETTING),
        settingValue: role.settingValue,
        // The value is the role's name, not a reference: wait for the role and its grants, so no instance ever
        // gets credentials without the logging rights.
        dependsOn: [...role.grants],
        provider,
      });
    }
  }
}
