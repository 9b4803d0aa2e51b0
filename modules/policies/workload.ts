import {
  arn,
  BASTION_JUMP_USER,
  commandDocumentNames,
  DEFAULT_HOST_MANAGEMENT_SETTING,
  groupTunnelDocumentNames,
  IAM_VAR,
  logsServiceFor,
  PREFERENCES_DOCUMENT,
  protectedDocumentNames,
  s3ServiceFor,
  SESSION_OWNER_TAG,
  sessionDocumentNames,
  sessionLogPrefix,
  type TunnelFlags,
} from "../../config/naming";
import { policy, type PolicyDocument, type Statement } from "./iam";
import { s3EncryptionContexts } from "./log-archive";

/** Where a workload account's transcripts go: the shared log-archive bucket and its key. */
export interface LogDestination {
  readonly bucketName: string;
  readonly logAccountId: string;
  readonly logRegion: string;
}

/** One region of a workload account, with the session key that protects it. */
export interface SessionRegion {
  readonly region: string;
  /** ARN of the regional session key (usually a reference to the key in the same stack). */
  readonly sessionKeyArn: string;
  /** CloudWatch log group for transcripts, when CloudWatch logging is on. */
  readonly logGroupName?: string;
}

/** A trust policy that lets one AWS service, and nothing else, assume the role. */
export function serviceTrustPolicy(sid: string, service: string): PolicyDocument {
  return policy({ Sid: sid, Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" });
}

/** Trust policy of the instance role: EC2 only. */
export const instanceTrustPolicy = (): PolicyDocument => serviceTrustPolicy("Ec2AssumesRole", "ec2.amazonaws.com");

/** What the SSM agent needs, beyond AmazonSSMManagedInstanceCore, to encrypt and log sessions. */
export function instanceLoggingPolicy(
  accountId: string,
  logs: LogDestination,
  regions: readonly SessionRegion[],
): PolicyDocument {
  const prefixes = regions.map((r) => sessionLogPrefix(accountId, r.region));
  const ownedByLogAccount = { StringEquals: { "s3:ResourceAccount": logs.logAccountId } };
  const statements: Statement[] = [
    {
      // s3:ResourceAccount: the bucket is trusted by its owner, not its name. Should the log bucket not exist yet,
      // a bucket of the same name in another account receives nothing.
      Sid: "WriteOwnTranscripts",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:PutObjectAcl"],
      Resource: prefixes.map((prefix) => arn.objects(logs.bucketName, prefix)),
      Condition: ownedByLogAccount,
    },
    {
      // The agent checks that the bucket is encrypted before it uploads a transcript.
      Sid: "ReadLogBucketEncryption",
      Effect: "Allow",
      Action: "s3:GetEncryptionConfiguration",
      Resource: arn.bucket(logs.bucketName),
      Condition: ownedByLogAccount,
    },
    {
      // The same, as a Deny that holds against any other grant of the role.
      Sid: "DenyLogBucketOfAnotherOwner",
      Effect: "Deny",
      Action: "s3:*",
      Resource: [arn.bucket(logs.bucketName), `${arn.bucket(logs.bucketName)}/*`],
      Condition: { StringNotEquals: { "s3:ResourceAccount": logs.logAccountId } },
    },
    {
      // The bucket key lives in the log account and its id is not known here; S3 as the only way in and the
      // bucket's encryption context keep this to that one key. S3 multipart uploads need kms:Decrypt too.
      Sid: "UseLogKeyThroughS3",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: arn.anyKey(logs.logRegion, logs.logAccountId),
      Condition: {
        StringEquals: { "kms:ViaService": s3ServiceFor(logs.logRegion) },
        StringLike: { "kms:EncryptionContext:aws:s3:arn": s3EncryptionContexts(logs.bucketName, prefixes) },
      },
    },
    {
      // Session encryption: the instance decrypts the data key the user generated with the session key.
      Sid: "DecryptSessionData",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: regions.map((r) => r.sessionKeyArn),
    },
  ];
  const logGroups = regions.filter((r) => r.logGroupName !== undefined);
  if (logGroups.length > 0) {
    statements.push(
      {
        Sid: "WriteOwnLogGroup",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: logGroups.map((r) => `${arn.logGroup(r.region, accountId, r.logGroupName!)}:*`),
      },
      {
        // The agent looks its log group up before streaming; DescribeLogGroups has no per-group resource.
        Sid: "FindOwnLogGroup",
        Effect: "Allow",
        Action: "logs:DescribeLogGroups",
        Resource: logGroups.map((r) => arn.logGroup(r.region, accountId, "*")),
      },
    );
  }
  return policy(...statements);
}

export interface SessionKeyPolicyProps {
  readonly accountId: string;
  readonly region: string;
  /** Log group encrypted with this key, when CloudWatch logging is on. */
  readonly logGroupName?: string;
}

/** The AWS default key-policy statement: IAM policies of the account decide who uses the key. */
export function accountAdministersKey(accountId: string): Statement {
  return {
    Sid: "AccountAdministersKey",
    Effect: "Allow",
    Principal: { AWS: arn.accountRoot(accountId) },
    Action: "kms:*",
    Resource: "*",
  };
}

/** Lets CloudWatch Logs encrypt one log group with the key, and no other: the encryption context names the group. */
export function logsEncryptLogGroup(sid: string, region: string, accountId: string, logGroupName: string): Statement {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: { Service: logsServiceFor(region) },
    Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey"],
    Resource: "*",
    Condition: {
      ArnEquals: { "kms:EncryptionContext:aws:logs:arn": arn.logGroup(region, accountId, logGroupName) },
    },
  };
}

/** Key policy of a regional session key: the account's IAM decides use; CloudWatch Logs may encrypt its group. */
export function sessionKeyPolicy(p: SessionKeyPolicyProps): PolicyDocument {
  // The instance role and the access groups get their use of the key from IAM policies of this account.
  const statements: Statement[] = [accountAdministersKey(p.accountId)];
  if (p.logGroupName !== undefined) {
    statements.push(logsEncryptLogGroup("CloudWatchLogsEncryptsSessionLogGroup", p.region, p.accountId, p.logGroupName));
  }
  return policy(...statements);
}

export interface AccessPolicyProps {
  /** The config's namePrefix, which names this project's tunnel and Command documents. */
  readonly namePrefix: string;
  /** The access group's name in the config, which names its port-forwarding documents. */
  readonly accessGroup: string;
  readonly accountId: string;
  readonly regions: readonly SessionRegion[];
  /** Every tag key must match one of its values. */
  readonly instanceTags: Readonly<Record<string, readonly string[]>>;
  readonly mfaRequired: boolean;
  /** SSH through this project's SSH document. */
  readonly allowSsh: boolean;
  /** Forwarding the group's instance ports, through its own port-forwarding document. */
  readonly allowPortForwarding: boolean;
  /** Forwarding to the group's remote hosts, through its own remote-host document. */
  readonly allowRemoteHostPortForwarding: boolean;
  /** The bastion instance's ARN, when the workload has one: SSH groups may push a key to its jump user. */
  readonly bastionInstanceArn?: string;
  /** The tag that opts Linux instances into losing ssm-user's sudo, when configured: nobody may add or drop it. */
  readonly sudoRemovalTagKey?: string;
  /** The workload is in just-in-time mode: request rights only, no standing sessions. @default false */
  readonly justInTime?: boolean;
  /**
   * Just-in-time mode: the names of the workload's manual approval policies (documents of type ManualApprovalPolicy,
   * entered in the console under these names), whose automation a request that needs a person starts. @default none
   */
  readonly manualApprovalPolicies?: readonly string[];
  /**
   * Attribute-based scope (Identity Center access groups): instances whose tag of each key equals the caller's own
   * principal tag of that key, set by Identity Center from the identity store. @default none
   */
  readonly principalTagScope?: readonly string[];
}

const tunnelFlags = (p: AccessPolicyProps): TunnelFlags => ({
  name: p.accessGroup,
  allowSsh: p.allowSsh,
  allowPortForwarding: p.allowPortForwarding,
  allowRemoteHostPortForwarding: p.allowRemoteHostPortForwarding,
});

/**
 * The documents a group may start sessions with, in each of the workload's regions: the audited shell always, and
 * only this project's tunnel documents where allowed. Never AWS's tunnel documents: they take any port (and any
 * host), and IAM cannot condition on document parameters.
 */
export function sessionDocumentArns(p: AccessPolicyProps): string[] {
  const names = [PREFERENCES_DOCUMENT, ...groupTunnelDocumentNames(p.namePrefix, tunnelFlags(p))];
  return names.flatMap((name) => p.regions.map(({ region }) => arn.document(region, p.accountId, name)));
}

/**
 * Every Session document this project creates for a workload, as ARNs in each of its regions: the union over its
 * access groups (sessionDocumentNames). Any other Session document in the account is not this project's.
 */
export function workloadSessionDocumentArns(
  prefix: string,
  accountId: string,
  regions: readonly string[],
  groups: readonly TunnelFlags[],
): string[] {
  return sessionDocumentNames(prefix, groups).flatMap((name) => regions.map((region) => arn.document(region, accountId, name)));
}

/**
 * Every action that reaches into an instance or ends someone's access to one: sessions, commands, automation and
 * associations (which run documents on instances), and EC2 Instance Connect. Without MFA, none of them.
 */
export const INSTANCE_REACHING_ACTIONS = [
  "ssm:StartSession",
  "ssm:ResumeSession",
  "ssm:TerminateSession",
  "ssm:SendCommand",
  "ssm:StartAutomationExecution",
  "ssm:CreateAssociation",
  "ssm:CreateAssociationBatch",
  "ssm:UpdateAssociation",
  "ec2-instance-connect:SendSSHPublicKey",
  "ec2-instance-connect:SendSerialConsoleSSHPublicKey",
] as const;

const documentAccessCheck = { BoolIfExists: { "ssm:SessionDocumentAccessCheck": "true" } };

/** Identity policy for the people of one access group. */
export function accessPolicy(p: AccessPolicyProps): PolicyDocument {
  const tagCondition: Record<string, string[]> = {};
  for (const key of Object.keys(p.instanceTags).sort()) {
    tagCondition[`ssm:resourceTag/${key}`] = [...p.instanceTags[key]];
  }
  const statements: Statement[] = [
    {
      // SessionDocumentAccessCheck makes Session Manager check the document too (statement below), so a user
      // cannot fall back to a document this policy does not name.
      Sid: "StartSessionOnTaggedInstances",
      Effect: "Allow",
      Action: "ssm:StartSession",
      Resource: p.regions.map((r) => arn.instances(r.region, p.accountId)),
      Condition: {
        StringEquals: tagCondition,
        ...documentAccessCheck,
      },
    },
    {
      Sid: "StartSessionWithApprovedDocuments",
      Effect: "Allow",
      Action: "ssm:StartSession",
      Resource: sessionDocumentArns(p),
      // AWS asks for the check on every statement that allows ssm:StartSession.
      Condition: documentAccessCheck,
    },
    {
      // Own sessions by the tag AWS puts on each session, the starter's aws:userid: a user name prefix would let
      // alice.example end the sessions of alice.example-admin, and federated principals have no user name.
      Sid: "ManageOwnSessions",
      Effect: "Allow",
      Action: ["ssm:TerminateSession", "ssm:ResumeSession"],
      Resource: p.regions.map((r) => arn.anySession(r.region, p.accountId)),
      Condition: { StringLike: { [`ssm:resourceTag/${SESSION_OWNER_TAG}`]: IAM_VAR.userid } },
    },
    {
      // Session Manager plugin 1.2.764.0 and later sign the data channel; AWS's end-user policy scopes it this way.
      Sid: "OpenOwnDataChannels",
      Effect: "Allow",
      Action: "ssmmessages:OpenDataChannel",
      Resource: p.regions.map((r) => arn.sessions(r.region, p.accountId, IAM_VAR.userid)),
    },
    {
      // These calls support no resource-level permissions; they only list and describe.
      Sid: "DescribeSessionsAndInstances",
      Effect: "Allow",
      Action: [
        "ssm:DescribeSessions",
        "ssm:GetConnectionStatus",
        "ssm:DescribeInstanceInformation",
        "ssm:DescribeInstanceProperties",
        "ec2:DescribeInstances",
      ],
      Resource: "*",
    },
    {
      // The client generates the session data key with the regional session key.
      Sid: "GenerateSessionDataKey",
      Effect: "Allow",
      Action: "kms:GenerateDataKey",
      Resource: p.regions.map((r) => r.sessionKeyArn),
    },
    {
      // The preferences document is the audit trail's configuration; nobody who starts sessions may change it,
      // whatever else they are granted. Every region, including ones this project does not manage. The same for
      // this project's tunnel documents, whose parameters are the only limit on ports and hosts, and its Command
      // documents, which run as root on every instance they target: denied even where they do not exist yet, so
      // nobody can create one under that name first.
      Sid: "DenyPreferencesDocumentChanges",
      Effect: "Deny",
      Action: [
        "ssm:CreateDocument",
        "ssm:UpdateDocument",
        "ssm:DeleteDocument",
        "ssm:UpdateDocumentDefaultVersion",
        "ssm:ModifyDocumentPermission",
      ],
      Resource: protectedDocumentNames(p.namePrefix).map((name) => arn.document("*", p.accountId, name)),
    },
    {
      // What runs those documents, and Default Host Management's choice of role, is as much the audit setup as
      // the documents: no association, command or setting change with them.
      Sid: "DenyFleetHygieneChanges",
      Effect: "Deny",
      Action: [
        "ssm:CreateAssociation",
        "ssm:CreateAssociationBatch",
        "ssm:UpdateAssociation",
        "ssm:DeleteAssociation",
        "ssm:SendCommand",
        "ssm:StartAutomationExecution",
        "ssm:UpdateServiceSetting",
        "ssm:ResetServiceSetting",
      ],
      Resource: [
        ...commandDocumentNames(p.namePrefix).map((name) => arn.document("*", p.accountId, name)),
        arn.serviceSetting("*", p.accountId, DEFAULT_HOST_MANAGEMENT_SETTING),
      ],
    },
  ];
  if (p.sudoRemovalTagKey !== undefined) {
    statements.push({
      // The tag decides which instances lose ssm-user's sudo; adding or removing it would opt an instance out.
      Sid: "DenySudoRemovalTagChanges",
      Effect: "Deny",
      Action: ["ec2:CreateTags", "ec2:DeleteTags"],
      Resource: "*",
      Condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": [p.sudoRemovalTagKey] } },
    });
  }
  if (p.allowSsh && p.bastionInstanceArn !== undefined) {
    statements.push({
      // The bastion has no key pair: SSH users push their public key to its jump user (no sudo, forwarding only)
      // through EC2 Instance Connect, valid for 60 seconds. Only to the bastion, by its ARN (a Name tag can be put
      // on any instance), only as that user; the MFA Deny covers this action too.
      Sid: "SendKeyToBastionJumpUser",
      Effect: "Allow",
      Action: "ec2-instance-connect:SendSSHPublicKey",
      Resource: p.bastionInstanceArn,
      Condition: { StringEquals: { "ec2:osuser": BASTION_JUMP_USER } },
    });
  }
  [...(p.principalTagScope ?? [])].sort().forEach((key, i) => {
    // Hybrid nodes too: a grant from elsewhere would otherwise reach them outside the scope.
    const instances = [arn.instances("*", p.accountId), arn.managedInstances("*", p.accountId)];
    statements.push(
      {
        // An instance whose tag differs from the caller's own, or has none: a Deny, so no other grant widens it.
        Sid: `DenySessionsOutsideAttributeScope${i + 1}`,
        Effect: "Deny",
        Action: ["ssm:StartSession", "ssm:SendCommand"],
        Resource: instances,
        Condition: { StringNotEquals: { [`ssm:resourceTag/${key}`]: `\${aws:PrincipalTag/${key}}` } },
      },
      {
        // A caller without the tag: the condition above has no value to compare and would not deny.
        Sid: `DenySessionsWithoutAttribute${i + 1}`,
        Effect: "Deny",
        Action: ["ssm:StartSession", "ssm:SendCommand"],
        Resource: instances,
        Condition: { Null: { [`aws:PrincipalTag/${key}`]: "true" } },
      },
    );
  });
  if (p.mfaRequired) {
    // A Deny with BoolIfExists, not an Allow with Bool: the Deny also overrides any other policy of the same
    // principal that grants these actions, and it catches long-term access keys, whose requests carry no
    // aws:MultiFactorAuthPresent at all.
    statements.push({
      Sid: "DenySessionsWithoutMfa",
      Effect: "Deny",
      Action: [...INSTANCE_REACHING_ACTIONS],
      Resource: "*",
      Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } },
    });
  }
  return policy(...statements);
}

