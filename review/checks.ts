import {
  accessGroupName,
  accessPolicyName,
  accessLogBucketName,
  accessLogPrefix,
  alarmNamePrefix,
  alertAlarmNames,
  alertKeyAlias,
  alertTopicName,
  arn,
  defaultHostRoleName,
  instanceRoleName,
  autoApprovalDocumentName,
  JUST_IN_TIME_STACK,
  lambdaLogGroupName,
  LOG_ARCHIVE_STACK,
  logBucketName,
  ORGANIZATION_STACK,
  organizationStackAccount,
  PORT_FORWARDING_DOCUMENTS,
  portForwardingDocumentName,
  PREFERENCES_DOCUMENT,
  remoteHostDocumentName,
  removeSsmUserSudoDocumentName,
  BASTION_JUMP_USER,
  bastionName,
  bastionRoleName,
  DEFAULT_HOST_MANAGEMENT_SETTING,
  IAM_PATH,
  RUN_AS_TAG,
  sessionKeyAlias,
  sessionLogGroupName,
  sessionLogPrefix,
  sessionEventsRuleName,
  SSH_DOCUMENT,
  tamperRuleName,
  tamperRuleNames,
  sshDocumentName,
  watchdogFunctionName,
  watchdogRoleName,
  workloadStackName,
  WORKSPACES_STACK,
  IDENTITY_CENTER_STACK,
  identityCenterRolePath,
  identityCenterWorkloads,
  isIdentityCenterGroup,
  permissionSetName,
} from "../config/naming";
import { PARTITION } from "../config/regions";
import { AWS_REGIONS } from "../config/regions";
import type { AccessGroupConfig, Config, WorkloadConfig } from "../config/types";
import {
  accountAdmin,
  foreignRole,
  grantAll,
  groupMember,
  identityCenterSession,
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
import { tagMisses } from "../modules/policies/guardrails";
import { sessionDocumentArns } from "../modules/policies/workload";
import { S3_LOG_DELIVERY_SERVICE } from "../modules/policies/log-archive";
import { deploymentChecks } from "./deployment-checks";
import { organizationChecks } from "./organization-checks";
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
  | "other role (same account, *)"
  | "look-alike role (outside, *)"
  | "exempt deploy role (*)"
  | "OIDC token"
  | "plan role + *"
  | "deploy role"
  | "log-archive admin (*)"
  | "AWS service"
  | `${string} member`
  | `${string} member + ${string}`
  | `${string} (Identity Center)`
  | `${string} (Identity Center) + other grants`;

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
  const guardrails = config.organizationGuardrails;
  const expected = new Map([
    [LOG_ARCHIVE_STACK, config.logArchive.accountId],
    ...config.workloads.map((w) => [workloadStackName(w.name), w.accountId] as const),
    ...(guardrails === undefined ? [] : [[ORGANIZATION_STACK, organizationStackAccount(guardrails)] as const]),
    ...(identityCenterWorkloads(config).length === 0 ? [] : [[IDENTITY_CENTER_STACK, config.identityCenter!.accountId] as const]),
    ...(config.justInTime === undefined ? [] : [[JUST_IN_TIME_STACK, config.justInTime.delegatedAdministratorAccountId] as const]),
  ]);
  const problems: string[] = [];
  for (const [name, account] of expected) {
    const stack = stacks.find((s) => s.name === name);
    if (stack === undefined) problems.push(`stack ${name} is missing`);
    else if (stack.accountId !== account) problems.push(`stack ${name} is for account ${stack.accountId}, the config says ${account}`);
  }
  // The workspaces stack holds no AWS access; the resolver leaves it out, and it is not an account of the model.
  for (const stack of stacks) if (stack.name !== WORKSPACES_STACK && !expected.has(stack.name)) problems.push(`stack ${stack.name} is not in the config`);
  if (problems.length > 0) throw new ModelError(`cdktf.out does not match the config (run npm run synth): ${problems.join("; ")}`);
  const organization: Organization = {
    id: config.organizationId,
    accountIds: new Set([...expected.values(), ...(guardrails === undefined ? [] : [guardrails.managementAccountId])]),
    managementAccountId: guardrails?.managementAccountId,
  };
  return { organization, stacks };
}

