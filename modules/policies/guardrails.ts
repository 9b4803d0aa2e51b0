import {
  alarmNamePrefix,
  alertKeyAlias,
  alertTopicName,
  arn,
  DEFAULT_HOST_ROLE_PATH,
  defaultHostRoleName,
  forbiddenCommandNamespace,
  IAM_PATH,
  IAM_VAR,
  lambdaLogGroupName,
  RUN_AS_TAG,
  SESSION_OWNER_TAG,
  sessionKeyAlias,
  sessionLogGroupName,
  watchdogFunctionName,
} from "../../config/naming";
import { PARTITION } from "../../config/regions";
import { policy, type PolicyDocument, type Statement } from "./iam";

/**
 * The explicit denies every access group of a workload account carries, whatever else its members hold.
 *
 * An access policy's limits (tag scope, regions, documents) are Allow statements: they hold only while nobody grants
 * the same person more. A session user who also holds `ssm:*` from another policy would otherwise start sessions
 * on any instance. These Deny statements state each limit once, over the union of the account's access groups: a
 * person may be in several groups, and a Deny written per group would cut them down to what every group allows.
 */

/** What one access group may reach: every tag key must match one of its values. */
export interface GroupScope {
  readonly instanceTags: Readonly<Record<string, readonly string[]>>;
  /** ARNs of the Session documents the group may start sessions with. */
  readonly documentArns: readonly string[];
}

export interface GuardrailProps {
  /** The config's namePrefix: every name the audit setup uses derives from it. */
  readonly namePrefix: string;
  readonly accountId: string;
  /** The workload's regions: no session starts anywhere else. */
  readonly regions: readonly string[];
  readonly groups: readonly GroupScope[];
  /** Tag keys nobody in these groups may add to or remove from an instance (scope keys, the sudo-removal key). */
  readonly protectedTagKeys: readonly string[];
  /** ARNs of this project's State Manager associations in the account. */
  readonly associationArns: readonly string[];
  /** Principal tag keys that scope access besides SSMSessionRunAs (Identity Center's attribute scope). @default none */
  readonly scopeSessionTagKeys?: readonly string[];
}

/** One Deny that fires when an instance's tags miss every group: each key's value lies outside the listed set. */
export type TagMiss = Readonly<Record<string, readonly string[]>>;

/**
 * The instances no group reaches, as a list of Deny conditions. An instance is outside every group when, for each
 * group, some key of that group has a value the group does not list (or no value). Multiplied out, that is one
 * condition per choice of a key in each group; two choices of the same key merge into the union of the values,
 * and a condition that implies another (it names every key of the other, each with at least its values) is
 * dropped, since the broader one already denies. The example's two groups need two statements, not four.
 */
export function tagMisses(groups: readonly GroupScope[]): TagMiss[] {
  let misses: Map<string, Set<string>>[] = [new Map()];
  for (const group of groups) {
    const next: Map<string, Set<string>>[] = [];
    for (const miss of misses) {
      for (const key of Object.keys(group.instanceTags).sort()) {
        const merged = new Map([...miss].map(([k, v]) => [k, new Set(v)]));
        const values = merged.get(key) ?? new Set<string>();
        for (const v of group.instanceTags[key]) values.add(v);
        merged.set(key, values);
        next.push(merged);
      }
    }
    misses = dropImplied(next);
  }
  return misses
    .map((m) => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort()])))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** `narrow` denies only where `broad` denies too: `broad`'s keys all appear in `narrow`, each with at least its values. */
const implies = (narrow: Map<string, Set<string>>, broad: Map<string, Set<string>>): boolean =>
  [...broad].every(([key, values]) => {
    const other = narrow.get(key);
    return other !== undefined && [...values].every((v) => other.has(v));
  });

function dropImplied(misses: Map<string, Set<string>>[]): Map<string, Set<string>>[] {
  const kept: Map<string, Set<string>>[] = [];
  misses.forEach((m, i) => {
    const redundant = misses.some((other, j) => j !== i && implies(m, other) && (!implies(other, m) || j < i));
    if (!redundant) kept.push(m);
  });
  return kept;
}

