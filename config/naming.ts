import { PARTITION } from "./regions";
import type { Config } from "./types";
import type { AccessGroupConfig, GuardrailsConfig, ObservabilitySettings } from "./types";

/**
 * Every name and ARN the stacks share, derived in one place. The log-archive stack and each workload stack call
 * the same functions, so the bucket policy, the instance role and the preferences document cannot drift apart,
 * and no stack needs another stack's state.
 */

/** The Session Manager preferences document every Standard_Stream session uses. */
export const PREFERENCES_DOCUMENT = "SSM-SessionManagerRunShell";
/**
 * AWS-owned documents that open SSH and port-forwarding tunnels to any port (and, to a remote host, any host). IAM
 * cannot condition on document parameters, so access policies never allow them: groups get this project's tunnel
 * documents below, whose parameters are pinned to the config.
 */
export const SSH_DOCUMENT = "AWS-StartSSHSession";
export const PORT_FORWARDING_DOCUMENTS = [
  "AWS-StartPortForwardingSession",
  "AWS-StartPortForwardingSessionToRemoteHost",
] as const;

/** This project's SSH document in each region of a workload: portNumber limited to the workload's SSH ports. */
export const sshDocumentName = (prefix: string): string => `${prefix}-StartSSHSession`;
/** One access group's port-forwarding document: portNumber limited to the group's portForwardingPorts. */
export const portForwardingDocumentName = (prefix: string, group: string): string => `${prefix}-${group}-PortForwarding`;
/** One access group's document for forwarding to a remote host: host and portNumber limited to its remoteHosts. */
export const remoteHostDocumentName = (prefix: string, group: string): string => `${prefix}-${group}-PortForwardingToRemoteHost`;

/** What of an access group decides its tunnel documents. */
export type TunnelFlags = Pick<AccessGroupConfig, "name" | "allowSsh" | "allowPortForwarding" | "allowRemoteHostPortForwarding">;

/** The tunnel documents one access group may start sessions with (besides the preferences document). */
export function groupTunnelDocumentNames(prefix: string, group: TunnelFlags): string[] {
  return [
    ...(group.allowSsh ? [sshDocumentName(prefix)] : []),
    ...(group.allowPortForwarding ? [portForwardingDocumentName(prefix, group.name)] : []),
    ...(group.allowRemoteHostPortForwarding ? [remoteHostDocumentName(prefix, group.name)] : []),
  ];
}

/**
 * Every Session document this project creates in each region of a workload with these access groups: the
 * preferences document and the tunnel documents of all groups, once each. Whatever else of type Session exists in
 * the account is not this project's.
 */
export function sessionDocumentNames(prefix: string, groups: readonly TunnelFlags[]): string[] {
  return [...new Set([PREFERENCES_DOCUMENT, ...groups.flatMap((g) => groupTunnelDocumentNames(prefix, g))])];
}

/**
 * Names (IAM resource patterns) of every tunnel document this project could create under `prefix`, for any access
 * group: the access policies deny changing them, including names not created yet, so nobody can create one first
 * with wider parameters.
 */
export const tunnelDocumentNamePatterns = (prefix: string): string[] => [
  sshDocumentName(prefix),
  // One pattern for both kinds of group document: the name ends PortForwarding or PortForwardingToRemoteHost.
  `${portForwardingDocumentName(prefix, "*")}*`,
];

/** IAM policy variables, written as IAM reads them. `toTerraformJson` escapes them for Terraform. */
export const IAM_VAR = {
  principalAccount: "${aws:PrincipalAccount}",
  username: "${aws:username}",
  /** The caller's unique id: AIDA… for IAM users, AROA…:<session name> for roles, federated users included. */
  userid: "${aws:userid}",
} as const;

/** The IAM principal tag Session Manager reads for Run As: whoever may set it chooses their own OS user. */
export const RUN_AS_TAG = "SSMSessionRunAs";
/** The tag Session Manager puts on every session, holding the aws:userid of the principal who started it. */
export const SESSION_OWNER_TAG = "aws:ssmmessages:session-id";

