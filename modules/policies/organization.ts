import {
  forbiddenCommandNamespace,
  accessLogBucketName,
  alertKeyAlias,
  arn,
  DEFAULT_HOST_MANAGEMENT_SETTING,
  logBucketName,
  logKeyAlias,
  protectedDocumentNames,
  RUN_AS_TAG,
  sessionKeyAlias,
} from "../../config/naming";
import { ALERT_CHANGES, alertSetupArns, SESSION_LOG_CHANGES, sessionIamArns, sessionLogGroupArns } from "./guardrails";
import { policy, type PolicyDocument, type Statement } from "./iam";

/**
 * The organization's guardrails over this project, as data: SCP statements that keep every principal of the member
 * accounts (account administrators included) off the session setup, except the named deploy and break-glass roles,
 * and RCP statements that put the log bucket and the log-archive keys inside the organization's data perimeter.
 *
 * Resources are named with `*` for account and region: an SCP binds only the principals of the accounts it is
 * attached to, and every region, so no administrator can create this project's names first somewhere it does not
 * deploy yet. The documents are therefore the same size whatever the number of workloads; what grows them is the
 * list of exempt principals, which every statement repeats.
 */

/** AWS's limit for one SCP or RCP document, every character counted (white space too). */
export const CONTROL_POLICY_MAX_CHARS = 5120;
/**
 * AWS's limit of SCPs (and of RCPs) attached to one root, OU or account. FullAWSAccess (RCPFullAWSAccess) is one of
 * them at every target, so this project uses at most one fewer.
 */
export const MAX_POLICIES_PER_TARGET = 5;
export const OWN_POLICIES_PER_TARGET = MAX_POLICIES_PER_TARGET - 1;

export type ControlPolicyType = "SERVICE_CONTROL_POLICY" | "RESOURCE_CONTROL_POLICY";

export interface OrganizationPolicyProps {
  readonly namePrefix: string;
  readonly organizationId: string;
  readonly logAccountId: string;
  readonly logRegion: string;
  /** aws:PrincipalArn patterns the SCPs do not stop: deploy roles, break-glass. */
  readonly exemptPrincipals: readonly string[];
}

/** The exception every SCP Deny carries: the named principals may still change the setup. */
export const exemptCondition = (exempt: readonly string[]): Statement["Condition"] => ({
  ArnNotLike: { "aws:PrincipalArn": [...exempt] },
});

/**
 * SCP statements, each a Deny with the exemption. Sids start with `Scp` so they never collide with the account-level
 * guardrails' Sids (the access review removes statements by Sid).
 */