/** The tag that lets Systems Manager's just-in-time sessions use a KMS key: its token policy allows only such keys. */
export const JIT_MANAGED_TAG = { SystemsManagerJustInTimeNodeAccessManaged: "true" } as const;

/** The SSM document types of just-in-time approval policies (the ssm:DocumentType condition key's values). */
export const APPROVAL_POLICY_DOCUMENT_TYPES = ["ManualApprovalPolicy", "AutoApprovalPolicy"] as const;

/**
 * Identity policy for the people of one access group of a workload in just-in-time mode: request access, fetch the
 * token of an approved request, follow their requests, and nothing that starts a session. The session itself runs
 * with the token's credentials, which are those of the role Systems Manager's just-in-time setup creates in the
 * account (with AWS's AWSSystemsManagerJustInTimeAccessTokenSessionPolicy), not the person's own. What these
 * allow is what AWS's just-in-time setup guide gives people who request access, scoped to this account.
 *
 * The protections of the standing policy stay (no changes to the preferences or this project's documents, the MFA
 * Deny), and a Deny of ssm:StartSession keeps a grant from anywhere else from opening a standing session.
 */
/**
 * What reaches a node without a just-in-time request: denied to just-in-time groups whatever else they hold. The
 * instance-reaching actions but three: ending a session (it takes nobody onto a node), resuming one (only an approved
 * request starts a session), and the automation a manual approval request starts.
 */