/** Path of every IAM group, role and policy this project creates, so they are easy to find and to scope. */
export const IAM_PATH = "/session-manager/";

export const LOG_ARCHIVE_STACK = "log-archive";
/** The SCPs and RCPs, deployed where Organizations policies are managed (management or delegated admin account). */
export const ORGANIZATION_STACK = "organization";
/** The just-in-time node access stack, in the Systems Manager delegated administrator account. */
export const JUST_IN_TIME_STACK = "just-in-time";
/** The auto-approval policy document of a workload account and region (AWS allows one per account and region). */
export const autoApprovalDocumentName = (prefix: string): string => `${prefix}-auto-approval`;
/** The CloudFormation stack that holds it. */
export const autoApprovalStackName = (prefix: string): string => `${prefix}-jit-auto-approval`;
/** The EventBridge rule that forwards just-in-time access request events to the alert topic. */
export const accessRequestRuleName = (prefix: string): string => `${prefix}-access-requests`;
/** The Quick Setup configuration manager that sets up just-in-time node access. */
export const jitConfigurationManagerName = (prefix: string): string => `${prefix}-just-in-time-node-access`;
/** Organizations is a global service whose API lives in us-east-1. */
export const ORGANIZATIONS_REGION = "us-east-1";
/** The account the organization stack deploys into: the delegated policy administrator, else the management account. */
export const organizationStackAccount = (guardrails: GuardrailsConfig): string =>
  guardrails.policyAdminAccountId ?? guardrails.managementAccountId;
/** The n-th (from 1) SCP that keeps member accounts off this project's setup. */
export const setupScpName = (prefix: string, n: number): string => `${prefix}-session-setup-scp-${n}`;
/** The n-th (from 1) RCP around the transcript and access-log buckets and the log-archive keys. */
export const logRcpName = (prefix: string, n: number): string => `${prefix}-session-logs-rcp-${n}`;
export const workloadStackName = (workload: string): string => `workload-${workload}`;

/**
 * IAM Identity Center: the permission sets of the Identity Center access groups, their account assignments and the
 * attributes for access control, deployed in the account that administers Identity Center.
 */
export const IDENTITY_CENTER_STACK = "identity-center";
/** IAM Identity Center's limit on permission set names. */
export const PERMISSION_SET_NAME_MAX = 32;
/** Whether an access group is an Identity Center access group (a permission set) rather than an IAM group. */
export const isIdentityCenterGroup = (group: Pick<AccessGroupConfig, "identityCenterGroup">): boolean => group.identityCenterGroup !== undefined;
/** The permission set of one Identity Center access group: the override, else `<namePrefix>-<workload>-<group>`. */
export const permissionSetName = (
  prefix: string,
  workload: string,
  group: { readonly name: string; readonly identityCenterGroup?: { readonly permissionSetName?: string } },
): string =>
  group.identityCenterGroup?.permissionSetName ?? `${prefix}-${workload}-${group.name}`;
/**
 * Hours a permission set's credentials last: the override, else the workload's maximum session duration in whole
 * hours, within the 1 to 12 hours IAM Identity Center allows.
 */
export function permissionSetSessionHours(group: Pick<AccessGroupConfig, "identityCenterGroup">, maxSessionDurationMinutes: number): number {
  return group.identityCenterGroup?.sessionDurationHours ?? Math.min(12, Math.max(1, Math.floor(maxSessionDurationMinutes / 60)));
}
/**
 * The path of the roles IAM Identity Center creates for permission sets in each assigned account:
 * /aws-reserved/sso.amazonaws.com/<region>/, without the region for an instance in us-east-1.
 */
export const identityCenterRolePath = (instanceRegion: string): string =>
  instanceRegion === "us-east-1" ? "/aws-reserved/sso.amazonaws.com/" : `/aws-reserved/sso.amazonaws.com/${instanceRegion}/`;
