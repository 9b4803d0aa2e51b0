import { accessLogPrefix, accountLogPrefix, arn, IAM_VAR, s3ServiceFor } from "../../config/naming";
import { policy, type PolicyDocument, type Statement } from "./iam";

/** The service principal that delivers S3 server access logs. */
export const S3_LOG_DELIVERY_SERVICE = "logging.s3.amazonaws.com";

export interface LogArchivePolicyProps {
  /** The AWS Organizations id whose accounts may write transcripts. */
  readonly organizationId: string;
  /** The log-archive account: it alone administers the key and reads the transcripts. */
  readonly logAccountId: string;
  /** Region of the bucket and the key. */
  readonly region: string;
  readonly bucketName: string;
  /**
   * The roles that write transcripts, as aws:PrincipalArn patterns (any account, this project's path and name):
   * nobody else in the organization writes, whatever their own account grants them.
   */
  readonly writerRoleArns: readonly string[];
}

export interface LogBucketPolicyProps extends LogArchivePolicyProps {
  /** ARN of the bucket key: the only KMS key a writer may name. */
  readonly keyArn: string;
}

/**
 * Encryption contexts S3 may use with the log key for objects under `prefixes`: the bucket ARN (S3 Bucket Keys,
 * which this bucket enables) or, should bucket keys ever be off, the object's own ARN.
 */
export const s3EncryptionContexts = (bucket: string, prefixes: readonly string[]): string[] => [
  arn.bucket(bucket),
  ...prefixes.map((prefix) => arn.objects(bucket, prefix)),
];

/** Nothing reaches a bucket or its objects without TLS. */
const denyInsecureTransport = (bucket: string): Statement => ({
  Sid: "DenyInsecureTransport",
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: [bucket, `${bucket}/*`],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
});

/** Where an organization account may write: its own prefix, as an IAM variable the caller's account fills in. */
const ownPrefix = accountLogPrefix(IAM_VAR.principalAccount);

/** Key policy of the log-archive bucket key. */
export function logKeyPolicy(p: LogArchivePolicyProps): PolicyDocument {
  return policy(
    {
      // The AWS default: the log account's IAM decides who administers the key. Without it the key can become
      // unmanageable, and no other account appears here, so key administration stays inside the log account.
      Sid: "LogAccountAdministersKey",
      Effect: "Allow",
      Principal: { AWS: arn.accountRoot(p.logAccountId) },
      Action: "kms:*",
      Resource: "*",
    },
    {
      // This project's instance roles in every organization account encrypt through S3 only, and only for this
      // bucket. S3 multipart uploads need kms:Decrypt as well as kms:GenerateDataKey.
      Sid: "OrganizationWritesThroughS3",
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: "*",
      Condition: {
        StringEquals: {
          "aws:PrincipalOrgID": p.organizationId,
          "kms:ViaService": s3ServiceFor(p.region),
        },
        StringLike: {
          "kms:EncryptionContext:aws:s3:arn": s3EncryptionContexts(p.bucketName, [ownPrefix]),
        },
        ArnLike: { "aws:PrincipalArn": [...p.writerRoleArns] },
      },
    },
  );
}

const SSE_HEADER = "s3:x-amz-server-side-encryption";
const KMS_KEY_HEADER = "s3:x-amz-server-side-encryption-aws-kms-key-id";