const INSTANCE_ID = "i-0123456789abcdef0";
/** What people of a just-in-time workload do themselves: request access, and fetch the approved request's token. */
const JIT_REQUEST_ACTIONS = ["ssm:StartAccessRequest", "ssm:GetAccessToken"];
/** The aws:userid of someone else, who started the session being attempted. */
const OTHER_USERID = "AIDAOTHERPERSON0000000";
const SESSION_SUFFIX = "0a1b2c3d4e5f67890";
/** The Identity Center user name of the modelled person: their role session's name, and their Run As user. */
const FEDERATED_USER = "alice";

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

  if (onlyStack === undefined || onlyStack === ORGANIZATION_STACK) checks.push(...organizationChecks(config, model));
  checks.push(...deploymentChecks(config, model, onlyStack));
  for (const workload of config.workloads) {
    if (onlyStack !== undefined && workloadStackName(workload.name) !== onlyStack) continue;
    const stack = stackNamed(workloadStackName(workload.name));
    const role = named(stack.roles, instanceRoleName(config.namePrefix), `${stack.name} instance role`);
    const admin = accountAdmin(stack.accountId, "account admin (*)");
    const outsider = accountAdmin(OUTSIDE_ACCOUNT, "outsider admin (*)");
    const members = workload.accessGroups.filter((g) => !isIdentityCenterGroup(g)).map((group) => {
      const name = accessGroupName(config.namePrefix, group.name);
      const resolved = stack.groups.find((g) => g.name === name);
      if (resolved === undefined) throw new ModelError(`${stack.name}: no IAM group ${name}`);
      return { group, persona: groupMember(stack, resolved), column: `${group.name} member` as Column };
    });
    // Identity Center access groups: a person in the role Identity Center made for the group's permission set, built
    // from the identity-center stack's references to this stack's policies.
    const identityCenter = config.identityCenter;
    const federatedMembers = workload.accessGroups.filter(isIdentityCenterGroup).map((group) => {
      const icStack = stackNamed(IDENTITY_CENTER_STACK);
      const name = permissionSetName(config.namePrefix, workload.name, group);
      const set = icStack.permissionSets.find((p) => p.name === name);
      if (set === undefined) throw new ModelError(`${IDENTITY_CENTER_STACK}: no permission set ${name}`);
      if (!set.accounts.includes(stack.accountId)) throw new ModelError(`${IDENTITY_CENTER_STACK}: permission set ${name} is not assigned in ${stack.accountId}`);
      const column = `${group.name} (Identity Center)` as Column;
      const runAs: Record<string, string> = icStack.accessControlAttributes[RUN_AS_TAG] === undefined ? {} : { [RUN_AS_TAG]: FEDERATED_USER };
      // The attribute scope's session tags, each with this person's own value; their instances carry the same.
      const attributes = Object.fromEntries(Object.keys(identityCenter!.abacTagKeys ?? {}).sort().map((key) => [key, `${FEDERATED_USER}-${key.toLowerCase()}`]));
      const rolePath = identityCenterRolePath(identityCenter!.region);
      const persona = identityCenterSession(stack, set, rolePath, FEDERATED_USER, { ...runAs, ...attributes }, column);
      // Another person with the same permission set, whose user name starts like this one's.
      const lookAlike = identityCenterSession(stack, set, rolePath, `${FEDERATED_USER}-admin`, { ...runAs, ...attributes }, column);
      const untagged = identityCenterSession(stack, set, rolePath, FEDERATED_USER, runAs, column);
      return { group, persona, lookAlike, untagged, attributes, column };
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

    const deployRole = foreignRole(stack.accountId, "/", "platform-deploy", "other role (same account, *)");
    const lookAlike = foreignRole(OUTSIDE_ACCOUNT, IAM_PATH, instanceRoleName(config.namePrefix), "look-alike role (outside, *)");

    // The intended model comes from the config, through the same pure functions the stacks use; the simulator
    // then evaluates what was synthesized.
    const misses = tagMisses(workload.accessGroups.map((g) => ({ instanceTags: g.instanceTags, documentArns: [] })));
    /** The tag-scope Denies an instance with `tags` meets: each names keys whose value lies outside its list. */
    const scopeDenials = (tags: Record<string, string>): string[] =>
      misses.flatMap((miss, i) =>
        Object.entries(miss).every(([key, values]) => tags[key] === undefined || !values.includes(tags[key])) ? [`DenySessionsOutsideTagScope${i + 1}`] : [],
      );
    const scopeOutcome = (tags: Record<string, string>): [Decision, string?] => {
      const denials = scopeDenials(tags);
      return denials.length === 0 ? ["ImplicitlyDenied"] : denials.length === 1 ? ["ExplicitlyDenied", denials[0]] : ["ExplicitlyDenied"];
    };
    /** For each tag-scope Deny, tags that only it denies (when some exist): its mutation test needs one decider. */
    const singleScopeMisses = ((): [string, Record<string, string>][] => {
      const keys = [...new Set(workload.accessGroups.flatMap((g) => Object.keys(g.instanceTags)))].sort();
      const choices = keys.map((k) => [...new Set(workload.accessGroups.flatMap((g) => g.instanceTags[k] ?? [])), "not-in-scope"]);
      const found = new Map<string, Record<string, string>>();
      const visit = (i: number, tags: Record<string, string>): void => {
        if (i === keys.length) {
          const denials = scopeDenials(tags);
          if (denials.length === 1 && !found.has(denials[0])) found.set(denials[0], { ...tags });
          return;
        }
        for (const value of choices[i]) visit(i + 1, { ...tags, [keys[i]]: value });
      };
      if (choices.reduce((n, c) => n * c.length, 1) <= 4096) visit(0, {});
      return [...found].sort(([a], [b]) => a.localeCompare(b));
    })();
    const approvedDocuments = workload.accessGroups.flatMap((g) =>
      sessionDocumentArns({ ...g, accessGroup: g.name, namePrefix: config.namePrefix, accountId: stack.accountId, regions: workload.regions.map((region) => ({ region, sessionKeyArn: "" })) }),
    );
    const approvedInAccount = (document: string): boolean => approvedDocuments.some((pattern) => wildcardMatch(pattern, document));
    const associationsIn = (region: string): string[] => stack.associations.filter((a) => a.region === region).map((a) => a.arn).slice(0, 1);
    const groupArn = (name: string): string => `arn:${PARTITION}:iam::${stack.accountId}:group${IAM_PATH}${accessGroupName(config.namePrefix, name)}`;

    // Just-in-time mode: the groups' own principals start no session and hold no session right; the session runs
    // with the token of an approved request instead. Their rows of the standing model are denied or not granted.
    const justInTime = workload.accessMode === "just-in-time";
    const memberColumns = new Set<string>([...members, ...federatedMembers].flatMap((m) => [m.column, `${m.column} + other grants`]));
    const intended = (column: Column, request: AccessRequest, expect: Decision, sid?: string): [Decision, string?] => {
      if (!justInTime || !memberColumns.has(column) || JIT_REQUEST_ACTIONS.includes(request.action)) return [expect, sid];
      // A row another Deny decides now has two deciders, neither the only one.
      if (request.action === "ssm:StartSession" && sid !== "DenyStandingSessions") {
        return expect === "ExplicitlyDenied" ? ["ExplicitlyDenied"] : ["ExplicitlyDenied", "DenyStandingSessions"];
      }
      return expect === "Allowed" ? ["ImplicitlyDenied"] : [expect, sid];
    };
    for (const region of workload.regions) {
      const add = (row: string, column: Column, persona: Persona, request: AccessRequest, expect: Decision, sid?: string): void => {
        const [decision, decider] = intended(column, request, expect, sid);
        checks.push({ stack: stack.name, region, row, column, persona, request, expect: decision, sid: decider });
      };
      const instance = instanceSession(stack, role, region);
      const transcript = (account: string): string => `${bucket.arn}/${sessionLogPrefix(account, region)}/alice-${SESSION_SUFFIX}.log`;
      const own = (p: Persona): string => transcript(p.accountId!);
      const put = (resource: string, options?: RequestOptions): AccessRequest => ({ action: "s3:PutObject", resource, options });
      const viaS3 = { viaService: "s3", encryptionContext: { "aws:s3:arn": bucket.arn } } as const;
      const generate = (options?: RequestOptions): AccessRequest => ({ action: "kms:GenerateDataKey", resource: logKey.arn, options });

      // Logging: what the instance needs, and the log archive's boundary.
      add("write own transcripts", "instance role", instance, put(own(instance)), "Allowed", "WriteOwnTranscripts");
      // Only this project's roles write, not whoever else an organization account holds.
      add("write own transcripts", "account admin (*)", admin, put(own(admin)), "ExplicitlyDenied", "DenyWritesByOtherPrincipals");
      add("write own transcripts", "other role (same account, *)", deployRole, put(own(deployRole)), "ExplicitlyDenied", "DenyWritesByOtherPrincipals");
      add("write own transcripts", "outsider admin (*)", outsider, put(own(outsider)), "ExplicitlyDenied", "DenyWritesByOtherPrincipals");
      // A role outside the organization named like the instance role passes the name test, not the organization's.
      add("write own transcripts", "look-alike role (outside, *)", lookAlike, put(own(lookAlike)), "ImplicitlyDenied");
      add("encrypt with the log key through S3", "look-alike role (outside, *)", lookAlike, generate(viaS3), "ImplicitlyDenied");
      add("encrypt with the log key through S3", "account admin (*)", admin, generate(viaS3), "ImplicitlyDenied");
      add("tag a transcript", "account admin (*)", admin, { action: "s3:PutObjectTagging", resource: own(admin) }, "ExplicitlyDenied", "DenyOtherAccountsReadDeleteAdminister");
      // The bucket is trusted by its owner: a bucket of the same name in another account gets nothing.
      add("write own transcripts to a squatted bucket of the same name", "instance role", instance, { ...put(own(instance)), squattedBucket: true }, "ExplicitlyDenied", "DenyLogBucketOfAnotherOwner");
      // Credentials read from the instance metadata service are of no use elsewhere.
      add("write own transcripts with instance credentials from another VPC", "instance role", instance, put(own(instance), { from: { vpcId: "vpc-0f0f0f0f0f0f0f0f0" } }), "ExplicitlyDenied", "DenyCredentialsFromAnotherVpc");
      const egress = workload.connectivity.egressPublicCidrs;
      add(
        egress.length > 0 ? "write own transcripts with instance credentials from the internet" : "write own transcripts with instance credentials from the internet (no egressPublicCidrs: open)",
        "instance role",
        instance,
        put(own(instance), { from: { publicIp: "198.51.100.7" } }),
        ...((egress.length > 0 ? ["ExplicitlyDenied", "DenyCredentialsOutsideVpcAndNat"] : ["Allowed", "WriteOwnTranscripts"]) as [Decision, string]),
      );
      if (egress.length > 0) {
        const natIp = egress[0].split("/")[0];
        add("write own transcripts through the NAT gateway", "instance role", instance, put(own(instance), { from: { publicIp: natIp } }), "Allowed", "WriteOwnTranscripts");
      }
      add("read a parameter", "instance role", instance, { action: "ssm:GetParameter", resource: `arn:${PARTITION}:ssm:${region}:${stack.accountId}:parameter/database/password` }, "ImplicitlyDenied");
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
      add("encrypt with the log key through S3", "instance role", instance, generate(viaS3), "Allowed", "UseLogKeyThroughS3");
      add("encrypt with the log key through S3", "outsider admin (*)", outsider, generate(viaS3), "ImplicitlyDenied");
      add("use the log key directly", "instance role", instance, generate(), "ImplicitlyDenied");
      add("use the log key directly", "account admin (*)", admin, generate(), "ImplicitlyDenied");
      add("write another account's transcripts", "instance role", instance, put(transcript(otherAccount)), "ExplicitlyDenied", "DenyWritesOutsideOwnPrefix");
      // Two Denies decide for principals that are not this project's roles: neither is the only one.
      add("write another account's transcripts", "account admin (*)", admin, put(transcript(otherAccount)), "ExplicitlyDenied");
      add("write another account's transcripts", "outsider admin (*)", outsider, put(transcript(stack.accountId)), "ExplicitlyDenied");
      add("write another account's transcripts", "look-alike role (outside, *)", lookAlike, put(transcript(stack.accountId)), "ExplicitlyDenied", "DenyWritesOutsideOwnPrefix");
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
      /** A just-in-time group's own calls: requests and tokens, and no standing session whatever else it holds. */
      const justInTimeRows = (column: Column, persona: Persona, tags: Record<string, string>): void => {
        if (!justInTime) return;
        add("request access to a node (just-in-time)", column, persona, { action: "ssm:StartAccessRequest", resource: instanceArn }, "Allowed", "RequestNodeAccess");
        const request = arn.opsItems(region, stack.accountId).replace("*", "oi-0123456789ab");
        add("fetch the token of an approved request", column, persona, { action: "ssm:GetAccessToken", resource: request }, "Allowed", "FetchAccessTokens");
        const broad = withPolicy(persona, "SsmFullAccess", grantAll("ssm:*", "AllowAllSsm"));
        const start = { action: "ssm:StartSession", resource: instanceArn, options: { instanceTags: tags } };
        add("start a standing session on a node it may request, holding ssm:*", `${column} + other grants` as Column, broad, start, "ExplicitlyDenied", "DenyStandingSessions");
        const command = { action: "ssm:SendCommand", resource: instanceArn, options: { instanceTags: tags } };
        add("run a command on a node it may request, holding ssm:*", `${column} + other grants` as Column, broad, command, "ExplicitlyDenied", "DenyStandingSessions");
        // Nor approve itself: the approval policies are out of reach too.
        const autoApproval = arn.document(region, stack.accountId, autoApprovalDocumentName(config.namePrefix));
        const change = { action: "ssm:UpdateDocument", resource: autoApproval, options: { documentType: "AutoApprovalPolicy" } };
        add("change the auto-approval policy, holding ssm:*", `${column} + other grants` as Column, broad, change, "ExplicitlyDenied", "DenyApprovalPolicyChanges");
        const manual = { action: "ssm:CreateDocument", resource: arn.document(region, stack.accountId, "ApproveMyself"), options: { documentType: "ManualApprovalPolicy" } };
        add("create a manual approval policy, holding ssm:*", `${column} + other grants` as Column, broad, manual, "ExplicitlyDenied", "DenyApprovalPolicyChanges");
      };
      for (const { group, persona, column } of members) {
        const start = (resource: string, options: RequestOptions = {}): AccessRequest => ({ action: "ssm:StartSession", resource, options });
        const tags = matchingTags(group);
        justInTimeRows(column, persona, tags);
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
        add("start a session on an instance with other tags", column, persona, start(instanceArn, { instanceTags: otherTags(group) }), ...scopeOutcome(otherTags(group)));
        // Tags only another group reaches: no guardrail fires, this group's policy alone says no.
        const theirs = workload.accessGroups.map(matchingTags).find((t) => !Object.entries(group.instanceTags).every(([k, v]) => v.includes(t[k])));
        if (theirs !== undefined && scopeDenials(theirs).length === 0) {
          add("start a session on an instance only another group reaches", column, persona, start(instanceArn, { instanceTags: theirs }), "ImplicitlyDenied");
        }
        add(
          "start a session without the document check",
          column,
          persona,
          start(instanceArn, { instanceTags: tags, sessionDocumentAccessCheck: false }),
          "ImplicitlyDenied",
        );
        add("start it with an unlisted document", column, persona, start(arn.awsDocument(region, "AWS-StartInteractiveCommand")), "ExplicitlyDenied", "DenyUnapprovedSessionDocuments");
        // A document another group may use is only not allowed here; one no group may use is denied outright.
        const tunnel = (allowed: boolean, document: string): [Decision, string?] =>
          allowed ? ["Allowed", "StartSessionWithApprovedDocuments"] : approvedInAccount(document) ? ["ImplicitlyDenied"] : ["ExplicitlyDenied", "DenyUnapprovedSessionDocuments"];
        // Tunnels only through this project's documents, whose ports are pinned; AWS's take any port or host.
        const own = (name: string): string => arn.document(region, stack.accountId, name);
        const sshDocument = own(sshDocumentName(config.namePrefix));
        add("start an SSH session", column, persona, start(sshDocument), ...tunnel(group.allowSsh, sshDocument));
        const awsSsh = arn.awsDocument(region, SSH_DOCUMENT);
        add(`start an SSH session with ${SSH_DOCUMENT} (any port)`, column, persona, start(awsSsh), ...tunnel(false, awsSsh));
        for (const document of PORT_FORWARDING_DOCUMENTS) {
          const awsDocument = arn.awsDocument(region, document);
          add(`start port forwarding with ${document}`, column, persona, start(awsDocument), ...tunnel(false, awsDocument));
        }
        const forwarding = own(portForwardingDocumentName(config.namePrefix, group.name));
        add("start port forwarding with its own document", column, persona, start(forwarding), ...tunnel(group.allowPortForwarding, forwarding));
        const remote = own(remoteHostDocumentName(config.namePrefix, group.name));
        add("start remote-host forwarding with its own document", column, persona, start(remote), ...tunnel(group.allowRemoteHostPortForwarding, remote));
        const other = members.find((m) => m.group.name !== group.name);
        if (other !== undefined) {
          const theirs = own(portForwardingDocumentName(config.namePrefix, other.group.name));
          add("start port forwarding with another group's document", column, persona, start(theirs), ...tunnel(false, theirs));
        }
        add("generate the session data key", column, persona, { action: "kms:GenerateDataKey", resource: sessionKey.arn }, "Allowed", "GenerateSessionDataKey");
        add("decrypt session data", column, persona, { action: "kms:Decrypt", resource: sessionKey.arn }, "ImplicitlyDenied");
        const session = (owner: string): string => arn.sessions(region, stack.accountId, owner).replace("*", SESSION_SUFFIX);
        // Sessions are owned by the aws:userid AWS tags them with, not by a user name prefix.
        const end = (owner: string, sessionOwner: string, options: RequestOptions = {}): AccessRequest => ({
          action: "ssm:TerminateSession",
          resource: session(owner),
          options: { sessionOwner, ...options },
        });
        add("end own session", column, persona, end(persona.username!, persona.userid!), "Allowed", "ManageOwnSessions");
        add(
          "end own session without MFA",
          column,
          persona,
          end(persona.username!, persona.userid!, { mfa: false }),
          ...((group.mfaRequired ? ["ExplicitlyDenied", "DenySessionsWithoutMfa"] : ["Allowed", "ManageOwnSessions"]) as [Decision, string]),
        );
        add("end another user's session", column, persona, end("someone-else", OTHER_USERID), "ExplicitlyDenied", "DenyOtherPeoplesSessions");
        // alice.example against alice.example-admin: the name prefix matches, the owner does not.
        add("end the session of a user whose name extends theirs", column, persona, end(`${persona.username}-admin`, OTHER_USERID), "ExplicitlyDenied", "DenyOtherPeoplesSessions");
        const broad = withPolicy(persona, "SsmFullAccess", grantAll("ssm:*", "AllowAllSsm"));
        const holding = (grant: string): Persona => withPolicy(persona, `${grant} grant`, grantAll(grant, "AnotherPolicyGrants"), `${persona.label} + ${grant}`);
        // One column for every broad grant: the row names the grant, and the matrix stays readable.
        const col = (_grant: string): Column => `${column} + other grants` as Column;
        const ssmAll = col("ssm:*");
        // Whatever else they hold: the guardrails restate each limit as a Deny. Their resources span every region
        // and they are one policy per account, so the account's home region proves them for each group.
        if (region === stack.homeRegion) {
          add("start a session on an untagged instance, holding ssm:*", ssmAll, broad, start(instanceArn, { instanceTags: {} }), ...scopeOutcome({}));
          for (const [sid, tags] of singleScopeMisses) {
            add(`start a session on an instance tagged ${describeTags(tags)}, holding ssm:*`, ssmAll, broad, start(instanceArn, { instanceTags: tags }), "ExplicitlyDenied", sid);
          }
          add("start it with an unlisted document, holding ssm:*", ssmAll, broad, start(arn.awsDocument(region, "AWS-StartInteractiveCommand")), "ExplicitlyDenied", "DenyUnapprovedSessionDocuments");
          add("start a session on a hybrid node, holding ssm:*", ssmAll, broad, start(`arn:${PARTITION}:ssm:${region}:${stack.accountId}:managed-instance/mi-0123456789abcdef0`), "ExplicitlyDenied", "DenySessionsOnManagedInstances");
          add("create a Session document, holding ssm:*", ssmAll, broad, { action: "ssm:CreateDocument", resource: arn.document(region, stack.accountId, "NoLoggingShell"), options: { documentType: "Session" } }, "ExplicitlyDenied", "DenySessionDocumentCreation");
          add("end another user's session, holding ssm:*", ssmAll, broad, end("someone-else", OTHER_USERID), "ExplicitlyDenied", "DenyOtherPeoplesSessions");
          if (group.mfaRequired) {
            add("run a shell script without MFA, holding ssm:*", ssmAll, broad, { action: "ssm:SendCommand", resource: arn.awsDocument(region, "AWS-RunShellScript"), options: { mfa: false } }, "ExplicitlyDenied", "DenySessionsWithoutMfa");
          }
          for (const association of associationsIn(region)) {
            add("delete a fleet hygiene association, holding ssm:*", ssmAll, broad, { action: "ssm:DeleteAssociation", resource: association }, "ExplicitlyDenied", "DenyFleetAssociationChanges");
          }
          const elsewhere = AWS_REGIONS.find((r) => !workload.regions.includes(r))!;
          const remote = arn.instances(elsewhere, stack.accountId).replace("*", INSTANCE_ID);
          add(`start a session in ${elsewhere}, outside the account's regions, holding ssm:*`, ssmAll, broad, start(remote, { instanceTags: tags }), "ExplicitlyDenied", "DenySessionsOutsideRegions");
          const iamAll = holding("iam:*");
          // Two Denies stop a user of this project tagging themselves; a role elsewhere has only the Run As one.
          add("tag themselves SSMSessionRunAs, holding iam:*", col("iam:*"), iamAll, { action: "iam:TagUser", resource: persona.principal, options: { tagKeys: [RUN_AS_TAG] } }, "ExplicitlyDenied");
          add("tag a role SSMSessionRunAs, holding iam:*", col("iam:*"), iamAll, { action: "iam:TagRole", resource: deployRole.roleArn!, options: { tagKeys: [RUN_AS_TAG] } }, "ExplicitlyDenied", "DenyRunAsTagChanges");
          add("detach the guardrails from their group, holding iam:*", col("iam:*"), iamAll, { action: "iam:DetachGroupPolicy", resource: groupArn(group.name) }, "ExplicitlyDenied", "DenySessionIamChanges");
          // Another IAM group: an Identity Center access group has none to join.
          const another = workload.accessGroups.find((g) => g.name !== group.name && !isIdentityCenterGroup(g));
          if (another !== undefined) {
            add(`join ${another.name}, holding iam:*`, col("iam:*"), iamAll, { action: "iam:AddUserToGroup", resource: groupArn(another.name) }, "ExplicitlyDenied", "DenySessionIamChanges");
          }
          add("assume a role with an SSMSessionRunAs session tag, holding sts:*", col("sts:*"), holding("sts:*"), { action: "sts:TagSession", resource: deployRole.roleArn!, options: { tagKeys: [RUN_AS_TAG] } }, "ExplicitlyDenied", "DenyRunAsTagChanges");
          const [scopeKey] = Object.keys(group.instanceTags).sort();
          const ec2All = holding("ec2:*");
          add(`tag an instance ${scopeKey}, holding ec2:*`, col("ec2:*"), ec2All, { action: "ec2:CreateTags", resource: instanceArn, options: { tagKeys: [scopeKey] } }, "ExplicitlyDenied", "DenyScopeTagChanges");
          add(`tag an instance ${scopeKey.toLowerCase()} (other case), holding ec2:*`, col("ec2:*"), ec2All, { action: "ec2:CreateTags", resource: instanceArn, options: { tagKeys: [scopeKey.toLowerCase()] } }, "ExplicitlyDenied", "DenyScopeTagChanges");
          add(`untag an instance's ${scopeKey}, holding ec2:*`, col("ec2:*"), ec2All, { action: "ec2:DeleteTags", resource: instanceArn, options: { tagKeys: [scopeKey] } }, "ExplicitlyDenied", "DenyScopeTagChanges");
          const transcriptGroup = arn.logGroup(region, stack.accountId, sessionLogGroupName(config.namePrefix));
          add("delete the transcript log group, holding logs:*", col("logs:*"), holding("logs:*"), { action: "logs:DeleteLogGroup", resource: transcriptGroup }, "ExplicitlyDenied", "DenySessionLogChanges");
          add("delete a forbidden-command filter, holding logs:*", col("logs:*"), holding("logs:*"), { action: "logs:DeleteMetricFilter", resource: transcriptGroup }, "ExplicitlyDenied", "DenySessionLogChanges");
          add(
            "schedule deletion of the session key, holding kms:*",
            col("kms:*"),
            holding("kms:*"),
            { action: "kms:ScheduleKeyDeletion", resource: sessionKey.arn, options: { resourceAliases: [sessionKeyAlias(config.namePrefix)] } },
            "ExplicitlyDenied",
            "DenySessionKeyChanges",
          );
          const topic = arn.topic(region, stack.accountId, alertTopicName(config.namePrefix));
          add("delete the alert topic, holding sns:*", col("sns:*"), holding("sns:*"), { action: "sns:DeleteTopic", resource: topic }, "ExplicitlyDenied", "DenyAlertChanges");
          add("remove the activity rule's targets, holding events:*", col("events:*"), holding("events:*"), { action: "events:RemoveTargets", resource: arn.eventRule(region, stack.accountId, sessionEventsRuleName(config.namePrefix)) }, "ExplicitlyDenied", "DenyAlertChanges");
          add("stop the watchdog (concurrency 0), holding lambda:*", col("lambda:*"), holding("lambda:*"), { action: "lambda:PutFunctionConcurrency", resource: `arn:${PARTITION}:lambda:${region}:${stack.accountId}:function:${watchdogFunctionName(config.namePrefix)}` }, "ExplicitlyDenied", "DenyAlertChanges");
          add("silence an alert subscription (filter policy), holding sns:*", col("sns:*"), holding("sns:*"), { action: "sns:SetSubscriptionAttributes", resource: topic }, "ExplicitlyDenied", "DenyAlertChanges");
          add("add a transformer to the transcript log group, holding logs:*", col("logs:*"), holding("logs:*"), { action: "logs:PutTransformer", resource: transcriptGroup }, "ExplicitlyDenied", "DenySessionLogChanges");
          add("register a command as a maintenance window task, holding ssm:*", ssmAll, broad, { action: "ssm:RegisterTaskWithMaintenanceWindow", resource: `arn:${PARTITION}:ssm:${region}:${stack.accountId}:maintenancewindow/mw-0123456789abcdef0` }, "ExplicitlyDenied", "DenyMaintenanceWindowTasks");
          for (const [sid, tags] of singleScopeMisses.slice(0, 1)) {
            add(`run a command with MFA on an instance tagged ${describeTags(tags)}, holding ssm:*`, ssmAll, broad, { action: "ssm:SendCommand", resource: instanceArn, options: { instanceTags: tags } }, "ExplicitlyDenied", sid);
          }
          add("delete every tag of an instance, holding ec2:*", col("ec2:*"), ec2All, { action: "ec2:DeleteTags", resource: instanceArn }, "ExplicitlyDenied", "DenyDeletingAllTags");
          add("create a role tagged SSMSessionRunAs, holding iam:*", col("iam:*"), holding("iam:*"), { action: "iam:CreateRole", resource: `arn:${PARTITION}:iam::${stack.accountId}:role/run-as-root`, options: { tagKeys: [RUN_AS_TAG] } }, "ExplicitlyDenied", "DenyRunAsTagChanges");
          const otherUser = workload.users.find((u) => !u.groups.includes(group.name));
          if (otherUser !== undefined) {
            add(`create an access key for ${otherUser.name} of another group, holding iam:*`, col("iam:*"), holding("iam:*"), { action: "iam:CreateAccessKey", resource: `arn:${PARTITION}:iam::${stack.accountId}:user${IAM_PATH}${otherUser.name}` }, "ExplicitlyDenied", "DenySessionIamChanges");
          }
        }
        for (const action of ["ssm:CreateDocument", "ssm:UpdateDocument", "ssm:DeleteDocument"]) {
          const verb = action.slice(4, -8).toLowerCase();
          add(`${verb} the preferences document, holding ssm:*`, column, broad, { action, resource: preferences }, "ExplicitlyDenied", "DenyPreferencesDocumentChanges");
        }
        // The tunnel documents' parameters are the only limit on ports and hosts: nobody who starts sessions may
        // change them, or create one first under the name of a group's document.
        add("update the SSH document, holding ssm:*", column, broad, { action: "ssm:UpdateDocument", resource: own(sshDocumentName(config.namePrefix)) }, "ExplicitlyDenied", "DenyPreferencesDocumentChanges");
        add(
          "create a port-forwarding document for its group, holding ssm:*",
          column,
          broad,
          { action: "ssm:CreateDocument", resource: own(remoteHostDocumentName(config.namePrefix, group.name)) },
          "ExplicitlyDenied",
          "DenyPreferencesDocumentChanges",
        );
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
          const name = bastionName(config.namePrefix);
          const bastionInstance = stack.instances.find((i) => i.name === name && i.region === region);
          if (bastionInstance === undefined) throw new ModelError(`${stack.name}: no bastion instance ${name} in ${region}`);
          const push = (osUser: string, resource: string, options: RequestOptions = {}): AccessRequest => ({
            action: "ec2-instance-connect:SendSSHPublicKey",
            resource,
            options: { resourceTags: { Name: name }, osUser, ...options },
          });
          const jump = push(BASTION_JUMP_USER, bastionInstance.arn);
          add("push a key to the bastion's jump user", column, persona, jump, ...((group.allowSsh ? ["Allowed", "SendKeyToBastionJumpUser"] : ["ImplicitlyDenied"]) as [Decision, string?]));
          add("push a key to the bastion as ec2-user", column, persona, push("ec2-user", bastionInstance.arn), "ImplicitlyDenied");
          if (group.mfaRequired) {
            add("push a key to the bastion's jump user without MFA", column, persona, push(BASTION_JUMP_USER, bastionInstance.arn, { mfa: false }), "ExplicitlyDenied", "DenySessionsWithoutMfa");
          }
          // The Name tag proves nothing: anyone who may tag an instance can copy it.
          add("push a key to another instance tagged like the bastion", column, persona, push(BASTION_JUMP_USER, instanceArn), "ImplicitlyDenied");
        }
      }

      for (const { group, persona, lookAlike, untagged, attributes, column } of federatedMembers) {
        const start = (resource: string, options: RequestOptions = {}): AccessRequest => ({ action: "ssm:StartSession", resource, options });
        // The group's tags and, with an attribute scope, the person's own attribute values.
        const tags = { ...matchingTags(group), ...attributes };
        justInTimeRows(column, persona, tags);
        // Identity Center sessions never carry aws:MultiFactorAuthPresent: these rows prove nothing denies on it.
        add("start a session on a tagged instance (Identity Center: no MFA key)", column, persona, start(instanceArn, { instanceTags: tags }), "Allowed", "StartSessionOnTaggedInstances");
        add("start it with the audited document", column, persona, start(preferences), "Allowed", "StartSessionWithApprovedDocuments");
        add("start a session on an instance with other tags", column, persona, start(instanceArn, { instanceTags: { ...otherTags(group), ...attributes } }), ...scopeOutcome(otherTags(group)));
        add("start a session without the document check", column, persona, start(instanceArn, { instanceTags: tags, sessionDocumentAccessCheck: false }), "ImplicitlyDenied");
        Object.keys(attributes).forEach((key, i) => {
          // The attribute scope: another person's value, or no session tag at all.
          add(`start a session on an instance whose ${key} is someone else's`, column, persona, start(instanceArn, { instanceTags: { ...tags, [key]: "someone-else" } }), "ExplicitlyDenied", `DenySessionsOutsideAttributeScope${i + 1}`);
          add(`start a session without a ${key} session tag`, column, untagged, start(instanceArn, { instanceTags: tags }), "ExplicitlyDenied", `DenySessionsWithoutAttribute${i + 1}`);
          add(`assume a role with a ${key} session tag, holding sts:*`, `${column} + other grants` as Column, withPolicy(persona, "sts:* grant", grantAll("sts:*", "AnotherPolicyGrants"), `${persona.label} + sts:*`), { action: "sts:TagSession", resource: deployRole.roleArn!, options: { tagKeys: [key] } }, "ExplicitlyDenied", "DenyRunAsTagChanges");
        });
        add("start it with an unlisted document", column, persona, start(arn.awsDocument(region, "AWS-StartInteractiveCommand")), "ExplicitlyDenied", "DenyUnapprovedSessionDocuments");
        add("generate the session data key", column, persona, { action: "kms:GenerateDataKey", resource: sessionKey.arn }, "Allowed", "GenerateSessionDataKey");
        const session = (owner: string): string => arn.sessions(region, stack.accountId, owner).replace("*", SESSION_SUFFIX);
        const onSession = (action: string, owner: string, sessionOwner: string): AccessRequest => ({ action, resource: session(owner), options: { sessionOwner } });
        add("end own session", column, persona, onSession("ssm:TerminateSession", FEDERATED_USER, persona.userid!), "Allowed", "ManageOwnSessions");
        add("resume own session", column, persona, onSession("ssm:ResumeSession", FEDERATED_USER, persona.userid!), "Allowed", "ManageOwnSessions");
        // Same permission set, so the same role: only the session name, the person's user name, differs.
        for (const [verb, action] of [["end", "ssm:TerminateSession"], ["resume", "ssm:ResumeSession"]] as const) {
          add(`${verb} the session of ${lookAlike.principal.split("/").pop()}, same permission set`, column, persona, onSession(action, `${FEDERATED_USER}-admin`, lookAlike.userid!), "ExplicitlyDenied", "DenyOtherPeoplesSessions");
        }
        add("end an IAM user's session", column, persona, onSession("ssm:TerminateSession", "someone-else", OTHER_USERID), "ExplicitlyDenied", "DenyOtherPeoplesSessions");
        const broad = withPolicy(persona, "SsmFullAccess", grantAll("ssm:*", "AllowAllSsm"));
        const holding = (grant: string): Persona => withPolicy(persona, `${grant} grant`, grantAll(grant, "AnotherPolicyGrants"), `${persona.label} + ${grant}`);
        const other = `${column} + other grants` as Column;
        const ownRole = persona.roleArn!;
        // Run As comes from the Identity Center session tag only: no re-tagging of the role, no new session tags.
        // IAM refuses every change to a role Identity Center made, to anyone but Identity Center (a protected role).
        add("tag their own role SSMSessionRunAs (Identity Center's protected role), holding iam:*", other, holding("iam:*"), { action: "iam:TagRole", resource: ownRole, options: { tagKeys: [RUN_AS_TAG] } }, "ImplicitlyDenied");
        add("detach the guardrails from their own role (Identity Center's protected role), holding iam:*", other, holding("iam:*"), { action: "iam:DetachRolePolicy", resource: ownRole }, "ImplicitlyDenied");
        add("tag another role SSMSessionRunAs, holding iam:*", other, holding("iam:*"), { action: "iam:TagRole", resource: deployRole.roleArn!, options: { tagKeys: [RUN_AS_TAG] } }, "ExplicitlyDenied", "DenyRunAsTagChanges");
        add("assume a role with an SSMSessionRunAs session tag, holding sts:*", other, holding("sts:*"), { action: "sts:TagSession", resource: deployRole.roleArn!, options: { tagKeys: [RUN_AS_TAG] } }, "ExplicitlyDenied", "DenyRunAsTagChanges");
        add("create a role tagged SSMSessionRunAs, holding iam:*", other, holding("iam:*"), { action: "iam:CreateRole", resource: `arn:${PARTITION}:iam::${stack.accountId}:role/run-as-root`, options: { tagKeys: [RUN_AS_TAG] } }, "ExplicitlyDenied", "DenyRunAsTagChanges");
        add("update the preferences document, holding ssm:*", other, broad, { action: "ssm:UpdateDocument", resource: preferences }, "ExplicitlyDenied", "DenyPreferencesDocumentChanges");
        if (region === stack.homeRegion) {
          add("start a session on an untagged instance, holding ssm:*", other, broad, start(instanceArn, { instanceTags: { ...attributes } }), ...scopeOutcome({}));
          add("start it with an unlisted document, holding ssm:*", other, broad, start(arn.awsDocument(region, "AWS-StartInteractiveCommand")), "ExplicitlyDenied", "DenyUnapprovedSessionDocuments");
          add("start a session on a hybrid node, holding ssm:*", other, broad, start(`arn:${PARTITION}:ssm:${region}:${stack.accountId}:managed-instance/mi-0123456789abcdef0`), "ExplicitlyDenied", "DenySessionsOnManagedInstances");
          add("create a Session document, holding ssm:*", other, broad, { action: "ssm:CreateDocument", resource: arn.document(region, stack.accountId, "NoLoggingShell"), options: { documentType: "Session" } }, "ExplicitlyDenied", "DenySessionDocumentCreation");
          add(`end the session of ${lookAlike.principal.split("/").pop()}, holding ssm:*`, other, broad, onSession("ssm:TerminateSession", `${FEDERATED_USER}-admin`, lookAlike.userid!), "ExplicitlyDenied", "DenyOtherPeoplesSessions");
          const elsewhere = AWS_REGIONS.find((r) => !workload.regions.includes(r))!;
          add(`start a session in ${elsewhere}, outside the account's regions, holding ssm:*`, other, broad, start(arn.instances(elsewhere, stack.accountId).replace("*", INSTANCE_ID), { instanceTags: tags }), "ExplicitlyDenied", "DenySessionsOutsideRegions");
          add("register a command as a maintenance window task, holding ssm:*", other, broad, { action: "ssm:RegisterTaskWithMaintenanceWindow", resource: `arn:${PARTITION}:ssm:${region}:${stack.accountId}:maintenancewindow/mw-0123456789abcdef0` }, "ExplicitlyDenied", "DenyMaintenanceWindowTasks");
          const [scopeKey] = Object.keys(group.instanceTags).sort();
          add(`tag an instance ${scopeKey}, holding ec2:*`, other, holding("ec2:*"), { action: "ec2:CreateTags", resource: instanceArn, options: { tagKeys: [scopeKey] } }, "ExplicitlyDenied", "DenyScopeTagChanges");
          add("rewrite its own access policy, holding iam:*", other, holding("iam:*"), { action: "iam:CreatePolicyVersion", resource: `arn:${PARTITION}:iam::${stack.accountId}:policy${IAM_PATH}${accessPolicyName(config.namePrefix, group.name)}` }, "ExplicitlyDenied", "DenySessionIamChanges");
          const transcriptGroup = arn.logGroup(region, stack.accountId, sessionLogGroupName(config.namePrefix));
          add("delete the transcript log group, holding logs:*", other, holding("logs:*"), { action: "logs:DeleteLogGroup", resource: transcriptGroup }, "ExplicitlyDenied", "DenySessionLogChanges");
          add(
            "schedule deletion of the session key, holding kms:*",
            other,
            holding("kms:*"),
            { action: "kms:ScheduleKeyDeletion", resource: sessionKey.arn, options: { resourceAliases: [sessionKeyAlias(config.namePrefix)] } },
            "ExplicitlyDenied",
            "DenySessionKeyChanges",
          );
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
          ...monitoringChecks(config, stack, region, workload.observability, { admin, orgAdmin, outsider, member: [...members, ...federatedMembers][0] }).map((c) => ({
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
  // SNS names the topic in the encryption context of every KMS call it makes for it: the key serves this topic only.
  const forTopic = (topic: string): RequestOptions => ({ viaService: "sns", encryptionContext: { "aws:sns:topicArn": topic } });
  const otherTopic = arn.topic(region, stack.accountId, `${alertTopicName(prefix)}-other`);
  const tamperRules = tamperRuleNames(prefix, settings, region);
  if (settings.sessionEvents) {
    const rule = arn.eventRule(region, stack.accountId, sessionEventsRuleName(prefix));
    add("publish session activity (the rule)", "AWS service", events, publish({ sourceArn: rule }), "Allowed", "SessionActivityRulePublishes");
  }
  for (const name of tamperRules) {
    add(`publish tamper alerts (rule ${name})`, "AWS service", events, publish({ sourceArn: arn.eventRule(region, stack.accountId, name) }), "Allowed", "TamperRulesPublish");
  }
  if (tamperRules.length > 0) {
    // Anyone who may create rules in the account could name one like these: only the listed ARNs may publish.
    const forged = arn.eventRule(region, stack.accountId, `${tamperRuleName(prefix, "alerts")}-forged`);
    add("publish for a look-alike tamper rule", "AWS service", events, publish({ sourceArn: forged }), "ImplicitlyDenied");
    const foreignTamper = arn.eventRule(region, OUTSIDE_ACCOUNT, tamperRules[0]);
    add("publish for another account's tamper rule", "AWS service", events, publish({ sourceArn: foreignTamper }), "ImplicitlyDenied");
  }
  if (settings.sessionEvents || tamperRules.length > 0) {
    add("encrypt an alert for this topic (EventBridge)", "AWS service", events, encrypt(forTopic(topicArn)), "Allowed", "AlertSourcesEncryptMessages");
    add("encrypt for another topic (EventBridge)", "AWS service", events, encrypt(forTopic(otherTopic)), "ImplicitlyDenied");
    add("encrypt with no topic context (EventBridge)", "AWS service", events, encrypt(), "ImplicitlyDenied");
  }
  add("publish for another account's rule", "AWS service", events, publish({ sourceArn: foreignRule }), "ImplicitlyDenied");
  const alarmNames = alertAlarmNames(prefix, settings, region);
  for (const name of alarmNames) {
    add(`publish alarm ${name}`, "AWS service", alarms, publish({ sourceArn: arn.alarm(region, stack.accountId, name) }), "Allowed", "SessionAlarmsPublish");
  }
  if (alarmNames.length > 0) {
    add("encrypt an alert for this topic (CloudWatch alarm)", "AWS service", alarms, encrypt(forTopic(topicArn)), "Allowed", "AlertSourcesEncryptMessages");
    add("encrypt for another topic (CloudWatch alarm)", "AWS service", alarms, encrypt(forTopic(otherTopic)), "ImplicitlyDenied");
  }
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

/** IAM's wildcard match: `*` any run of characters, `?` one. */
function wildcardMatch(pattern: string, text: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${regex}$`).test(text);
}

const describeTags = (tags: Record<string, string>): string =>
  Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");

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
