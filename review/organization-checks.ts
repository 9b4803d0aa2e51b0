import {
  accessGroupName,
  accessLogBucketName,
  accessLogPrefix,
  accessPolicyName,
  alarmNamePrefix,
  alertTopicName,
  arn,
  DEFAULT_HOST_MANAGEMENT_SETTING,
  IAM_PATH,
  instanceRoleName,
  LOG_ARCHIVE_STACK,
  logBucketName,
  logKeyAlias,
  ORGANIZATION_STACK,
  PREFERENCES_DOCUMENT,
  removeSsmUserSudoDocumentName,
  RUN_AS_TAG,
  scpExemptPrincipals,
  sessionEventsRuleName,
  sessionKeyAlias,
  sessionLogGroupName,
  sessionLogPrefix,
  watchdogFunctionName,
  workloadStackName,
} from "../config/naming";
import { PARTITION } from "../config/regions";
import type { Config, WorkloadConfig } from "../config/types";
import { S3_LOG_DELIVERY_SERVICE } from "../modules/policies/log-archive";
import type { AccessCheck, Column } from "./checks";
import { accountAdmin, foreignRole, instanceSession, OUTSIDE_ACCOUNT, servicePrincipal, type Persona, type RequestOptions } from "./personas";
import type { ResolvedStack } from "./resolve";
import type { AccessModel, AccessRequest, Decision } from "./simulate";

/**
 * What the organization's SCPs and RCPs add, evaluated with them: an administrator of a member account (`*` on `*`)
 * attempting each change to the session setup is explicitly denied by an SCP, while an exempt deploy role still
 * may; outsiders and services acting for resources outside the organization are stopped at the log bucket and keys
 * by the RCPs. Without the organization stack, the same attempts are rows marked open: nothing in the account stops
 * its own administrators.
 */

/** Where the row's suffix says the attempt succeeds because nothing above the account stops it. */
export const OPEN_WITHOUT_ORGANIZATION = "(no organization guardrails: open)";

/** One attempt on the setup of a workload account: what, on which resource, and the SCP statement that stops it. */
interface Tamper {
  readonly row: string;
  readonly action: string;
  readonly resource: string;
  readonly options?: RequestOptions;
  readonly sid: string;
}