/** The role of a permission set in an assigned account: AWSReservedSSO_<permission set>_<suffix IAM Identity Center picks>. */
export const identityCenterRoleName = (permissionSet: string, suffix: string): string => `AWSReservedSSO_${permissionSet}_${suffix}`;
/** Where the AWS access portal sends people of a permission set: the Session Manager console of the region. */
export const sessionManagerConsoleUrl = (region: string): string =>
  `https://${region}.console.aws.amazon.com/systems-manager/session-manager?region=${region}`;
/** The HCP Terraform workspaces of the other stacks, with a cloud backend that has `workspaces`. */
export const WORKSPACES_STACK = "workspaces";
/** The HCP Terraform workspace of a stack under the cloud backend: `<workspacePrefix><stack>`, by default `<namePrefix>-<stack>`. */
export const cloudWorkspaceName = (backend: { readonly workspacePrefix?: string }, namePrefix: string, stack: string): string =>
  `${backend.workspacePrefix ?? `${namePrefix}-`}${stack}`;
/** Where a stack's Terraform runs, relative to the project root: an HCP Terraform workspace's working directory. */
export const stackWorkingDirectory = (stack: string): string => `cdktf.out/stacks/${stack}`;
/** The GitHub environment, an approval gate, that the deploy workflow applies one stack in: named after the stack. */
export const githubEnvironmentName = (stack: string): string => stack;
/**
 * Where an HCL synth keeps each stack's Terraform JSON, relative to the output directory, for the review and the
 * offline plan. Not a `.tf.json` file and not in a stack's working directory, so Terraform never loads it.
 */
export const synthesizedJsonPath = (stack: string): string => `json/${stack}.json`;

export const logBucketName = (prefix: string, logAccountId: string): string =>
  `${prefix}-session-logs-${logAccountId}`;
/** The bucket that receives the transcript bucket's S3 server access logs: same account and region, as S3 requires. */
export const accessLogBucketName = (prefix: string, logAccountId: string): string =>
  `${prefix}-session-access-logs-${logAccountId}`;
/** Key prefix of one bucket's server access logs in the access-log bucket: the source bucket's name. */
export const accessLogPrefix = (sourceBucket: string): string => `${sourceBucket}/`;
export const logKeyAlias = (prefix: string): string => `alias/${prefix}-session-logs`;
export const sessionKeyAlias = (prefix: string): string => `alias/${prefix}-session-manager`;
export const sessionLogGroupName = (prefix: string): string => `/${prefix}/session-manager/sessions`;
export const instanceRoleName = (prefix: string): string => `${prefix}-session-instance`;
export const accessGroupName = (prefix: string, group: string): string => `${prefix}-${group}`;
export const accessPolicyName = (prefix: string, group: string): string => `${prefix}-${group}-session-access`;
/** The explicit denies every access group of a workload account carries, built over the union of its groups. */
export const guardrailPolicyName = (prefix: string): string => `${prefix}-session-guardrails`;
/** The explicit denies that keep the audit setup, scope tags and Run As tags out of session users' reach. */
export const setupGuardrailPolicyName = (prefix: string): string => `${prefix}-session-setup-guardrails`;

/** Session alerts of one account and region: the SNS topic, its key, the rules and alarms that publish to it. */
export const alertTopicName = (prefix: string): string => `${prefix}-session-alerts`;
export const alertKeyAlias = (prefix: string): string => `alias/${prefix}-session-alerts`;
export const sessionEventsRuleName = (prefix: string): string => `${prefix}-session-activity`;
/** Every alarm this project creates starts with this. */
export const alarmNamePrefix = (prefix: string): string => `${prefix}-session-`;
export const forbiddenCommandAlarmName = (prefix: string, pattern: string): string =>
  `${alarmNamePrefix(prefix)}forbidden-command-${pattern}`;
