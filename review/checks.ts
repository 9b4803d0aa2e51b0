import {
  accessGroupName,
  accessLogBucketName,
  accessLogPrefix,
  alarmNamePrefix,
  alertAlarmNames,
  alertKeyAlias,
  alertTopicName,
  arn,
  defaultHostRoleName,
  instanceRoleName,
  lambdaLogGroupName,
  LOG_ARCHIVE_STACK,
  logBucketName,
  PORT_FORWARDING_DOCUMENTS,
  PREFERENCES_DOCUMENT,
  removeSsmUserSudoDocumentName,
  BASTION_JUMP_USER,
  bastionName,
  bastionRoleName,
  DEFAULT_HOST_MANAGEMENT_SETTING,
  sessionKeyAlias,
  sessionLogGroupName,
  sessionLogPrefix,
  sessionEventsRuleName,
  SSH_DOCUMENT,
  watchdogFunctionName,
  watchdogRoleName,
  workloadStackName,
} from "../config/naming";
import type { AccessGroupConfig, Config, WorkloadConfig } from "../config/types";
import {
  accountAdmin,
  grantAll,
  groupMember,
  instanceSession,
  OUTSIDE_ACCOUNT,
  roleSession,
  servicePrincipal,
  withPolicy,
  type Organization,
  type Persona,
  type RequestOptions,
} from "./personas";
import { ALARMS_SERVICE, EVENTS_SERVICE } from "../modules/policies/alerts";
import { S3_LOG_DELIVERY_SERVICE } from "../modules/policies/log-archive";
import type { ResolvedStack } from "./resolve";
import type { AccessModel, AccessRequest, Decision } from "./simulate";

/**
 * The access model this project promises, as checks over the synthesized stacks: who must be able to do what for
 * sessions and logging to work, and what must be denied even to an attacker with broad permissions. The tests
 * assert every check; the review report shows them as a matrix.
 */

export type Column =
  | "instance role"
  | "default host role"
  | "bastion role"
  | "watchdog role"
  | "account admin (*)"
  | "org account admin (*)"
  | "outsider admin (*)"
  | "AWS service"
  | `${string} member`;

export interface AccessCheck {
  readonly stack: string;
  readonly region: string;
  /** What is attempted, in a few words: the matrix row. */
  readonly row: string;
  /** Who attempts it: the matrix column. */
  readonly column: Column;
  readonly persona: Persona;
  readonly request: AccessRequest;
  readonly expect: Decision;
  /** The statement that must decide an Allowed or ExplicitlyDenied outcome. */
  readonly sid?: string;
}

export class ModelError extends Error {}

/** The organization of `config`, checked against the stacks synthesized from it. */
export function accessModel(config: Config, stacks: readonly ResolvedStack[]): AccessModel {
  const expected = new Map([[LOG_ARCHIVE_STACK, config.logArchive.accountId], ...config.workloads.map((w) => [workloadStackName(w.name), w.accountId] as const)]);
  const problems: string[] = [];
  for (const [name, account] of expected) {
    const stack = stacks.find((s) => s.name === name);
    if (stack === undefined) problems.push(`stack ${name} is missing`);
    else if (stack.accountId !== account) problems.push(`stack ${name} is for account ${stack.accountId}, the config says ${account}`);
  }
  for (const stack of stacks) if (!expected.has(stack.name)) problems.push(`stack ${stack.name} is not in the config`);
  if (problems.length > 0) throw new ModelError(`cdktf.out does not match the config (run npm run synth): ${problems.join("; ")}`);
  const organization: Organization = { id: config.organizationId, accountIds: new Set(expected.values()) };
  return { organization, stacks };
}

const INSTANCE_ID = "i-0123456789abcdef0";
const SESSION_SUFFIX = "0a1b2c3d4e5f67890";