export function organizationChecks(config: Config, model: AccessModel): AccessCheck[] {
  const guarded = config.organizationGuardrails !== undefined;
  const checks: AccessCheck[] = [];
  const add = (region: string, row: string, column: Column, persona: Persona, request: AccessRequest, expect: Decision, sid?: string): void => {
    checks.push({ stack: ORGANIZATION_STACK, region, row, column, persona, request: { ...request, organizationPolicies: true }, expect, sid });
  };
  const stackNamed = (name: string): ResolvedStack | undefined => model.stacks.find((s) => s.name === name);

  for (const workload of config.workloads) {
    const stack = stackNamed(workloadStackName(workload.name));
    if (stack === undefined) continue;
    const region = stack.homeRegion;
    const admin = accountAdmin(stack.accountId, "account admin (*)");
    const deployer = exemptRole(config, stack.accountId);
    for (const t of tampers(config, workload, stack)) {
      const row = `${t.row} in ${workload.name}`;
      const request = { action: t.action, resource: t.resource, options: t.options };
      if (guarded) {
        add(region, row, "account admin (*)", admin, request, "ExplicitlyDenied", t.sid);
        if (deployer !== undefined) add(region, row, "exempt deploy role (*)", deployer, request, "Allowed");
      } else {
        add(region, `${row} ${OPEN_WITHOUT_ORGANIZATION}`, "account admin (*)", admin, request, "Allowed");
      }
    }
  }

  // The log archive: its own administrators under the SCP, outsiders and foreign services under the RCP.
  const log = stackNamed(LOG_ARCHIVE_STACK);
  if (log === undefined) return checks;
  const region = log.homeRegion;
  const prefix = config.namePrefix;
  const bucket = arn.bucket(logBucketName(prefix, log.accountId));
  const transcript = `${bucket}/${sessionLogPrefix(config.workloads[0].accountId, config.workloads[0].regions[0])}/alice-0a1b2c3d4e5f67890.log`;
  const logKey = log.keys.find((k) => k.aliases.includes(logKeyAlias(prefix)));
  const logAdmin = accountAdmin(log.accountId, "log-archive admin (*)");
  for (const [row, action, resource] of [
    ["replace the transcript bucket policy", "s3:PutBucketPolicy", bucket],
    ["delete a transcript version", "s3:DeleteObjectVersion", transcript],
    ["bypass governance retention on a transcript", "s3:BypassGovernanceRetention", transcript],
  ] as const) {
    if (guarded) add(region, row, "log-archive admin (*)", logAdmin, { action, resource }, "ExplicitlyDenied", "ScpProtectLogArchive");
    else add(region, `${row} ${OPEN_WITHOUT_ORGANIZATION}`, "log-archive admin (*)", logAdmin, { action, resource }, "Allowed");
  }
  if (!guarded || logKey === undefined) return checks;

  const outsider = accountAdmin(OUTSIDE_ACCOUNT, "outsider admin (*)");
  // The key policy alone already gives outsiders nothing; the RCP makes that hold whatever the key policy becomes.
  add(region, "decrypt with the log key", "outsider admin (*)", outsider, { action: "kms:Decrypt", resource: logKey.arn }, "ExplicitlyDenied", "RcpLogKeysOrgIdentitiesOnly");
  // The bucket policy denies these too: two statements decide, so none is named.
  add(region, "read a transcript", "outsider admin (*)", outsider, { action: "s3:GetObject", resource: transcript }, "ExplicitlyDenied");
  add(region, "write a transcript", "outsider admin (*)", outsider, { action: "s3:PutObject", resource: transcript }, "ExplicitlyDenied");

  // Services acting for a resource outside the organization (confused deputy).
  const accessLog = `${arn.bucket(accessLogBucketName(prefix, log.accountId))}/${accessLogPrefix(logBucketName(prefix, log.accountId))}2025-01-01-00-00-00-0123456789ABCDEF`;
  const delivery = servicePrincipal(S3_LOG_DELIVERY_SERVICE);
  const foreignBucket = arn.bucket("another-organizations-bucket");
  const fromForeign: RequestOptions = { sourceArn: foreignBucket, sourceAccount: OUTSIDE_ACCOUNT };
  add(region, "deliver access logs for a bucket outside the organization", "AWS service", delivery, { action: "s3:PutObject", resource: accessLog, options: fromForeign }, "ExplicitlyDenied", "RcpLogServicesForOrgOnly");
  const trail = `arn:${PARTITION}:cloudtrail:${region}:${OUTSIDE_ACCOUNT}:trail/another-organizations-trail`;
  add(region, "encrypt with a log-archive key for a trail outside the organization", "AWS service", servicePrincipal("cloudtrail.amazonaws.com"), { action: "kms:GenerateDataKey", resource: logKey.arn, options: { sourceArn: trail } }, "ExplicitlyDenied", "RcpLogServicesForOrgOnly");
  // What must keep working under the RCPs and SCPs.
  add(region, "deliver the transcript bucket's access logs", "AWS service", delivery, { action: "s3:PutObject", resource: accessLog, options: { sourceArn: bucket, sourceAccount: log.accountId } }, "Allowed", "S3ServerAccessLogDelivery");
  const first = config.workloads[0];
  const firstStack = stackNamed(workloadStackName(first.name));
  const role = firstStack?.roles.find((r) => r.name === instanceRoleName(prefix));
  if (firstStack !== undefined && role !== undefined) {
    const instance = instanceSession(firstStack, role, first.regions[0]);
    add(region, `write own transcripts (${first.name})`, "instance role", instance, { action: "s3:PutObject", resource: transcript }, "Allowed", "WriteOwnTranscripts");
    add(region, `write with a customer-provided key (SSE-C) (${first.name})`, "instance role", instance, { action: "s3:PutObject", resource: transcript, options: { s3Headers: { "x-amz-server-side-encryption-customer-algorithm": "AES256" } } }, "ExplicitlyDenied");
  }
  return checks;
}