export const forbiddenCommandNamespace = (prefix: string): string => `${prefix}/SessionManager/ForbiddenCommands`;
export const watchdogFunctionName = (prefix: string): string => `${prefix}-session-watchdog`;
/** IAM is global: one watchdog role per region, each limited to its region's topic and log group. */
export const watchdogRoleName = (prefix: string, region: string): string => `${prefix}-session-watchdog-${region}`;
export const watchdogScheduleName = (prefix: string): string => `${prefix}-session-watchdog-schedule`;
export const watchdogErrorsAlarmName = (prefix: string): string => `${alarmNamePrefix(prefix)}watchdog-errors`;
export const watchdogNotRunningAlarmName = (prefix: string): string => `${alarmNamePrefix(prefix)}watchdog-not-running`;
export const sessionEventsFailedAlarmName = (prefix: string): string => `${alarmNamePrefix(prefix)}activity-delivery-failed`;

/**
 * IAM is a global service: CloudTrail delivers its events to EventBridge in us-east-1 only, so only a rule there
 * sees them.
 */
export const IAM_EVENTS_REGION = "us-east-1";
/** The tamper rules of one region: what each watches is in modules/tamper-rules.ts. */
export type TamperRulePart = "alerts" | "setup" | "iam";
export const tamperRuleName = (prefix: string, part: TamperRulePart): string =>
  part === "alerts" ? `${prefix}-session-tamper` : `${prefix}-session-tamper-${part}`;
export const tamperFailedAlarmName = (prefix: string, part: TamperRulePart): string =>
  `${alarmNamePrefix(prefix)}tamper-${part}-delivery-failed`;
/** The tamper rules a region gets when tamper events are on: the IAM rule only where IAM events arrive. */
export const tamperRuleParts = (region: string): TamperRulePart[] =>
  region === IAM_EVENTS_REGION ? ["alerts", "setup", "iam"] : ["alerts", "setup"];
/** Names of the tamper rules of a region with these settings (none when tamper events are off). */
export const tamperRuleNames = (prefix: string, settings: ObservabilitySettings, region: string): string[] =>
  settings.tamperEvents ? tamperRuleParts(region).map((part) => tamperRuleName(prefix, part)) : [];

/**
 * Every alarm that publishes to the alert topic of an account and region with these settings: the topic policy
 * lists each by ARN, the modules create them under these names, and the access model proves each one.
 */
export function alertAlarmNames(prefix: string, settings: ObservabilitySettings, region: string): string[] {
  return [
    ...(settings.sessionEvents ? [sessionEventsFailedAlarmName(prefix)] : []),
    ...(settings.tamperEvents ? tamperRuleParts(region).map((part) => tamperFailedAlarmName(prefix, part)) : []),
    ...settings.forbiddenCommands.map((c) => forbiddenCommandAlarmName(prefix, c.name)),
    ...(settings.watchdog ? [watchdogErrorsAlarmName(prefix), watchdogNotRunningAlarmName(prefix)] : []),
  ];
}

/** Lambda's own log group name: creating it first keeps Lambda from creating an unencrypted one. */
export const lambdaLogGroupName = (functionName: string): string => `/aws/lambda/${functionName}`;

/** Connectivity: the endpoints' security group, the bastion and its group. */
export const endpointSecurityGroupName = (prefix: string): string => `${prefix}-session-manager-endpoints`;
export const bastionName = (prefix: string): string => `${prefix}-session-bastion`;
/**
 * The bastion's own IAM role and instance profile, under IAM_PATH: the agent's core rights and session logging,
 * nothing of the workload instance role, so a credential taken from the bastion opens nothing else.
 */
export const bastionRoleName = (prefix: string): string => `${prefix}-session-bastion`;
/**
 * The bastion's only SSH login: no sudo, no shell, forwarding only (sshd ForceCommand). Keys reach it through EC2
 * Instance Connect, for 60 seconds at a time, pushed by members of groups that may use SSH.
 */