/** Every check, or only those of one workload stack (`onlyStack`), which is cheaper when one check is wanted. */
export function accessChecks(config: Config, model: AccessModel, onlyStack?: string): AccessCheck[] {
  const stackNamed = (name: string): ResolvedStack => {
    const stack = model.stacks.find((s) => s.name === name);
    if (stack === undefined) throw new ModelError(`no stack ${name}`);
    return stack;
  };
  const log = stackNamed(LOG_ARCHIVE_STACK);
  const bucket = named(log.buckets, logBucketName(config.namePrefix, config.logArchive.accountId), "transcript bucket");
  const accessLogs = named(log.buckets, accessLogBucketName(config.namePrefix, config.logArchive.accountId), "access-log bucket");
  const logKey = only(log.keys, "log-archive key");
  const accounts = [...model.organization.accountIds];
  const checks: AccessCheck[] = [];

  for (const workload of config.workloads) {
    if (onlyStack !== undefined && workloadStackName(workload.name) !== onlyStack) continue;
    const stack = stackNamed(workloadStackName(workload.name));
    const role = named(stack.roles, instanceRoleName(config.namePrefix), `${stack.name} instance role`);
    const instance = instanceSession(stack, role);
    const admin = accountAdmin(stack.accountId, "account admin (*)");
    const outsider = accountAdmin(OUTSIDE_ACCOUNT, "outsider admin (*)");
    const members = workload.accessGroups.map((group) => {
      const name = accessGroupName(config.namePrefix, group.name);
      const resolved = stack.groups.find((g) => g.name === name);
      if (resolved === undefined) throw new ModelError(`${stack.name}: no IAM group ${name}`);
      return { group, persona: groupMember(stack, resolved), column: `${group.name} member` as Column };
    });
    // Default Host Management: instances without an instance profile get this role through Systems Manager.
    const fleet = workload.connectivity.fleet;
    const hostRole = fleet.defaultHostManagement
      ? named(stack.roles, defaultHostRoleName(config.namePrefix), `${stack.name} Default Host Management role`)
      : undefined;
    const host = hostRole && roleSession(stack, hostRole, INSTANCE_ID, `${hostRole.name} (Default Host Management)`);
    // The bastion's own role: the agent's rights and session logging, none of the instance role's other grants.
    const bastionRole = workload.connectivity.bastion && named(stack.roles, bastionRoleName(config.namePrefix), `${stack.name} bastion role`);
    const jumpHost = bastionRole && roleSession(stack, bastionRole, "i-0b1a5710e0000b0b0", `${bastionRole.name} (bastion)`);
    // Another organization account, whose transcripts this workload must not touch.
    const otherAccount = accounts.find((a) => a !== stack.accountId && a !== config.logArchive.accountId) ?? config.logArchive.accountId;

    for (const region of workload.regions) {
      const add = (row: string, column: Column, persona: Persona, request: AccessRequest, expect: Decision, sid?: string): void => {
        checks.push({ stack: stack.name, region, row, column, persona, request, expect, sid });
      };
      const transcript = (account: string): string => `${bucket.arn}/${sessionLogPrefix(account, region)}/alice-${SESSION_SUFFIX}.log`;
      const own = (p: Persona): string => transcript(p.accountId!);
      const put = (resource: string, options?: RequestOptions): AccessRequest => ({ action: "s3:PutObject", resource, options });
      const viaS3 = { viaService: "s3", encryptionContext: { "aws:s3:arn": bucket.arn } } as const;

      // Logging: what the instance needs, and the log archive's boundary.
      add("write own transcripts", "instance role", instance, put(own(instance)), "Allowed", "WriteOwnTranscripts");
      add("write own transcripts", "account admin (*)", admin, put(own(admin)), "Allowed", "OrganizationWritesOwnPrefix");
      add("write own transcripts", "outsider admin (*)", outsider, put(own(outsider)), "ImplicitlyDenied");
      const namingKey = (keyArn: string): RequestOptions => ({
        s3Headers: { "x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": keyArn },
      });
      add("write own transcripts naming the log key", "instance role", instance, put(own(instance), namingKey(logKey.arn)), "Allowed", "OrganizationWritesOwnPrefix");
      const foreignKey = arn.anyKey(region, stack.accountId).replace("*", "00000000-0000-4000-8000-000000000000");
      add("write naming another KMS key", "instance role", instance, put(own(instance), namingKey(foreignKey)), "ExplicitlyDenied", "DenyWritesWithAnotherKey");
      add("write without TLS", "instance role", instance, put(own(instance), { secureTransport: false }), "ExplicitlyDenied", "DenyInsecureTransport");
      const sse = (headers: Record<string, string>): RequestOptions => ({ s3Headers: headers });
      add("write with a customer-provided key (SSE-C)", "instance role", instance, put(own(instance), sse({ "x-amz-server-side-encryption-customer-algorithm": "AES256" })), "ExplicitlyDenied", "DenyWritesWithCustomerKeys");
      add("write with SSE-S3 (AES256)", "instance role", instance, put(own(instance), sse({ "x-amz-server-side-encryption": "AES256" })), "ExplicitlyDenied", "DenyWritesWithOtherEncryption");
      add("write with aws:kms but no key id", "instance role", instance, put(own(instance), sse({ "x-amz-server-side-encryption": "aws:kms" })), "ExplicitlyDenied", "DenyKmsWritesWithoutTheKey");
      const encryption = { action: "s3:GetEncryptionConfiguration", resource: bucket.arn };
      add("read the bucket encryption", "instance role", instance, encryption, "Allowed", "OrganizationReadsEncryptionConfiguration");
      add("read the bucket encryption", "outsider admin (*)", outsider, encryption, "ImplicitlyDenied");
      const generate = (options?: RequestOptions): AccessRequest => ({ action: "kms:GenerateDataKey", resource: logKey.arn, options });
      add("encrypt with the log key through S3", "instance role", instance, generate(viaS3), "Allowed", "UseLogKeyThroughS3");
      add("encrypt with the log key through S3", "outsider admin (*)", outsider, generate(viaS3), "ImplicitlyDenied");
      add("use the log key directly", "instance role", instance, generate(), "ImplicitlyDenied");
      add("use the log key directly", "account admin (*)", admin, generate(), "ImplicitlyDenied");
      add("write another account's transcripts", "instance role", instance, put(transcript(otherAccount)), "ExplicitlyDenied", "DenyWritesOutsideOwnPrefix");
      add("write another account's transcripts", "account admin (*)", admin, put(transcript(otherAccount)), "ExplicitlyDenied", "DenyWritesOutsideOwnPrefix");
      add("write another account's transcripts", "outsider admin (*)", outsider, put(transcript(stack.accountId)), "ExplicitlyDenied", "DenyWritesOutsideOwnPrefix");
      for (const [row, action, resource] of [
        ["read a transcript", "s3:GetObject", transcript(stack.accountId)],
        ["delete a transcript version", "s3:DeleteObjectVersion", transcript(stack.accountId)],
        ["shorten a transcript's retention", "s3:PutObjectRetention", transcript(stack.accountId)],
        ["change the bucket policy", "s3:PutBucketPolicy", bucket.arn],
      ] as const) {
        for (const [column, persona] of [["instance role", instance], ["account admin (*)", admin], ["outsider admin (*)", outsider]] as const) {
          add(row, column, persona, { action, resource }, "ExplicitlyDenied", "DenyOtherAccountsReadDeleteAdminister");
        }
      }
      // The transcript bucket's server access logs: written by S3 log delivery for that bucket only, and beyond
      // the reach of other accounts, however broad their own grants.
      const accessLog = `${accessLogs.arn}/${accessLogPrefix(bucket.name)}2025-01-01-00-00-00-0123456789ABCDEF`;
      const delivery = servicePrincipal(S3_LOG_DELIVERY_SERVICE);
      const fromBucket = (source: string, account: string): RequestOptions => ({ sourceArn: source, sourceAccount: account });
      const logAccount = config.logArchive.accountId;
      add("deliver the transcript bucket's access logs", "AWS service", delivery, put(accessLog, fromBucket(bucket.arn, logAccount)), "Allowed", "S3ServerAccessLogDelivery");
      add("deliver another bucket's access logs", "AWS service", delivery, put(accessLog, fromBucket(arn.bucket("another-bucket"), logAccount)), "ImplicitlyDenied");
      add("deliver access logs for another account", "AWS service", delivery, put(accessLog, fromBucket(bucket.arn, stack.accountId)), "ImplicitlyDenied");
      for (const [column, persona] of [["account admin (*)", admin], ["outsider admin (*)", outsider]] as const) {
        add("write an access log record", column, persona, put(accessLog), "ImplicitlyDenied");
        add("delete an access log record", column, persona, { action: "s3:DeleteObjectVersion", resource: accessLog }, "ExplicitlyDenied", "DenyOtherAccountsDeleteAdminister");
        add("change the access-log bucket policy", column, persona, { action: "s3:PutBucketPolicy", resource: accessLogs.arn }, "ExplicitlyDenied", "DenyOtherAccountsDeleteAdminister");
      }
      add("write an access log record without TLS", "AWS service", delivery, put(accessLog, { ...fromBucket(bucket.arn, logAccount), secureTransport: false }), "ExplicitlyDenied", "DenyInsecureTransport");

      for (const [row, action] of [
        ["schedule log key deletion", "kms:ScheduleKeyDeletion"],
        ["replace the log key policy", "kms:PutKeyPolicy"],
        ["disable the log key", "kms:DisableKey"],
      ] as const) {
        add(row, "account admin (*)", admin, { action, resource: logKey.arn }, "ImplicitlyDenied");
        add(row, "outsider admin (*)", outsider, { action, resource: logKey.arn }, "ImplicitlyDenied");
      }

      // Sessions.
      const sessionKey = stack.keys.find((k) => k.region === region && k.aliases.includes(sessionKeyAlias(config.namePrefix)));
      if (sessionKey === undefined) throw new ModelError(`${stack.name}: no session key in ${region}`);
      add("decrypt session data", "instance role", instance, { action: "kms:Decrypt", resource: sessionKey.arn }, "Allowed", "DecryptSessionData");
      const instanceArn = arn.instances(region, stack.accountId).replace("*", INSTANCE_ID);
      const preferences = arn.document(region, stack.accountId, PREFERENCES_DOCUMENT);
      add("start a session on a tagged instance", "instance role", instance, { action: "ssm:StartSession", resource: instanceArn, options: { instanceTags: {} } }, "ImplicitlyDenied");
      for (const { group, persona, column } of members) {
        const start = (resource: string, options: RequestOptions = {}): AccessRequest => ({ action: "ssm:StartSession", resource, options });
        const tags = matchingTags(group);
        add("start a session on a tagged instance", column, persona, start(instanceArn, { instanceTags: tags }), "Allowed", "StartSessionOnTaggedInstances");
        add("start it with the audited document", column, persona, start(preferences), "Allowed", "StartSessionWithApprovedDocuments");
        add(
          "start a session without MFA",
          column,
          persona,
          start(instanceArn, { instanceTags: tags, mfa: false }),
          group.mfaRequired ? "ExplicitlyDenied" : "Allowed",
          group.mfaRequired ? "DenySessionsWithoutMfa" : "StartSessionOnTaggedInstances",
        );
        add(
          "start a session with long-term access keys (no MFA key)",
          column,
          persona,
          start(instanceArn, { instanceTags: tags, mfa: "absent" }),
          group.mfaRequired ? "ExplicitlyDenied" : "Allowed",
          group.mfaRequired ? "DenySessionsWithoutMfa" : "StartSessionOnTaggedInstances",
        );
        add("start a session on an instance with other tags", column, persona, start(instanceArn, { instanceTags: otherTags(group) }), "ImplicitlyDenied");
        add(
          "start a session without the document check",
          column,
          persona,
          start(instanceArn, { instanceTags: tags, sessionDocumentAccessCheck: false }),
          "ImplicitlyDenied",
        );
        add("start it with an unlisted document", column, persona, start(arn.awsDocument(region, "AWS-StartInteractiveCommand")), "ImplicitlyDenied");
        const tunnel = (allowed: boolean): [Decision, string?] => (allowed ? ["Allowed", "StartSessionWithApprovedDocuments"] : ["ImplicitlyDenied"]);
        add("start an SSH session", column, persona, start(arn.awsDocument(region, SSH_DOCUMENT)), ...tunnel(group.allowSsh));
        add("start port forwarding", column, persona, start(arn.awsDocument(region, PORT_FORWARDING_DOCUMENTS[0])), ...tunnel(group.allowPortForwarding));
        add("generate the session data key", column, persona, { action: "kms:GenerateDataKey", resource: sessionKey.arn }, "Allowed", "GenerateSessionDataKey");
        add("decrypt session data", column, persona, { action: "kms:Decrypt", resource: sessionKey.arn }, "ImplicitlyDenied");
        const session = (owner: string): string => arn.sessions(region, stack.accountId, owner).replace("*", SESSION_SUFFIX);
        add("end own session", column, persona, { action: "ssm:TerminateSession", resource: session(persona.username!) }, "Allowed", "ManageOwnSessions");
        add("end another user's session", column, persona, { action: "ssm:TerminateSession", resource: session("someone-else") }, "ImplicitlyDenied");
        const broad = withPolicy(persona, "SsmFullAccess", grantAll("ssm:*", "AllowAllSsm"));
        for (const action of ["ssm:CreateDocument", "ssm:UpdateDocument", "ssm:DeleteDocument"]) {
          const verb = action.slice(4, -8).toLowerCase();
          add(`${verb} the preferences document, holding ssm:*`, column, broad, { action, resource: preferences }, "ExplicitlyDenied", "DenyPreferencesDocumentChanges");
        }
        if (fleet.removeSsmUserSudo !== undefined) {
          // The document runs as root on every tagged instance: whoever could edit it would own them.
          const sudoDocument = arn.document(region, stack.accountId, removeSsmUserSudoDocumentName(config.namePrefix));
          for (const action of ["ssm:UpdateDocument", "ssm:DeleteDocument"]) {
            const verb = action.slice(4, -8).toLowerCase();
            add(`${verb} the ssm-user sudo document, holding ssm:*`, column, broad, { action, resource: sudoDocument }, "ExplicitlyDenied", "DenyPreferencesDocumentChanges");
          }
          // Nor what runs it.
          add("run the ssm-user sudo document, holding ssm:*", column, broad, { action: "ssm:SendCommand", resource: sudoDocument }, "ExplicitlyDenied", "DenyFleetHygieneChanges");
          add("associate the ssm-user sudo document, holding ssm:*", column, broad, { action: "ssm:CreateAssociation", resource: sudoDocument }, "ExplicitlyDenied", "DenyFleetHygieneChanges");
        }
        if (fleet.defaultHostManagement) {
          const setting = arn.serviceSetting(region, stack.accountId, DEFAULT_HOST_MANAGEMENT_SETTING);
          add("point Default Host Management at another role, holding ssm:*", column, broad, { action: "ssm:UpdateServiceSetting", resource: setting }, "ExplicitlyDenied", "DenyFleetHygieneChanges");
        }
        const bastion = workload.connectivity.bastion;
        if (bastion !== undefined && region === bastion.region) {
          // EC2 Instance Connect: a key for the bastion's jump user only, and only for groups that may use SSH.
          const bastionInstance = arn.instances(region, stack.accountId).replace("*", "i-0b1a5710e0000b0b0");
          const push = (osUser: string, name: string): AccessRequest => ({
            action: "ec2-instance-connect:SendSSHPublicKey",
            resource: bastionInstance,
            options: { resourceTags: { Name: name }, osUser },
          });
          const name = bastionName(config.namePrefix);
          add("push a key to the bastion's jump user", column, persona, push(BASTION_JUMP_USER, name), ...((group.allowSsh ? ["Allowed", "SendKeyToBastionJumpUser"] : ["ImplicitlyDenied"]) as [Decision, string?]));
          add("push a key to the bastion as ec2-user", column, persona, push("ec2-user", name), "ImplicitlyDenied");
          add("push a key to another instance", column, persona, push(BASTION_JUMP_USER, "app-server"), "ImplicitlyDenied");
        }
      }

      if (host !== undefined) {
        // The same logging rights as the instance role, and the same boundary.
        add("write own transcripts", "default host role", host, put(own(host)), "Allowed", "WriteOwnTranscripts");
        add("write another account's transcripts", "default host role", host, put(transcript(otherAccount)), "ExplicitlyDenied", "DenyWritesOutsideOwnPrefix");
        add("encrypt with the log key through S3", "default host role", host, generate(viaS3), "Allowed", "UseLogKeyThroughS3");
        add("decrypt session data", "default host role", host, { action: "kms:Decrypt", resource: sessionKey.arn }, "Allowed", "DecryptSessionData");
        add("send a command", "default host role", host, { action: "ssm:SendCommand", resource: instanceArn }, "ImplicitlyDenied");
        add("start a session on a tagged instance", "default host role", host, { action: "ssm:StartSession", resource: instanceArn, options: { instanceTags: {} } }, "ImplicitlyDenied");
      }

      if (jumpHost !== undefined) {
        // Whatever someone on the bastion could take from it: its own transcripts, and nothing that runs elsewhere.
        add("write own transcripts", "bastion role", jumpHost, put(own(jumpHost)), "Allowed", "WriteOwnTranscripts");
        add("write another account's transcripts", "bastion role", jumpHost, put(transcript(otherAccount)), "ExplicitlyDenied", "DenyWritesOutsideOwnPrefix");
        add("read a transcript", "bastion role", jumpHost, { action: "s3:GetObject", resource: transcript(stack.accountId) }, "ExplicitlyDenied", "DenyOtherAccountsReadDeleteAdminister");
        add("send a command", "bastion role", jumpHost, { action: "ssm:SendCommand", resource: instanceArn }, "ImplicitlyDenied");
        add("start a session on a tagged instance", "bastion role", jumpHost, { action: "ssm:StartSession", resource: instanceArn, options: { instanceTags: {} } }, "ImplicitlyDenied");
        add("pass a role", "bastion role", jumpHost, { action: "iam:PassRole", resource: role.arn }, "ImplicitlyDenied");
      }

      // What the instance role must not do.
      add("send a command", "instance role", instance, { action: "ssm:SendCommand", resource: instanceArn }, "ImplicitlyDenied");
      const logStream = `${arn.logGroup(region, stack.accountId, sessionLogGroupName(config.namePrefix))}:log-stream:${SESSION_SUFFIX}`;
      add("read session logs in CloudWatch", "instance role", instance, { action: "logs:GetLogEvents", resource: logStream }, "ImplicitlyDenied");
      add("pass a role", "instance role", instance, { action: "iam:PassRole", resource: role.arn }, "ImplicitlyDenied");
      add("assume a role", "instance role", instance, { action: "sts:AssumeRole", resource: role.arn }, "ImplicitlyDenied");

      if (workload.observability.alerts !== undefined) {
        const orgAdmin = accountAdmin(otherAccount, "org account admin (*)");
        checks.push(
          ...monitoringChecks(config, stack, region, workload.observability, { admin, orgAdmin, outsider, member: members[0] }).map((c) => ({
            stack: stack.name,
            region,
            ...c,
          })),
        );
      }

      // Who may assume the instance role (IAM is global: once, in the home region).
      if (region === stack.homeRegion) {
        const assume = { action: "sts:AssumeRole", resource: role.arn };
        add("assume the instance role as EC2", "AWS service", servicePrincipal("ec2.amazonaws.com"), assume, "Allowed", "Ec2AssumesRole");
        add("assume the instance role as Lambda", "AWS service", servicePrincipal("lambda.amazonaws.com"), assume, "ImplicitlyDenied");
        add("assume the instance role", "account admin (*)", admin, assume, "ImplicitlyDenied");
        add("assume the instance role", "outsider admin (*)", outsider, assume, "ImplicitlyDenied");
        if (bastionRole !== undefined) {
          const assumeBastion = { action: "sts:AssumeRole", resource: bastionRole.arn };
          add("assume the bastion role as EC2", "AWS service", servicePrincipal("ec2.amazonaws.com"), assumeBastion, "Allowed", "Ec2AssumesRole");
          add("assume the bastion role", "account admin (*)", admin, assumeBastion, "ImplicitlyDenied");
        }
        if (hostRole !== undefined) {
          const assumeHost = { action: "sts:AssumeRole", resource: hostRole.arn };
          add("assume the default host role as Systems Manager", "AWS service", servicePrincipal("ssm.amazonaws.com"), assumeHost, "Allowed", "SsmAssumesRole");
          add("assume the default host role as EC2", "AWS service", servicePrincipal("ec2.amazonaws.com"), assumeHost, "ImplicitlyDenied");
          add("assume the default host role", "account admin (*)", admin, assumeHost, "ImplicitlyDenied");
        }
      }
    }
  }
  return checks;
}