export function setupScpStatements(p: OrganizationPolicyProps): Statement[] {
  const prefix = p.namePrefix;
  const except = exemptCondition(p.exemptPrincipals);
  const buckets = [logBucketName(prefix, p.logAccountId), accessLogBucketName(prefix, p.logAccountId)];
  return [
    {
      // The preferences document decides logging and encryption of every shell session; the tunnel and Command
      // documents pin ports and run as root. AWS's own multi-account logging sample guards the first one the same way.
      Sid: "ScpProtectSessionDocuments",
      Effect: "Deny",
      Action: [
        "ssm:CreateDocument",
        "ssm:UpdateDocument",
        "ssm:DeleteDocument",
        "ssm:UpdateDocumentDefaultVersion",
        "ssm:UpdateDocumentMetadata",
        "ssm:ModifyDocumentPermission",
      ],
      Resource: protectedDocumentNames(prefix).map((name) => arn.document("*", "*", name)),
      Condition: except,
    },
    {
      // Found by alias, wherever they are: a disabled or deleted key ends sessions, alerts or transcripts; a new key
      // policy or a grant hands it to someone else.
      Sid: "ScpProtectSessionKeys",
      Effect: "Deny",
      Action: [
        "kms:ScheduleKeyDeletion",
        "kms:DisableKey",
        "kms:DisableKeyRotation",
        "kms:PutKeyPolicy",
        "kms:CreateGrant",
        "kms:UpdateAlias",
        "kms:DeleteAlias",
      ],
      Resource: arn.anyKey("*", "*"),
      Condition: {
        ...except,
        "ForAnyValue:StringEquals": { "kms:ResourceAliases": [sessionKeyAlias(prefix), alertKeyAlias(prefix), logKeyAlias(prefix)] },
      },
    },
    {
      // Transcripts in CloudWatch, the forbidden-command filters on them, and the watchdog's log.
      Sid: "ScpProtectSessionLogs",
      Effect: "Deny",
      Action: [...SESSION_LOG_CHANGES],
      Resource: sessionLogGroupArns(prefix, "*"),
      Condition: except,
    },
    {
      // Who hears of sessions and tampering: the topic and its subscriptions (a filter policy that matches nothing
      // silences one as well as unsubscribing), the rules (activity, tamper, watchdog schedule), the alarms, the
      // watchdog. Unsubscribing through the link in a confirmation e-mail needs no credentials: the tamper alert
      // reports it.
      Sid: "ScpProtectAlerts",
      Effect: "Deny",
      Action: [...ALERT_CHANGES],
      Resource: alertSetupArns(prefix, "*"),
      Condition: except,
    },
    {
      // Every write to this project's groups, policies, roles and instance profiles: detaching the guardrails,
      // joining a group, a new policy version, a changed trust. Writes only, not iam:PassRole: launching instances
      // with the instance profile must keep working for whoever may launch them.
      Sid: "ScpProtectSessionIam",
      Effect: "Deny",
      Action: [
        "iam:Add*",
        "iam:Attach*",
        "iam:Create*",
        "iam:Delete*",
        "iam:Detach*",
        "iam:Put*",
        "iam:Remove*",
        "iam:Set*",
        "iam:Tag*",
        "iam:Untag*",
        "iam:Update*",
      ],
      Resource: sessionIamArns(prefix, "*"),
      Condition: except,
    },
    ...protectExemptRoles(p.exemptPrincipals, except),
    {
      // Negative values published into the forbidden-command metrics would keep their alarms below the threshold.
      Sid: "ScpProtectForbiddenCommandMetrics",
      Effect: "Deny",
      Action: "cloudwatch:PutMetricData",
      Resource: "*",
      Condition: { ...except, StringEquals: { "cloudwatch:namespace": forbiddenCommandNamespace(prefix) } },
    },
    {
      // Default Host Management: pointing the setting at another role gives unprofiled instances other rights.
      Sid: "ScpProtectDefaultHostManagement",
      Effect: "Deny",
      Action: ["ssm:UpdateServiceSetting", "ssm:ResetServiceSetting"],
      Resource: arn.serviceSetting("*", "*", DEFAULT_HOST_MANAGEMENT_SETTING),
      Condition: except,
    },
    {
      // Run As follows SSMSessionRunAs: whoever sets it on a user, a role or a session picks the OS user, root included.
      Sid: "ScpProtectRunAsTag",
      Effect: "Deny",
      // A user or role can also be created with the tag.
      Action: ["iam:CreateUser", "iam:CreateRole", "iam:TagUser", "iam:UntagUser", "iam:TagRole", "iam:UntagRole", "sts:TagSession"],
      Resource: "*",
      Condition: { ...except, "ForAnyValue:StringEqualsIgnoreCase": { "aws:TagKeys": [RUN_AS_TAG] } },
    },
    {
      // The log-archive account's own administrators: no policy, lifecycle, lock or logging change on the buckets,
      // and no deleting or unlocking transcripts (GOVERNANCE mode lets s3:BypassGovernanceRetention do that).
      Sid: "ScpProtectLogArchive",
      Effect: "Deny",
      Action: [
        "s3:DeleteBucket",
        "s3:DeleteBucketPolicy",
        "s3:PutBucketPolicy",
        "s3:PutBucketAcl",
        "s3:PutBucketLogging",
        "s3:PutBucketVersioning",
        "s3:PutBucketObjectLockConfiguration",
        "s3:PutBucketOwnershipControls",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutEncryptionConfiguration",
        "s3:PutLifecycleConfiguration",
        "s3:BypassGovernanceRetention",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:PutObjectRetention",
        "s3:PutObjectLegalHold",
      ],
      Resource: buckets.flatMap((b) => [arn.bucket(b), `${arn.bucket(b)}/*`]),
      Condition: except,
    },
  ];
}

/**
 * RCP statements around the transcript bucket, its access-log bucket and the log-archive account's keys in the log
 * region (the log key is there; its id is not known before apply, so every key of that account and region is in the
 * perimeter). RCPs hold whatever a bucket or key policy says, in any account: a widened policy opens nothing.
 */