export const BASTION_JUMP_USER = "jump";
/** AWS's public parameter for the latest Amazon Linux 2023 AMI for arm64 (Graviton), in every region. */
export const AL2023_ARM64_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";

/** Fleet hygiene: State Manager associations, this project's Command document, the Default Host Management role. */
export const UPDATE_AGENT_DOCUMENT = "AWS-UpdateSSMAgent";
export const updateAgentAssociationName = (prefix: string): string => `${prefix}-update-ssm-agent`;
export const removeSsmUserSudoDocumentName = (prefix: string): string => `${prefix}-RemoveSsmUserSudo`;
export const removeSsmUserSudoAssociationName = (prefix: string): string => `${prefix}-remove-ssm-user-sudo`;
/** Every Command document this project creates: the access policies deny changing them, as the preferences. */
export const commandDocumentNames = (prefix: string): string[] => [removeSsmUserSudoDocumentName(prefix)];
/**
 * Every document the access policies deny changing, as IAM resource names: the preferences, this project's tunnel
 * documents (patterns) and its Command documents.
 */
export const protectedDocumentNames = (prefix: string): string[] => [
  PREFERENCES_DOCUMENT,
  ...tunnelDocumentNamePatterns(prefix),
  ...commandDocumentNames(prefix),
];
export const defaultHostRoleName = (prefix: string): string => `${prefix}-session-default-host`;
/** The service setting that names the Default Host Management role of an account and region. */
export const DEFAULT_HOST_MANAGEMENT_SETTING = "/ssm/managed-instance/default-ec2-instance-management-role";
/**
 * The Default Host Management role's path: AWS documents the setting only for a role under /service-role/, as
 * `service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole`, so the role lives there, not under IAM_PATH.
 */
export const DEFAULT_HOST_ROLE_PATH = "/service-role/";
/** The setting's value: the role's path without its leading slash, then its name, in AWS's documented form. */
export const defaultHostManagementSettingValue = (roleName: string): string => `${DEFAULT_HOST_ROLE_PATH.slice(1)}${roleName}`;

/**
 * The roles that write transcripts, in any organization account, as aws:PrincipalArn reports them (path included):
 * the bucket policy and the log key policy let these write and nothing else, so the same list serves both.
 */
export const transcriptWriterRoleArns = (prefix: string): string[] => [
  arn.roleWithPath("*", IAM_PATH, instanceRoleName(prefix)),
  arn.roleWithPath("*", IAM_PATH, bastionRoleName(prefix)),
  arn.roleWithPath("*", DEFAULT_HOST_ROLE_PATH, defaultHostRoleName(prefix)),
];

/** The log objects of one account: `<account>`. `account` may be an IAM variable such as `${aws:PrincipalAccount}`. */
export const accountLogPrefix = (account: string): string => account;
/** The S3 key prefix the preferences document of `account` in `region` writes to: `<account>/<region>`. */
export const sessionLogPrefix = (account: string, region: string): string =>
  `${accountLogPrefix(account)}/${region}`;