/** The session guardrails of one workload account: where, on what and with which document sessions start. */
export function guardrailPolicy(p: GuardrailProps): PolicyDocument {
  const account = p.accountId;
  const instances = arn.instances("*", account);
  const misses = tagMisses(p.groups);
  const documents = [...new Set(p.groups.flatMap((g) => g.documentArns))].sort();
  const statements: Statement[] = [
    {
      Sid: "DenySessionsOutsideRegions",
      Effect: "Deny",
      Action: ["ssm:StartSession", "ssm:ResumeSession"],
      Resource: "*",
      Condition: { StringNotEquals: { "aws:RequestedRegion": [...p.regions].sort() } },
    },
    // StringNotEquals is true when the instance has no such tag, so untagged instances are denied too. Commands
    // reach an instance as surely as a session, and leave no transcript: the same scope.
    ...misses.map(
      (miss, i): Statement => ({
        Sid: `DenySessionsOutsideTagScope${i + 1}`,
        Effect: "Deny",
        Action: ["ssm:StartSession", "ssm:SendCommand"],
        Resource: instances,
        Condition: { StringNotEquals: Object.fromEntries(Object.entries(miss).map(([k, v]) => [`ssm:resourceTag/${k}`, [...v]])) },
      }),
    ),
    {
      // No group reaches hybrid nodes: their tags are set through Systems Manager, not EC2.
      Sid: "DenySessionsOnManagedInstances",
      Effect: "Deny",
      Action: "ssm:StartSession",
      Resource: arn.managedInstances("*", account),
    },
    {
      // A session with any other document escapes the audited settings (a Session document that logs nothing, an
      // AWS-owned tunnel). StartSession is authorized on the target and on the document; only documents are left.
      Sid: "DenyUnapprovedSessionDocuments",
      Effect: "Deny",
      Action: "ssm:StartSession",
      NotResource: [instances, arn.managedInstances("*", account), ...documents],
    },
    {
      // A maintenance window task runs a command as Systems Manager's service-linked role: no ssm:SendCommand, no
      // iam:PassRole and no MFA are asked of whoever registers it. Change requests run automations the same way.
      Sid: "DenyMaintenanceWindowTasks",
      Effect: "Deny",
      Action: [
        "ssm:CreateMaintenanceWindow",
        "ssm:UpdateMaintenanceWindow",
        "ssm:RegisterTaskWithMaintenanceWindow",
        "ssm:UpdateMaintenanceWindowTask",
        "ssm:RegisterTargetWithMaintenanceWindow",
        "ssm:UpdateMaintenanceWindowTarget",
        "ssm:StartChangeRequestExecution",
      ],
      Resource: "*",
    },
    {
      Sid: "DenySessionDocumentCreation",
      Effect: "Deny",
      Action: "ssm:CreateDocument",
      Resource: "*",
      Condition: { StringEquals: { "ssm:DocumentType": "Session" } },
    },
    {
      // AWS tags each session with the aws:userid of whoever started it; user names can share a prefix, ids cannot.
      Sid: "DenyOtherPeoplesSessions",
      Effect: "Deny",
      Action: ["ssm:TerminateSession", "ssm:ResumeSession"],
      Resource: arn.anySession("*", account),
      Condition: { StringNotLike: { [`ssm:resourceTag/${SESSION_OWNER_TAG}`]: IAM_VAR.userid } },
    },
  ];
  return policy(...statements);
}

/**
 * The setup guardrails of one workload account: the associations, the tags that decide scope and Run As, and the
 * audit setup itself. A second policy beside guardrailPolicy, so that each stays well within IAM's 6,144
 * characters as groups, regions and documents grow.
 */
