import { accessLogBucketName, arn, logBucketName, STATE_LOCK_SUFFIX, type DeploymentRole } from "../../config/naming";
import { PARTITION } from "../../config/regions";
import { sessionIamArns } from "./guardrails";
import { policy, type PolicyDocument, type Statement } from "./iam";

/**
 * The roles a stack creates for its own plan and deploy, as data: who may assume them (one OIDC subject each) and
 * what they may do. The plan role reads; the deploy role manages what its stack kind creates. Both are denied,
 * whatever else they are given, the reads that would disclose a transcript.
 */

/** The name of each role's one inline policy: the compliance rules find the deploy role's by it. */
export const DEPLOYMENT_POLICY_NAME = "stack-deployment";

/** Which stack a role set serves: it decides the services and the buckets. */
export type StackKind = "log-archive" | "workload" | "organization";

/** The AWS services each stack kind creates resources in (its providers' resource types), IAM included. */
export const STACK_SERVICES: Readonly<Record<StackKind, readonly string[]>> = {
  "log-archive": ["iam", "kms", "s3"],
  // CloudFormation: a just-in-time workload's auto-approval policy is a document in a CloudFormation stack.
  workload: ["cloudformation", "cloudwatch", "ec2", "events", "iam", "kms", "lambda", "logs", "sns", "ssm"],
  organization: ["iam", "organizations"],
};

/**
 * S3 reads of bucket settings, what refreshing a bucket needs. Not s3:Get*, which includes reading every object of
 * every bucket in the account.
 */
export const S3_SETTINGS_READS = [
  "s3:GetAccelerateConfiguration",
  "s3:GetBucket*",
  "s3:GetEncryptionConfiguration",
  "s3:GetLifecycleConfiguration",
  "s3:GetReplicationConfiguration",
  "s3:ListAllMyBuckets",
  "s3:ListBucket",
] as const;

/** Reads that return what was typed in a session, or a command's output, rather than how something is set up. */
export const TRANSCRIPT_READS = [
  "logs:FilterLogEvents",
  "logs:GetLogEvents",
  "logs:GetLogRecord",
  "logs:GetQueryResults",
  "logs:StartLiveTail",
  "logs:StartQuery",
  "logs:Unmask",
  "ssm:GetCommandInvocation",
  "ssm:ListCommandInvocations",
] as const;

/** What opens a shell or runs a command on an instance directly: the deploy role needs none of it. */
export const INSTANCE_ACCESS = ["ssm:ResumeSession", "ssm:SendCommand", "ssm:StartSession"] as const;

/** The Organizations writes the organization stack makes: its SCPs and RCPs and their attachments. */
export const ORGANIZATIONS_POLICY_WRITES = [
  "organizations:AttachPolicy",
  "organizations:CreatePolicy",
  "organizations:DeletePolicy",
  "organizations:DetachPolicy",
  "organizations:TagResource",
  "organizations:UntagResource",
  "organizations:UpdatePolicy",
] as const;

/** The read verbs each service has actions for (IAM has no Describe, Organizations no Get, …). */
const READ_VERBS: Readonly<Record<string, readonly string[]>> = {
  cloudformation: ["Describe", "Get", "List"],
  cloudwatch: ["Describe", "Get", "List"],
  ec2: ["Describe", "Get", "List"],
  events: ["Describe", "Get", "List"],
  iam: ["Get", "List"],
  kms: ["Describe", "Get", "List"],
  lambda: ["Get", "List"],
  logs: ["Describe", "Get", "List"],
  organizations: ["Describe", "List"],
  sns: ["Get", "List"],
  ssm: ["Describe", "Get", "List"],
};

/** What the plan role may call: Describe, Get and List of its stack's services, bucket settings for S3. */
export function readActions(kind: StackKind): string[] {
  return STACK_SERVICES[kind].flatMap((service) =>
    service === "s3" ? [...S3_SETTINGS_READS] : READ_VERBS[service]!.map((verb) => `${service}:${verb}*`),
  );
}