/** The attempts on one workload account's setup that the SCPs stop, each on a resource the stack creates. */
function tampers(config: Config, workload: WorkloadConfig, stack: ResolvedStack): Tamper[] {
  const prefix = config.namePrefix;
  const account = stack.accountId;
  const region = stack.homeRegion;
  const out: Tamper[] = [
    { row: "update the preferences document", action: "ssm:UpdateDocument", resource: arn.document(region, account, PREFERENCES_DOCUMENT), sid: "ScpProtectSessionDocuments" },
  ];
  if (workload.connectivity.fleet.removeSsmUserSudo !== undefined) {
    out.push({ row: "update the ssm-user sudo document", action: "ssm:UpdateDocument", resource: arn.document(region, account, removeSsmUserSudoDocumentName(prefix)), sid: "ScpProtectSessionDocuments" });
  }
  const sessionKey = stack.keys.find((k) => k.region === region && k.aliases.includes(sessionKeyAlias(prefix)));
  if (sessionKey !== undefined) {
    const aliases = { resourceAliases: [sessionKeyAlias(prefix)] };
    out.push(
      { row: "schedule deletion of the session key", action: "kms:ScheduleKeyDeletion", resource: sessionKey.arn, options: aliases, sid: "ScpProtectSessionKeys" },
      { row: "replace the session key policy", action: "kms:PutKeyPolicy", resource: sessionKey.arn, options: aliases, sid: "ScpProtectSessionKeys" },
      { row: "grant the session key to someone else", action: "kms:CreateGrant", resource: sessionKey.arn, options: aliases, sid: "ScpProtectSessionKeys" },
    );
  }
  if (workload.session.cloudWatch.enabled) {
    const group = arn.logGroup(region, account, sessionLogGroupName(prefix));
    out.push(
      { row: "delete the transcript log group", action: "logs:DeleteLogGroup", resource: group, sid: "ScpProtectSessionLogs" },
      { row: "delete a forbidden-command filter", action: "logs:DeleteMetricFilter", resource: group, sid: "ScpProtectSessionLogs" },
    );
  }
  const obs = workload.observability;
  if (obs.alerts !== undefined) {
    out.push({ row: "delete the alert topic", action: "sns:DeleteTopic", resource: arn.topic(region, account, alertTopicName(prefix)), sid: "ScpProtectAlerts" });
    out.push({ row: "delete the session alarms", action: "cloudwatch:DeleteAlarms", resource: arn.alarm(region, account, `${alarmNamePrefix(prefix)}watchdog-errors`), sid: "ScpProtectAlerts" });
  }
  if (obs.sessionEvents) {
    out.push({ row: "remove the activity rule's targets", action: "events:RemoveTargets", resource: arn.eventRule(region, account, sessionEventsRuleName(prefix)), sid: "ScpProtectAlerts" });
  }
  if (obs.watchdog !== undefined) {
    out.push({ row: "retarget the watchdog", action: "lambda:UpdateFunctionConfiguration", resource: `arn:${PARTITION}:lambda:${region}:${account}:function:${watchdogFunctionName(prefix)}`, sid: "ScpProtectAlerts" });
  }
  const iam = (kind: string, name: string): string => `arn:${PARTITION}:iam::${account}:${kind}${IAM_PATH}${name}`;
  const group = workload.accessGroups[0].name;
  out.push(
    { row: "detach the guardrails from an access group", action: "iam:DetachGroupPolicy", resource: iam("group", accessGroupName(prefix, group)), sid: "ScpProtectSessionIam" },
    { row: "write a new version of an access policy", action: "iam:CreatePolicyVersion", resource: iam("policy", accessPolicyName(prefix, group)), sid: "ScpProtectSessionIam" },
    { row: "change the instance role's trust", action: "iam:UpdateAssumeRolePolicy", resource: iam("role", instanceRoleName(prefix)), sid: "ScpProtectSessionIam" },
    { row: "tag a user SSMSessionRunAs", action: "iam:TagUser", resource: `arn:${PARTITION}:iam::${account}:user/someone`, options: { tagKeys: [RUN_AS_TAG] }, sid: "ScpProtectRunAsTag" },
    { row: "pass SSMSessionRunAs as a session tag", action: "sts:TagSession", resource: `arn:${PARTITION}:iam::${account}:role/any-role`, options: { tagKeys: [RUN_AS_TAG] }, sid: "ScpProtectRunAsTag" },
    { row: "create a role tagged SSMSessionRunAs", action: "iam:CreateRole", resource: `arn:${PARTITION}:iam::${account}:role/run-as-root`, options: { tagKeys: [RUN_AS_TAG] }, sid: "ScpProtectRunAsTag" },
  );
  // Whoever could rewrite an exempt role's trust, or create it where it does not exist, would be exempt too.
  const exempt = exemptRole(config, account);
  if (exempt?.roleArn !== undefined) {
    out.push({ row: "rewrite the exempt role's trust", action: "iam:UpdateAssumeRolePolicy", resource: exempt.roleArn, sid: "ScpProtectExemptRoles" });
  }
  if (workload.connectivity.fleet.defaultHostManagement) {
    out.push({ row: "point Default Host Management at another role", action: "ssm:UpdateServiceSetting", resource: arn.serviceSetting(region, account, DEFAULT_HOST_MANAGEMENT_SETTING), sid: "ScpProtectDefaultHostManagement" });
  }
  return out;
}

/**
 * A session of the first exempt role pattern, made concrete in `account` (wildcards become the account id, or
 * `x`): the principal that must still be able to change the setup. Undefined when no role pattern is exempt.
 */
function exemptRole(config: Config, account: string): Persona | undefined {
  const pattern = config.organizationGuardrails === undefined ? undefined : scpExemptPrincipals(config).find((p) => /:role\//.test(p));
  if (pattern === undefined) return undefined;
  const [head, path] = pattern.split(":role");
  const concreteAccount = head.split(":")[4] === "*" ? account : head.split(":")[4];
  const concretePath = path.replace(/[*?]/g, "x");
  const name = concretePath.slice(concretePath.lastIndexOf("/") + 1);
  return foreignRole(concreteAccount, concretePath.slice(0, concretePath.lastIndexOf("/") + 1), name, "exempt deploy role (*)");
}