type RegionCheck = Omit<AccessCheck, "stack" | "region">;

/**
 * The alert topic, its key and the watchdog of one region: the services that publish can, the watchdog can do its
 * job and nothing else, and no other account can publish or subscribe.
 */
function monitoringChecks(
  config: Config,
  stack: ResolvedStack,
  region: string,
  settings: WorkloadConfig["observability"],
  who: { admin: Persona; orgAdmin: Persona; outsider: Persona; member: { persona: Persona; column: Column } },
): RegionCheck[] {
  const prefix = config.namePrefix;
  const checks: RegionCheck[] = [];
  const add = (row: string, column: Column, persona: Persona, request: AccessRequest, expect: Decision, sid?: string): void => {
    checks.push({ row, column, persona, request, expect, sid });
  };
  const topicArn = arn.topic(region, stack.accountId, alertTopicName(prefix));
  if (!stack.topics.some((t) => t.arn === topicArn)) throw new ModelError(`${stack.name}: no alert topic in ${region}`);
  const key = stack.keys.find((k) => k.region === region && k.aliases.includes(alertKeyAlias(prefix)));
  if (key === undefined) throw new ModelError(`${stack.name}: no alert key in ${region}`);
  const publish = (options?: RequestOptions): AccessRequest => ({ action: "sns:Publish", resource: topicArn, options });
  const subscribe: AccessRequest = { action: "sns:Subscribe", resource: topicArn };
  const encrypt = (options?: RequestOptions): AccessRequest => ({ action: "kms:GenerateDataKey", resource: key.arn, options });

  // Nobody outside the account, however broad their own grants.
  for (const [column, persona] of [["org account admin (*)", who.orgAdmin], ["outsider admin (*)", who.outsider]] as const) {
    add("publish an alert", column, persona, publish(), "ExplicitlyDenied", "DenyOtherAccounts");
    add("subscribe to the alerts", column, persona, subscribe, "ExplicitlyDenied", "DenyOtherAccounts");
    add("use the alert key", column, persona, encrypt(), "ImplicitlyDenied");
  }
  add("publish an alert without TLS", "account admin (*)", who.admin, publish({ secureTransport: false }), "ExplicitlyDenied", "DenyInsecureTransport");
  add("publish an alert", who.member.column, who.member.persona, publish(), "ImplicitlyDenied");
  add("subscribe to the alerts", who.member.column, who.member.persona, subscribe, "ImplicitlyDenied");

  const events = servicePrincipal(EVENTS_SERVICE);
  const alarms = servicePrincipal(ALARMS_SERVICE);
  const foreignRule = arn.eventRule(region, OUTSIDE_ACCOUNT, sessionEventsRuleName(prefix));
  if (settings.sessionEvents) {
    const rule = arn.eventRule(region, stack.accountId, sessionEventsRuleName(prefix));
    add("publish session activity (the rule)", "AWS service", events, publish({ sourceArn: rule }), "Allowed", "SessionActivityRulePublishes");
    add("encrypt an alert (EventBridge)", "AWS service", events, encrypt(), "Allowed", "AlertSourcesEncryptMessages");
  }
  add("publish for another account's rule", "AWS service", events, publish({ sourceArn: foreignRule }), "ImplicitlyDenied");
  const alarmNames = alertAlarmNames(prefix, settings);
  for (const name of alarmNames) {
    add(`publish alarm ${name}`, "AWS service", alarms, publish({ sourceArn: arn.alarm(region, stack.accountId, name) }), "Allowed", "SessionAlarmsPublish");
  }
  if (alarmNames.length > 0) add("encrypt an alert (CloudWatch alarm)", "AWS service", alarms, encrypt(), "Allowed", "AlertSourcesEncryptMessages");
  // An alarm anyone in the account could create with a matching name: only the listed ARNs may publish.
  add("publish for another alarm", "AWS service", alarms, publish({ sourceArn: arn.alarm(region, stack.accountId, `${alarmNamePrefix(prefix)}forged`) }), "ImplicitlyDenied");
  add("publish for another account's alarm", "AWS service", alarms, publish({ sourceArn: arn.alarm(region, OUTSIDE_ACCOUNT, alarmNames[0] ?? "any") }), "ImplicitlyDenied");

  if (settings.watchdog !== undefined) {
    const functionName = watchdogFunctionName(prefix);
    const role = named(stack.roles, watchdogRoleName(prefix, region), `${stack.name} watchdog role in ${region}`);
    const watchdog = roleSession(stack, role, functionName, `${role.name} (Lambda)`);
    const enforce = settings.watchdog.mode === "enforce";
    const anySession = arn.anySession(region, stack.accountId).replace("*", `alice-${SESSION_SUFFIX}`);
    const logGroup = arn.logGroup(region, stack.accountId, lambdaLogGroupName(functionName));
    add("list active sessions", "watchdog role", watchdog, { action: "ssm:DescribeSessions", resource: "*" }, "Allowed", "ListSessions");
    add(
      "end anyone's session",
      "watchdog role",
      watchdog,
      { action: "ssm:TerminateSession", resource: anySession },
      ...((enforce ? ["Allowed", "EndOverdueSessions"] : ["ImplicitlyDenied"]) as [Decision, string?]),
    );
    add("publish an alert", "watchdog role", watchdog, publish(), "Allowed", "PublishAlerts");
    add("encrypt an alert through SNS", "watchdog role", watchdog, encrypt({ viaService: "sns" }), "Allowed", "EncryptAlertsThroughSns");
    add("use the alert key directly", "watchdog role", watchdog, encrypt(), "ImplicitlyDenied");
    add("write its own log", "watchdog role", watchdog, { action: "logs:PutLogEvents", resource: `${logGroup}:log-stream:${SESSION_SUFFIX}` }, "Allowed", "WriteOwnLog");
    const sessionLog = arn.logGroup(region, stack.accountId, sessionLogGroupName(prefix));
    add("write to the session transcripts", "watchdog role", watchdog, { action: "logs:PutLogEvents", resource: `${sessionLog}:log-stream:${SESSION_SUFFIX}` }, "ImplicitlyDenied");
    add("read session transcripts", "watchdog role", watchdog, { action: "logs:GetLogEvents", resource: `${sessionLog}:log-stream:${SESSION_SUFFIX}` }, "ImplicitlyDenied");
    add("start a session", "watchdog role", watchdog, { action: "ssm:StartSession", resource: arn.instances(region, stack.accountId).replace("*", INSTANCE_ID), options: { instanceTags: {} } }, "ImplicitlyDenied");
    add("send a command", "watchdog role", watchdog, { action: "ssm:SendCommand", resource: arn.instances(region, stack.accountId).replace("*", INSTANCE_ID) }, "ImplicitlyDenied");
    add("update the preferences document", "watchdog role", watchdog, { action: "ssm:UpdateDocument", resource: arn.document(region, stack.accountId, PREFERENCES_DOCUMENT) }, "ImplicitlyDenied");
    add("subscribe to the alerts", "watchdog role", watchdog, subscribe, "ImplicitlyDenied");
    add("publish to another topic", "watchdog role", watchdog, { action: "sns:Publish", resource: arn.topic(region, stack.accountId, "another-topic") }, "ImplicitlyDenied");
    add("pass its role", "watchdog role", watchdog, { action: "iam:PassRole", resource: role.arn }, "ImplicitlyDenied");
    const assume = { action: "sts:AssumeRole", resource: role.arn };
    add("assume the watchdog role as Lambda", "AWS service", servicePrincipal("lambda.amazonaws.com"), assume, "Allowed", "LambdaAssumesRole");
    add("assume the watchdog role as EC2", "AWS service", servicePrincipal("ec2.amazonaws.com"), assume, "ImplicitlyDenied");
    add("assume the watchdog role", "account admin (*)", who.admin, assume, "ImplicitlyDenied");
  }
  return checks;
}

function named<T extends { readonly name: string }>(items: readonly T[], name: string, what: string): T {
  const found = items.find((i) => i.name === name);
  if (found === undefined) throw new ModelError(`no ${what} (${name})`);
  return found;
}

/** Tags that satisfy every tag condition of `group`: the first allowed value of each key. */
const matchingTags = (group: AccessGroupConfig): Record<string, string> =>
  Object.fromEntries(Object.entries(group.instanceTags).map(([key, values]) => [key, values[0]]));

/** Tags that miss one condition: the first key gets a value the group does not allow. */
const otherTags = (group: AccessGroupConfig): Record<string, string> => {
  const tags = matchingTags(group);
  const [first] = Object.keys(tags).sort();
  return { ...tags, [first]: `not-${tags[first]}` };
};

function only<T>(items: readonly T[], what: string): T {
  if (items.length !== 1) throw new ModelError(`expected one ${what}, found ${items.length}`);
  return items[0];
}