export interface OidcTrustProps {
  /** The OIDC provider's ARN (or a reference to it). */
  readonly providerArn: string;
  /** The issuer without https://: the prefix of its condition keys. */
  readonly host: string;
  readonly audience: string;
  readonly role: DeploymentRole;
}

/**
 * Trust for exactly one OIDC subject of one issuer, audience pinned. StringEquals, not StringLike: the subject is
 * spelled out, so no other repository, branch, environment, workspace or run phase matches.
 */
export function oidcTrustPolicy(p: OidcTrustProps): PolicyDocument {
  return policy({
    Sid: p.role.kind === "plan" ? "AssumeForPlans" : "AssumeForDeploys",
    Effect: "Allow",
    Principal: { Federated: p.providerArn },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: { StringEquals: { [`${p.host}:aud`]: p.audience, [`${p.host}:sub`]: p.role.subject } },
  });
}

export interface DeploymentPolicyProps {
  readonly kind: StackKind;
  readonly namePrefix: string;
  readonly accountId: string;
  /** The log-archive account: its transcript buckets are out of both roles' reach. */
  readonly logAccountId: string;
  /** The OIDC provider's host: the deploy role may change it (thumbprints, audiences) with the stack. */
  readonly host: string;
  /** The S3 backend's state object; undefined when HCP Terraform keeps the state. */
  readonly state?: { readonly bucket: string; readonly key: string };
}

/** Object ARNs of the transcript bucket and its access-log bucket. */
const transcriptObjects = (p: DeploymentPolicyProps): string[] =>
  [logBucketName(p.namePrefix, p.logAccountId), accessLogBucketName(p.namePrefix, p.logAccountId)].map((b) => `${arn.bucket(b)}/*`);

/**
 * Just-in-time access to a node: a request, and the token of an approved one, which opens sessions with the
 * just-in-time role's credentials. ssm:GetAccessToken is also in ssm:Get*, which the plan role reads.
 */
export const NODE_ACCESS_REQUESTS = ["ssm:GetAccessToken", "ssm:StartAccessRequest"] as const;

/** The Denies both roles carry: no transcript, in CloudWatch or S3, no command output, and no node access token. */
function transcriptDenies(p: DeploymentPolicyProps): Statement[] {
  return [
    { Sid: "DenyNodeAccessTokens", Effect: "Deny", Action: [...NODE_ACCESS_REQUESTS], Resource: "*" },
    { Sid: "DenyTranscriptReads", Effect: "Deny", Action: [...TRANSCRIPT_READS], Resource: "*" },
    {
      // Transcripts and the record of who read them: no reading, rewriting, unlocking or deleting.
      Sid: "DenyTranscriptObjects",
      Effect: "Deny",
      Action: [
        "s3:BypassGovernanceRetention",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:PutObject",
        "s3:PutObjectLegalHold",
        "s3:PutObjectRetention",
      ],
      Resource: transcriptObjects(p),
    },
  ];
}

/**
 * The plan role: reads of its stack's services and its state object, and an explicit Deny of everything else, so it
 * writes nothing whatever else it is given. Plans run without the state lock (`-lock=false`), which would be a write.
 */
export function planRolePolicy(p: DeploymentPolicyProps): PolicyDocument {
  const reads = readActions(p.kind);
  const state: Statement[] =
    p.state === undefined
      ? []
      : [
          { Sid: "StateBucket", Effect: "Allow", Action: "s3:ListBucket", Resource: arn.bucket(p.state.bucket) },
          { Sid: "ReadState", Effect: "Allow", Action: "s3:GetObject", Resource: `${arn.bucket(p.state.bucket)}/${p.state.key}` },
        ];
  const stateReads = p.state === undefined ? [] : ["s3:GetObject", "s3:ListBucket"];
  return policy(
    { Sid: "ReadStackServices", Effect: "Allow", Action: reads, Resource: "*" },
    ...state,
    { Sid: "DenyWrites", Effect: "Deny", NotAction: [...new Set([...reads, ...stateReads])], Resource: "*" },
    ...transcriptDenies(p),
  );
}