export const arn = {
  bucket: (bucket: string): string => `arn:${PARTITION}:s3:::${bucket}`,
  objects: (bucket: string, keyPrefix: string): string => `arn:${PARTITION}:s3:::${bucket}/${keyPrefix}/*`,
  accountRoot: (account: string): string => `arn:${PARTITION}:iam::${account}:root`,
  /** Any KMS key of an account in a region: a cross-account key's id is unknown, so conditions narrow this. */
  anyKey: (region: string, account: string): string => `arn:${PARTITION}:kms:${region}:${account}:key/*`,
  instances: (region: string, account: string): string => `arn:${PARTITION}:ec2:${region}:${account}:instance/*`,
  document: (region: string, account: string, name: string): string =>
    `arn:${PARTITION}:ssm:${region}:${account}:document/${name}`,
  /** AWS-owned documents carry no account id. */
  awsDocument: (region: string, name: string): string => `arn:${PARTITION}:ssm:${region}::document/${name}`,
  sessions: (region: string, account: string, owner: string): string =>
    `arn:${PARTITION}:ssm:${region}:${account}:session/${owner}-*`,
  logGroup: (region: string, account: string, name: string): string =>
    `arn:${PARTITION}:logs:${region}:${account}:log-group:${name}`,
  topic: (region: string, account: string, name: string): string => `arn:${PARTITION}:sns:${region}:${account}:${name}`,
  eventRule: (region: string, account: string, name: string): string =>
    `arn:${PARTITION}:events:${region}:${account}:rule/${name}`,
  alarm: (region: string, account: string, name: string): string =>
    `arn:${PARTITION}:cloudwatch:${region}:${account}:alarm:${name}`,
  /** Any session of the account and region: the watchdog ends whichever is overdue. */
  anySession: (region: string, account: string): string => `arn:${PARTITION}:ssm:${region}:${account}:session/*`,
  /** Any OpsItem of the account and region: a just-in-time access request is one. */
  opsItems: (region: string, account: string): string => `arn:${PARTITION}:ssm:${region}:${account}:opsitem/*`,
  automationExecutions: (region: string, account: string): string => `arn:${PARTITION}:ssm:${region}:${account}:automation-execution/*`,
  /** Hybrid nodes registered with Systems Manager (mi-…). */
  managedInstances: (region: string, account: string): string => `arn:${PARTITION}:ssm:${region}:${account}:managed-instance/*`,
  association: (region: string, account: string, id: string): string => `arn:${PARTITION}:ssm:${region}:${account}:association/${id}`,
  managedPolicy: (name: string): string => `arn:${PARTITION}:iam::aws:policy/${name}`,
  role: (account: string, name: string): string => `arn:${PARTITION}:iam::${account}:role/${name}`,
  /** An IAM OIDC identity provider, named by its URL without https://. */
  oidcProvider: (account: string, host: string): string => `arn:${PARTITION}:iam::${account}:oidc-provider/${host}`,
  /** A role by path and name, as aws:PrincipalArn reports it for the role's sessions; `account` may be `*`. */
  roleWithPath: (account: string, path: string, name: string): string => `arn:${PARTITION}:iam::${account}:role${path}${name}`,
  /** An instance profile of this project, under IAM_PATH. */
  instanceProfile: (account: string, name: string): string => `arn:${PARTITION}:iam::${account}:instance-profile${IAM_PATH}${name}`,
  /** An SSM service setting of one account and region; `settingId` starts with a slash. */
  serviceSetting: (region: string, account: string, settingId: string): string =>
    `arn:${PARTITION}:ssm:${region}:${account}:servicesetting${settingId}`,
};

export const s3ServiceFor = (region: string): string => `s3.${region}.amazonaws.com`;
export const logsServiceFor = (region: string): string => `logs.${region}.amazonaws.com`;
export const snsServiceFor = (region: string): string => `sns.${region}.amazonaws.com`;
/** The service name of a VPC endpoint, e.g. com.amazonaws.eu-west-1.ssmmessages. */
export const endpointServiceName = (region: string, service: string): string => `com.amazonaws.${region}.${service}`;

/** One stack as the GitHub plan and deploy workflows run it. */
export interface GithubTarget {
  readonly stack: string;
  readonly accountId: string;
  /** The stack's home region: where the job's AWS credentials point (each provider sets its own region). */
  readonly region: string;
  /** Assumed through GitHub OIDC on pull requests. */
  readonly planRoleArn: string;
  /** Assumed through GitHub OIDC in the stack's environment, to apply. */
  readonly deployRoleArn: string;
  /** The GitHub environment that gates the apply. */
  readonly environment: string;
}