export function logRcpStatements(p: OrganizationPolicyProps): Statement[] {
  const buckets = [logBucketName(p.namePrefix, p.logAccountId), accessLogBucketName(p.namePrefix, p.logAccountId)];
  const bucketResources = buckets.flatMap((b) => [arn.bucket(b), `${arn.bucket(b)}/*`]);
  const keys = arn.anyKey(p.logRegion, p.logAccountId);
  const org = p.organizationId;
  const outsideIdentity = {
    StringNotEqualsIfExists: { "aws:PrincipalOrgID": org },
    BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
  };
  return [
    {
      Sid: "RcpLogBucketsOrgIdentitiesOnly",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: bucketResources,
      Condition: outsideIdentity,
    },
    {
      Sid: "RcpLogKeysOrgIdentitiesOnly",
      Effect: "Deny",
      Principal: "*",
      Action: "kms:*",
      Resource: keys,
      Condition: outsideIdentity,
    },
    {
      // AWS services act for a resource of the organization only (confused deputy): S3 log delivery for our bucket,
      // not for a bucket of another organization that names ours as its log target.
      Sid: "RcpLogServicesForOrgOnly",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:*", "kms:*"],
      Resource: [...bucketResources, keys],
      Condition: {
        StringNotEqualsIfExists: { "aws:SourceOrgID": org },
        Null: { "aws:SourceAccount": "false" },
        Bool: { "aws:PrincipalIsAWSService": "true" },
      },
    },
    {
      Sid: "RcpLogBucketsTlsOnly",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: bucketResources,
      Condition: { BoolIfExists: { "aws:SecureTransport": "false" } },
    },
    {
      // A customer-provided key would make a transcript unreadable to the organization, and off the log key.
      Sid: "RcpLogBucketsNoSseC",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: buckets.map((b) => `${arn.bucket(b)}/*`),
      Condition: { Null: { "s3:x-amz-server-side-encryption-customer-algorithm": "false" } },
    },
  ];
}

/** The characters AWS counts for `document`, written as this project writes it: no white space. */
export const controlPolicySize = (document: PolicyDocument): number => JSON.stringify(document).length;

export interface PackedPolicy {
  readonly name: string;
  readonly document: PolicyDocument;
  readonly size: number;
}

/**
 * Splits `statements` into as few documents of at most CONTROL_POLICY_MAX_CHARS as their order allows, named by
 * `nameOf(n)`. Throws, naming the policy and its size, when one statement alone is too large or more than
 * OWN_POLICIES_PER_TARGET documents would be needed.
 */
export function packControlPolicies(kind: string, statements: readonly Statement[], nameOf: (n: number) => string): PackedPolicy[] {
  const packed: Statement[][] = [];
  for (const statement of statements) {
    const current = packed[packed.length - 1];
    if (current !== undefined && controlPolicySize(policy(...current, statement)) <= CONTROL_POLICY_MAX_CHARS) {
      current.push(statement);
      continue;
    }
    const alone = controlPolicySize(policy(statement));
    if (alone > CONTROL_POLICY_MAX_CHARS) {
      throw new Error(
        `${kind} ${nameOf(packed.length + 1)}: ${alone} characters with statement ${statement.Sid} alone, over AWS's ` +
          `${CONTROL_POLICY_MAX_CHARS}; list fewer organization.guardrails.exemptPrincipals (one pattern such as ` +
          "arn:aws:iam::*:role/platform-deploy covers every account)",
      );
    }
    packed.push([statement]);
  }
  if (packed.length > OWN_POLICIES_PER_TARGET) {
    const sizes = packed.map((s, i) => `${nameOf(i + 1)} ${controlPolicySize(policy(...s))}`).join(", ");
    throw new Error(
      `${kind}s: ${packed.length} policies (${sizes} characters) would be attached to each target, over the ` +
        `${OWN_POLICIES_PER_TARGET} left beside FullAWSAccess of AWS's ${MAX_POLICIES_PER_TARGET} per root, OU or account; ` +
        "list fewer organization.guardrails.exemptPrincipals",
    );
  }
  return packed.map((s, i) => {
    const document = policy(...s);
    return { name: nameOf(i + 1), document, size: controlPolicySize(document) };
  });
}

/**
 * Whoever could create an exempt role where none exists yet, or change one's trust or rights, would be exempt from
 * every SCP statement: the exempt roles are protected like the setup (none when no exempt principal is a role).
 */
function protectExemptRoles(exempt: readonly string[], except: Statement["Condition"]): Statement[] {
  const roles = exempt.filter((a) => /^arn:[^:]+:iam::[^:]*:role\//.test(a));
  if (roles.length === 0) return [];
  return [
    {
      Sid: "ScpProtectExemptRoles",
      Effect: "Deny",
      Action: ["iam:Attach*", "iam:Create*", "iam:Delete*", "iam:Detach*", "iam:Put*", "iam:Tag*", "iam:Untag*", "iam:Update*"],
      Resource: roles,
      Condition: except,
    },
  ];
}