/**
 * The deploy role: reads as the plan role, and management of what its stack kind creates. IAM writes are limited to
 * this project's IAM names and the OIDC provider, Organizations writes to its policies, KMS to the account's keys,
 * S3 to the transcript buckets; the other services of the stack are managed whole (`ssm:*`, `ec2:*`, …), since a
 * stack creates resources whose names it does not know ahead. Whoever may write IAM policies can grant themselves
 * more: this role is as powerful as an administrator of what its stack touches, and its trust is its boundary.
 */
export function deployRolePolicy(p: DeploymentPolicyProps): PolicyDocument {
  const account = p.accountId;
  const whole = STACK_SERVICES[p.kind].filter((s) => !["iam", "kms", "s3", "organizations"].includes(s));
  const statements: Statement[] = [{ Sid: "ReadStackServices", Effect: "Allow", Action: readActions(p.kind), Resource: "*" }];
  if (whole.length > 0) statements.push({ Sid: "ManageStackServices", Effect: "Allow", Action: whole.map((s) => `${s}:*`), Resource: "*" });
  statements.push({
    // Groups, policies, roles, users and instance profiles under /session-manager/ (these roles included), the
    // Default Host Management role, and the OIDC provider the roles trust.
    Sid: "ManageProjectIam",
    Effect: "Allow",
    Action: "iam:*",
    Resource: [...sessionIamArns(p.namePrefix, account), arn.oidcProvider(account, p.host)],
  });
  if (STACK_SERVICES[p.kind].includes("kms")) {
    statements.push(
      // CreateKey with tags (the providers' default tags) also needs kms:TagResource in an IAM policy not limited to
      // particular keys.
      { Sid: "CreateKeys", Effect: "Allow", Action: ["kms:CreateKey", "kms:ListAliases", "kms:ListKeys", "kms:TagResource"], Resource: "*" },
      { Sid: "ManageAccountKeys", Effect: "Allow", Action: "kms:*", Resource: [arn.anyKey("*", account), `arn:${PARTITION}:kms:*:${account}:alias/*`] },
    );
  }
  if (STACK_SERVICES[p.kind].includes("s3")) {
    const buckets = [logBucketName(p.namePrefix, p.logAccountId), accessLogBucketName(p.namePrefix, p.logAccountId)].map(arn.bucket);
    statements.push({
      // Bucket names are global: the log-archive account's buckets only, never a same-named one elsewhere.
      Sid: "ManageTranscriptBuckets",
      Effect: "Allow",
      Action: "s3:*",
      Resource: buckets,
      Condition: { StringEquals: { "s3:ResourceAccount": p.logAccountId } },
    });
  }
  if (STACK_SERVICES[p.kind].includes("organizations")) {
    statements.push({ Sid: "ManageControlPolicies", Effect: "Allow", Action: [...ORGANIZATIONS_POLICY_WRITES], Resource: "*" });
  }
  if (p.state !== undefined) {
    const key = `${arn.bucket(p.state.bucket)}/${p.state.key}`;
    statements.push(
      { Sid: "StateBucket", Effect: "Allow", Action: "s3:ListBucket", Resource: arn.bucket(p.state.bucket) },
      { Sid: "StateObject", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: key },
      // use_lockfile: the lock is an object beside the state, created and deleted by each locking run.
      { Sid: "StateLock", Effect: "Allow", Action: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"], Resource: `${key}${STATE_LOCK_SUFFIX}` },
    );
  }
  statements.push(...transcriptDenies(p));
  if (p.kind === "workload") {
    statements.push({ Sid: "DenyInstanceAccess", Effect: "Deny", Action: [...INSTANCE_ACCESS], Resource: "*" });
  }
  return policy(...statements);
}