/** Bucket policy of the transcript bucket. */
export function logBucketPolicy(p: LogBucketPolicyProps): PolicyDocument {
  const bucket = arn.bucket(p.bucketName);
  const objects = `${bucket}/*`;
  const ownObjects = arn.objects(p.bucketName, ownPrefix);
  const org = { "aws:PrincipalOrgID": p.organizationId };
  const outsideLogAccount = { "aws:PrincipalAccount": p.logAccountId };
  const writers = { "aws:PrincipalArn": [...p.writerRoleArns] };
  /** What a writer in another account does here; everything else is denied to other accounts. */
  const writerActions = ["s3:PutObject", "s3:PutObjectAcl", "s3:GetEncryptionConfiguration"];
  const denyPut = (Sid: string, Condition: Statement["Condition"]): Statement => ({
    Sid,
    Effect: "Deny",
    Principal: "*",
    Action: "s3:PutObject",
    Resource: objects,
    Condition,
  });
  const statements: Statement[] = [
    denyInsecureTransport(bucket),
    {
      // Session Manager reads the bucket encryption before every upload and refuses to log to an unencrypted bucket.
      Sid: "OrganizationReadsEncryptionConfiguration",
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: "s3:GetEncryptionConfiguration",
      Resource: bucket,
      Condition: { StringEquals: org },
    },
    {
      // ${aws:PrincipalAccount} pins each account to its own prefix: account A cannot write B's logs even when
      // A's administrators grant themselves s3:*, because a cross-account write needs this policy too.
      Sid: "OrganizationWritesOwnPrefix",
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: ["s3:PutObject", "s3:PutObjectAcl"],
      Resource: ownObjects,
      Condition: { StringEquals: org, ArnLike: writers },
    },
    {
      // Only this project's roles write: not an account's administrators, not its other roles. A Deny, so a later
      // broader Allow in this policy cannot widen it.
      Sid: "DenyWritesByOtherPrincipals",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:PutObject", "s3:PutObjectAcl"],
      Resource: objects,
      Condition: { StringNotEquals: outsideLogAccount, ArnNotLike: writers },
    },
    {
      // Belt and braces for the statement above: even if someone in the log account later adds a broader allow,
      // no other account writes outside its own prefix.
      Sid: "DenyWritesOutsideOwnPrefix",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:PutObject", "s3:PutObjectAcl"],
      NotResource: ownObjects,
      Condition: { StringNotEquals: outsideLogAccount },
    },
    // A writer that names its own KMS key would make the transcript unreadable to the log account, and could
    // destroy it later by deleting that key. Only a header that is present and names another key is denied: older
    // SSM agents send no SSE header (the bucket default, the log key, applies), newer ones copy the bucket
    // default's key ARN into it. ...IfExists would not do: with the header absent it is true, and denies both.
    denyPut("DenyWritesWithAnotherKey", {
      StringNotEquals: { [KMS_KEY_HEADER]: p.keyArn },
      Null: { [KMS_KEY_HEADER]: "false" },
    }),
    // SSE-C: the writer keeps the key, so the log account could never read the transcript.
    denyPut("DenyWritesWithCustomerKeys", { Null: { "s3:x-amz-server-side-encryption-customer-algorithm": "false" } }),
    // A header asking for anything but SSE-KMS (AES256, DSSE) would bypass the log key.
    denyPut("DenyWritesWithOtherEncryption", {
      StringNotEquals: { [SSE_HEADER]: "aws:kms" },
      Null: { [SSE_HEADER]: "false" },
    }),
    // aws:kms without a key id would use the writer's account's aws/s3 key (PutObject API reference), not the log key.
    denyPut("DenyKmsWritesWithoutTheKey", {
      StringEquals: { [SSE_HEADER]: "aws:kms" },
      Null: { [KMS_KEY_HEADER]: "true" },
    }),
    {
      // Transcripts are evidence: other accounts write, and do nothing else, not even what S3 adds next year. A
      // list of what writers need, not of what they must not do.
      Sid: "DenyOtherAccountsReadDeleteAdminister",
      Effect: "Deny",
      Principal: "*",
      NotAction: writerActions,
      Resource: [bucket, objects],
      Condition: { StringNotEquals: outsideLogAccount },
    },
  ];
  return policy(...statements);
}

export interface AccessLogBucketPolicyProps {
  /** The log-archive account: the one account that owns both buckets. */
  readonly logAccountId: string;
  /** The bucket that receives the server access logs. */
  readonly bucketName: string;
  /** The bucket whose requests are logged: the transcript bucket. */
  readonly sourceBucketName: string;
}

/**
 * Bucket policy of the access-log bucket, which holds the transcript bucket's S3 server access logs: who read or
 * deleted which transcript. Only S3's log delivery writes, only under the transcript bucket's prefix, and only for
 * that bucket in this account (aws:SourceArn, aws:SourceAccount); no other account deletes a record or loosens the
 * bucket. Writes from other accounts need an allow here, and there is none.
 */
export function accessLogBucketPolicy(p: AccessLogBucketPolicyProps): PolicyDocument {
  const bucket = arn.bucket(p.bucketName);
  const objects = `${bucket}/*`;
  return policy(
    denyInsecureTransport(bucket),
    {
      // AWS's documented grant for server access logging to a bucket with ACLs disabled (BucketOwnerEnforced).
      Sid: "S3ServerAccessLogDelivery",
      Effect: "Allow",
      Principal: { Service: S3_LOG_DELIVERY_SERVICE },
      Action: "s3:PutObject",
      Resource: `${bucket}/${accessLogPrefix(p.sourceBucketName)}*`,
      Condition: {
        ArnEquals: { "aws:SourceArn": arn.bucket(p.sourceBucketName) },
        StringEquals: { "aws:SourceAccount": p.logAccountId },
      },
    },
    {
      // Access logs are evidence of who touched the transcripts: no other account removes or re-configures them.
      Sid: "DenyOtherAccountsDeleteAdminister",
      Effect: "Deny",
      Principal: "*",
      Action: [
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:PutBucketAcl",
        "s3:PutBucketOwnershipControls",
        "s3:PutBucketVersioning",
        "s3:PutEncryptionConfiguration",
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketPublicAccessBlock",
        "s3:DeleteBucket",
      ],
      Resource: [bucket, objects],
      Condition: { StringNotEquals: { "aws:PrincipalAccount": p.logAccountId } },
    },
  );
}

/**
 * The only default encryption S3 delivers server access logs under: SSE-S3. AWS documents SSE-KMS default encryption
 * as unsupported for a server access log target, and Object Lock as not allowed on one
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
 */
export const ACCESS_LOG_ENCRYPTION = "AES256";