/**
 * What the workflows run, in deploy order: log-archive, then every workload and the just-in-time stack, then the
 * organization and identity-center stacks if any (the permission sets reference policies the workload stacks create).
 */
export interface GithubTargets {
  readonly logArchive: GithubTarget;
  readonly workloads: readonly GithubTarget[];
  /** Empty without organization.guardrails. */
  readonly organization: readonly GithubTarget[];
  /** Empty without Identity Center access groups. */
  readonly identityCenter: readonly GithubTarget[];
  /** Empty without justInTime: the delegated administrator's just-in-time setup. */
  readonly justInTime: readonly GithubTarget[];
}

/**
 * The stacks, accounts and roles of the GitHub workflows, or undefined without `deployment.github`. The role names
 * are the same in every account; the ARN, and so the account the job can touch, is each stack's own.
 */
export function githubTargets(config: Config): GithubTargets | undefined {
  const github = config.deployment.github;
  if (github === undefined) return undefined;
  const roleArn = (accountId: string, name: string): string =>
    github.createRoles === undefined ? arn.role(accountId, name) : arn.roleWithPath(accountId, IAM_PATH, name);
  const target = (stack: string, accountId: string, region: string): GithubTarget => ({
    stack,
    accountId,
    region,
    planRoleArn: roleArn(accountId, github.planRoleName ?? github.roleName),
    deployRoleArn: roleArn(accountId, github.roleName),
    environment: githubEnvironmentName(stack),
  });
  const guardrails = config.organizationGuardrails;
  return {
    logArchive: target(LOG_ARCHIVE_STACK, config.logArchive.accountId, config.logArchive.region),
    workloads: config.workloads.map((w) => target(workloadStackName(w.name), w.accountId, w.regions[0]!)),
    organization: guardrails === undefined ? [] : [target(ORGANIZATION_STACK, organizationStackAccount(guardrails), ORGANIZATIONS_REGION)],
    identityCenter: identityCenterWorkloads(config).length === 0 ? [] : [target(IDENTITY_CENTER_STACK, config.identityCenter!.accountId, config.identityCenter!.region)],
    justInTime:
      config.justInTime === undefined ? [] : [target(JUST_IN_TIME_STACK, config.justInTime.delegatedAdministratorAccountId, config.justInTime.homeRegion)],
  };
}

/** The workloads with Identity Center access groups: the identity-center stack assigns their permission sets. */
export function identityCenterWorkloads(config: Config): Config["workloads"] {
  return config.identityCenter === undefined ? [] : config.workloads.filter((w) => w.accessGroups.some(isIdentityCenterGroup));
}

/** The S3 backend's state object of a stack; its lock file is this key with `.tflock` appended (use_lockfile). */
export const stateObjectKey = (keyPrefix: string, stack: string): string => `${keyPrefix}/${stack}.tfstate`;
export const STATE_LOCK_SUFFIX = ".tflock";

/** GitHub Actions' OIDC issuer, without https://, and the audience configure-aws-credentials asks for. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";
/** The audience HCP Terraform's workload identity tokens carry for AWS by default. */
export const HCP_TERRAFORM_AUDIENCE = "aws.workload.identity";

/** The `sub` of a GitHub job in a pull request (no environment), and of a job that runs in `environment`. */
export const githubPullRequestSubject = (repository: string): string => `repo:${repository}:pull_request`;
export const githubEnvironmentSubject = (repository: string, environment: string): string => `repo:${repository}:environment:${environment}`;
/** The `sub` of an HCP Terraform run phase of one workspace. */
export const hcpRunSubject = (organization: string, project: string, workspace: string, phase: "plan" | "apply"): string =>
  `organization:${organization}:project:${project}:workspace:${workspace}:run_phase:${phase}`;

/** One role that a stack creates for its own deployment, trusting one OIDC subject. */
export interface DeploymentRole {
  /** `plan` reads only; `deploy` applies the stack. */
  readonly kind: "plan" | "deploy";
  readonly name: string;
  /** The exact `sub` the role trusts. */
  readonly subject: string;
}