export function setupGuardrailPolicy(p: GuardrailProps): PolicyDocument {
  const account = p.accountId;
  const statements: Statement[] = [];
  if (p.associationArns.length > 0) {
    statements.push({
      // The associations that keep the agent current and ssm-user without sudo: changing or deleting one by id
      // turns the hygiene off.
      Sid: "DenyFleetAssociationChanges",
      Effect: "Deny",
      Action: ["ssm:UpdateAssociation", "ssm:UpdateAssociationStatus", "ssm:DeleteAssociation"],
      Resource: [...p.associationArns],
    });
  }
  if (p.protectedTagKeys.length > 0) {
    statements.push({
      // DeleteTags without a tag list deletes every tag, and its request carries no aws:TagKeys for the Deny below.
      Sid: "DenyDeletingAllTags",
      Effect: "Deny",
      Action: "ec2:DeleteTags",
      Resource: "*",
      Condition: { Null: { "aws:TagKeys": "true" } },
    });
    statements.push({
      // The tags decide who reaches an instance. Tag keys of conditions match whatever the case, so these do too.
      Sid: "DenyScopeTagChanges",
      Effect: "Deny",
      Action: ["ec2:CreateTags", "ec2:DeleteTags", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource"],
      Resource: "*",
      Condition: { "ForAnyValue:StringEqualsIgnoreCase": { "aws:TagKeys": [...new Set(p.protectedTagKeys)].sort() } },
    });
  }
  statements.push(...auditSetupDenies(p.namePrefix, account));
  statements.push({
    // Run As follows the principal's SSMSessionRunAs tag: whoever sets it on themselves (or on a role, or a session
    // they assume) picks their own OS user, root included. The same for the tags of an attribute scope.
    Sid: "DenyRunAsTagChanges",
    Effect: "Deny",
    // A user or role can also be created with the tag.
    Action: ["iam:CreateUser", "iam:CreateRole", "iam:TagUser", "iam:UntagUser", "iam:TagRole", "iam:UntagRole", "sts:TagSession"],
    Resource: "*",
    Condition: { "ForAnyValue:StringEqualsIgnoreCase": { "aws:TagKeys": [RUN_AS_TAG, ...[...(p.scopeSessionTagKeys ?? [])].sort()] } },
  });
  return policy(...statements);
}

/**
 * The audit setup itself, out of reach of session users who hold broad grants elsewhere (`iam:*`, `logs:*`, …):
 * this project's IAM groups, policies and roles, the transcript and watchdog log groups, the session and alert
 * keys, the alert topic, rules, alarms and the watchdog. Named by the same functions that create them, in every
 * region. An account administrator outside these groups is stopped only by an organization policy.
 */
function auditSetupDenies(prefix: string, account: string): Statement[] {
  return [
    {
      // Negative values published into the forbidden-command metrics would keep their alarms below the threshold.
      Sid: "DenyForbiddenCommandMetricData",
      Effect: "Deny",
      Action: "cloudwatch:PutMetricData",
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": forbiddenCommandNamespace(prefix) } },
    },
    {
      // Detaching these denies, joining another access group, or rewriting a policy would undo every one of them.
      Sid: "DenySessionIamChanges",
      Effect: "Deny",
      NotAction: ["iam:Get*", "iam:List*", "iam:GenerateServiceLastAccessedDetails", "iam:SimulatePrincipalPolicy"],
      Resource: sessionIamArns(prefix, account),
    },
    {
      // Transcripts and the watchdog's log: no deleting, shortening, re-keying or unfiltering them.
      Sid: "DenySessionLogChanges",
      Effect: "Deny",
      Action: [...SESSION_LOG_CHANGES],
      Resource: sessionLogGroupArns(prefix, account),
    },
    {
      // The session and alert keys, found by alias wherever they are: disabling or deleting one stops sessions or
      // alerts, a new key policy or grant hands them to someone else.
      Sid: "DenySessionKeyChanges",
      Effect: "Deny",
      Action: [
        "kms:ScheduleKeyDeletion",
        "kms:DisableKey",
        "kms:DisableKeyRotation",
        "kms:PutKeyPolicy",
        "kms:CreateGrant",
        "kms:RetireGrant",
        "kms:RevokeGrant",
        "kms:UpdateAlias",
        "kms:DeleteAlias",
      ],
      Resource: arn.anyKey("*", account),
      Condition: { "ForAnyValue:StringEquals": { "kms:ResourceAliases": [sessionKeyAlias(prefix), alertKeyAlias(prefix)] } },
    },
    {
      // Who hears about sessions, tampering and overdue sessions: the topic, the rules, the alarms, the watchdog.
      Sid: "DenyAlertChanges",
      Effect: "Deny",
      Action: [...ALERT_CHANGES],
      Resource: alertSetupArns(prefix, account),
    },
  ];
}

/** Changes to the transcript and watchdog log groups that would delete, shorten, re-key, unfilter or rewrite them. */
export const SESSION_LOG_CHANGES = [
  "logs:DeleteLogGroup",
  "logs:DeleteLogStream",
  "logs:PutRetentionPolicy",
  "logs:DeleteRetentionPolicy",
  "logs:AssociateKmsKey",
  "logs:DisassociateKmsKey",
  "logs:PutMetricFilter",
  "logs:DeleteMetricFilter",
  "logs:PutSubscriptionFilter",
  "logs:DeleteSubscriptionFilter",
  "logs:PutDataProtectionPolicy",
  "logs:DeleteDataProtectionPolicy",
  // A transformer rewrites events before they are stored.
  "logs:PutTransformer",
  "logs:DeleteTransformer",
] as const;

/**
 * Changes that would silence alerts: the topic and its subscriptions (a filter policy that matches nothing silences
 * one as well as unsubscribing), the rules, the alarms, the watchdog.
 */
export const ALERT_CHANGES = [
  "sns:DeleteTopic",
  "sns:SetTopicAttributes",
  "sns:AddPermission",
  "sns:RemovePermission",
  "sns:Unsubscribe",
  "sns:SetSubscriptionAttributes",
  "sns:PutDataProtectionPolicy",
  "events:DeleteRule",
  "events:DisableRule",
  "events:PutRule",
  "events:PutTargets",
  "events:RemoveTargets",
  "cloudwatch:DeleteAlarms",
  "cloudwatch:DisableAlarmActions",
  "cloudwatch:PutMetricAlarm",
  "cloudwatch:SetAlarmState",
  "lambda:DeleteFunction",
  "lambda:UpdateFunctionCode",
  "lambda:UpdateFunctionConfiguration",
  "lambda:PutFunctionConcurrency",
  "lambda:AddPermission",
  "lambda:RemovePermission",
] as const;

/** The transcript and watchdog log groups, and their streams, in every region of `account` (`*` for any). */
export const sessionLogGroupArns = (prefix: string, account: string): string[] =>
  [sessionLogGroupName(prefix), lambdaLogGroupName(watchdogFunctionName(prefix))].flatMap((name) => {
    const group = arn.logGroup("*", account, name);
    return [group, `${group}:*`];
  });

/**
 * The alert topic and its subscriptions (named by the topic's ARN and an id), the rules (activity, tamper, the
 * watchdog's schedule: naming.ts names them all <prefix>-session-…), the alarms and the watchdog, in every region
 * of `account` (`*` for any).
 */
export const alertSetupArns = (prefix: string, account: string): string[] => [
  arn.topic("*", account, alertTopicName(prefix)),
  `${arn.topic("*", account, alertTopicName(prefix))}:*`,
  arn.eventRule("*", account, `${prefix}-session-*`),
  arn.alarm("*", account, `${alarmNamePrefix(prefix)}*`),
  `arn:${PARTITION}:lambda:*:${account}:function:${watchdogFunctionName(prefix)}`,
];

/**
 * This project's IAM groups, policies, roles, users (another person's keys, password or MFA device would be that
 * person's access) and instance profiles, and the Default Host Management role, in `account` (`*` for any).
 */
export function sessionIamArns(prefix: string, account: string): string[] {
  const iam = (kind: string, path: string, name: string): string => `arn:${PARTITION}:iam::${account}:${kind}${path}${name}`;
  return [
    iam("group", IAM_PATH, "*"),
    iam("policy", IAM_PATH, "*"),
    iam("role", IAM_PATH, "*"),
    iam("user", IAM_PATH, "*"),
    iam("instance-profile", IAM_PATH, "*"),
    iam("role", DEFAULT_HOST_ROLE_PATH, defaultHostRoleName(prefix)),
  ];
}