export const STANDING_NODE_ACCESS = INSTANCE_REACHING_ACTIONS.filter(
  (a) => !["ssm:ResumeSession", "ssm:TerminateSession", "ssm:StartAutomationExecution"].includes(a),
);

/**
 * A request that needs a person starts the manual approval policy's automation: the workload's own manual approval
 * policies by name (ssm:DocumentType is not a condition key of StartAutomationExecution), and the execution.
 */
function manualApprovalStatements(p: AccessPolicyProps): Statement[] {
  const names = p.manualApprovalPolicies ?? [];
  if (names.length === 0) return [];
  return [
    {
      Sid: "RequestManualApprovals",
      Effect: "Allow",
      Action: "ssm:StartAutomationExecution",
      Resource: p.regions.flatMap((r) => names.map((name) => arn.document(r.region, p.accountId, name))),
    },
    {
      Sid: "StartManualApprovalExecutions",
      Effect: "Allow",
      Action: "ssm:StartAutomationExecution",
      Resource: p.regions.map((r) => arn.automationExecutions(r.region, p.accountId)),
    },
  ];
}

export function justInTimeAccessPolicy(p: AccessPolicyProps): PolicyDocument {
  const statements: Statement[] = [
    {
      // A request names the node (an instance or a hybrid node) of this account it is for.
      Sid: "RequestNodeAccess",
      Effect: "Allow",
      Action: "ssm:StartAccessRequest",
      Resource: p.regions.flatMap((r) => [arn.instances(r.region, p.accountId), arn.managedInstances(r.region, p.accountId)]),
    },
    {
      // The token of an approved request: the request is an OpsItem of this account.
      Sid: "FetchAccessTokens",
      Effect: "Allow",
      Action: "ssm:GetAccessToken",
      Resource: p.regions.map((r) => arn.opsItems(r.region, p.accountId)),
    },
    {
      // Each access request is an OpsItem of this account.
      Sid: "FollowOwnAccessRequests",
      Effect: "Allow",
      Action: ["ssm:CreateOpsItem", "ssm:GetOpsItem"],
      Resource: p.regions.map((r) => arn.opsItems(r.region, p.accountId)),
    },
    {
      Sid: "ListAccessRequestsAndNodes",
      Effect: "Allow",
      Action: [
        "ssm:DescribeOpsItems",
        "ssm:GetOpsSummary",
        "ssm:ListOpsItemEvents",
        "ssm:DescribeSessions",
        "ssm:GetConnectionStatus",
        "ssm:DescribeInstanceInformation",
        "ssm:DescribeInstanceProperties",
        "ssm:ListTagsForResource",
        "ssm:ListDocuments",
        "ssm:ListDocumentVersions",
        "ec2:DescribeInstances",
        "ec2:DescribeTags",
      ],
      Resource: "*",
    },
    {
      Sid: "ReadApprovalPolicies",
      Effect: "Allow",
      Action: ["ssm:GetDocument", "ssm:DescribeDocument"],
      Resource: p.regions.map((r) => arn.document(r.region, p.accountId, "*")),
      Condition: { StringEquals: { "ssm:DocumentType": [...APPROVAL_POLICY_DOCUMENT_TYPES] } },
    },
    ...manualApprovalStatements(p),
    {
      Sid: "CancelManualApprovals",
      Effect: "Allow",
      Action: "ssm:StopAutomationExecution",
      Resource: p.regions.map((r) => arn.automationExecutions(r.region, p.accountId)),
      Condition: { StringEquals: { [`aws:ResourceTag/${Object.keys(JIT_MANAGED_TAG)[0]}`]: "true" } },
    },
    {
      // Nobody who requests access may write the policies that approve it, whatever else they hold: the document
      // type, not the name, so a manual approval policy made in the console is covered too.
      Sid: "DenyApprovalPolicyChanges",
      Effect: "Deny",
      Action: ["ssm:CreateDocument", "ssm:UpdateDocument", "ssm:DeleteDocument", "ssm:UpdateDocumentDefaultVersion"],
      Resource: "*",
      Condition: { StringEquals: { "ssm:DocumentType": [...APPROVAL_POLICY_DOCUMENT_TYPES] } },
    },
    {
      // No standing access, whatever else grants it: every session goes through an approved request, and nothing
      // else reaches a node directly (a command, an association, an EC2 Instance Connect key).
      Sid: "DenyStandingSessions",
      Effect: "Deny",
      Action: [...STANDING_NODE_ACCESS],
      Resource: "*",
    },
    ...accessPolicy(p).Statement.filter((s) => s.Effect === "Deny"),
  ];
  return policy(...statements);
}

/** The access policy of a group: its standing session rights, or in just-in-time mode its request rights. */
export const sessionAccessPolicy = (p: AccessPolicyProps): PolicyDocument => (p.justInTime === true ? justInTimeAccessPolicy(p) : accessPolicy(p));