/** What a stack creates so that it can be planned and applied through OIDC: the provider and the two roles. */
export interface DeploymentRoles {
  /** The OIDC issuer without https:// (also the prefix of its condition keys). */
  readonly host: string;
  readonly audience: string;
  /** The account has the provider already: reference it by ARN rather than create it. */
  readonly providerExists: boolean;
  readonly plan: DeploymentRole;
  readonly deploy: DeploymentRole;
  /** The S3 backend's bucket and state key of the stack; undefined with HCP Terraform, which keeps the state itself. */
  readonly state?: { readonly bucket: string; readonly key: string };
}

/**
 * The deployment roles a stack creates, from `deployment.github.createRoles` or the cloud backend's
 * `workspaces.createRunRoles`; undefined when neither is set, and for the identity-center stack. The config allows at most one: GitHub needs the s3
 * backend, HCP Terraform is the cloud backend.
 */
export function deploymentRoles(config: Config, stack: string): DeploymentRoles | undefined {
  // The just-in-time stack deploys with the delegated administrator's own credentials (docs/just-in-time.md).
  if (stack === JUST_IN_TIME_STACK) return undefined;
  // The account that administers Identity Center usually holds the organization stack too, and its deploy role needs
  // Identity Center's rights, not a session stack's: it is created by hand (docs/identity-center.md).
  if (stack === IDENTITY_CENTER_STACK) return undefined;
  const github = config.deployment.github;
  const backend = config.deployment.backend;
  if (github?.createRoles !== undefined && backend.type === "s3") {
    const repository = github.createRoles.repository;
    return {
      host: GITHUB_OIDC_HOST,
      audience: GITHUB_OIDC_AUDIENCE,
      providerExists: github.createRoles.oidcProviderExists,
      // config/checks.ts requires a planRoleName different from roleName with createRoles.
      plan: { kind: "plan", name: github.planRoleName ?? github.roleName, subject: githubPullRequestSubject(repository) },
      deploy: { kind: "deploy", name: github.roleName, subject: githubEnvironmentSubject(repository, githubEnvironmentName(stack)) },
      state: { bucket: backend.bucket, key: stateObjectKey(backend.keyPrefix, stack) },
    };
  }
  if (backend.type === "cloud" && backend.workspaces?.createRunRoles !== undefined) {
    const workspaces = backend.workspaces;
    const create = workspaces.createRunRoles!;
    const workspace = cloudWorkspaceName(backend, config.namePrefix, stack);
    const subject = (phase: "plan" | "apply"): string => hcpRunSubject(backend.organization, workspaces.project, workspace, phase);
    return {
      host: backend.hostname,
      audience: HCP_TERRAFORM_AUDIENCE,
      providerExists: create.oidcProviderExists,
      plan: { kind: "plan", name: create.planRoleName, subject: subject("plan") },
      deploy: { kind: "deploy", name: workspaces.runRoleName, subject: subject("apply") },
    };
  }
  return undefined;
}

/** The ARN of a role this project creates for deployment, under IAM_PATH. */
export const deploymentRoleArn = (account: string, name: string): string => arn.roleWithPath(account, IAM_PATH, name);

/**
 * Who the SCPs do not stop: the config's exempt principals and, when the stacks create them, the deploy roles of
 * every account (the plan roles stay bound: they have nothing to change). Account `*`: the SCPs deny everyone else
 * creating a role of that name under IAM_PATH, so no account administrator can make one to slip through.
 */
export function scpExemptPrincipals(config: Config): string[] {
  const configured = config.organizationGuardrails?.exemptPrincipals ?? [];
  const created = deploymentRoles(config, ORGANIZATION_STACK);
  return [...new Set([...configured, ...(created === undefined ? [] : [deploymentRoleArn("*", created.deploy.name)])])];
}
