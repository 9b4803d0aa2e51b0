import { PARTITION } from "./regions";
import type { ObservabilitySettings } from "./types";

/**
 * Every name and ARN the stacks share, derived in one place. The log-archive stack and each workload stack call
 * the same functions, so the bucket policy, the instance role and the preferences document cannot drift apart,
 * and no stack needs another stack's state.
 */

/** The Session Manager preferences document every Standard_Stream session uses. */
export const PREFERENCES_DOCUMENT = "SSM-SessionManagerRunShell";
/** AWS-owned documents that open SSH and port-forwarding tunnels. */
export const SSH_DOCUMENT = "AWS-StartSSHSession";
export const PORT_FORWARDING_DOCUMENTS = [
  "AWS-StartPortForwardingSession",
  "AWS-StartPortForwardingSessionToRemoteHost",
] as const;

/** IAM policy variables, written as IAM reads them. `toTerraformJson` escapes them for Terraform. */
export const IAM_VAR = {
  principalAccount: "${aws:PrincipalAccount}",
  username: "${aws:username}",
} as const;

/** Path of every IAM group, role and policy this project creates, so they are easy to find and to scope. */
export const IAM_PATH = "/session-manager/";

export const LOG_ARCHIVE_STACK = "log-archive";
export const workloadStackName = (workload: string): string => `workload-${workload}`;

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
 * Every alarm that publishes to the alert topic of an account with these settings: the topic policy lists each by
 * ARN, the modules create them under these names, and the access model proves each one.
 */
export function alertAlarmNames(prefix: string, settings: ObservabilitySettings): string[] {
  return [
    ...(settings.sessionEvents ? [sessionEventsFailedAlarmName(prefix)] : []),
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
  managedPolicy: (name: string): string => `arn:${PARTITION}:iam::aws:policy/${name}`,
  role: (account: string, name: string): string => `arn:${PARTITION}:iam::${account}:role/${name}`,
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
