import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketObjectLockConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { privateBucketControls } from "./private-bucket";
import { accessLogPrefix } from "../config/naming";
import type { PolicyDocument } from "./policies/iam";
import { toTerraformJson } from "./terraform-json";

/** Storage class transcripts move to after `transitionDays`. */
export const ARCHIVE_STORAGE_CLASS = "GLACIER";
/** Incomplete multipart uploads (a session cut off mid-upload) are cleaned up after this many days. */
export const ABORT_INCOMPLETE_UPLOAD_DAYS = 7;

export interface SessionLogBucketProps {
  readonly bucketName: string;
  /** ARN of the customer-managed key for SSE-KMS. */
  readonly kmsKeyArn: string;
  /** The bucket policy. */
  readonly policy: PolicyDocument;
  /** Days before transcripts (and overwritten versions) expire. */
  readonly retentionDays: number;
  /** Days before transcripts move to Glacier Flexible Retrieval. */
  readonly transitionDays: number;
  /** S3 Object Lock default retention. @default no Object Lock */
  readonly objectLock?: { readonly mode: "GOVERNANCE" | "COMPLIANCE"; readonly days: number };
  /**
   * Where S3 server access logs of this bucket go (every read, write and delete of a transcript), under the prefix
   * `accessLogPrefix(bucketName)`; a bucket of the same account and region. @default no server access logging
   */
  readonly accessLogs?: { readonly bucketName: string; readonly accountId: string };
}

/**
 * The bucket for session transcripts: SSE-KMS with a bucket key, versioned, private, owner-enforced, with a
 * lifecycle, optional Object Lock and `prevent_destroy`. Audit logs are evidence, so nothing here can empty it.
 */
export class SessionLogBucket extends Construct {
  public readonly bucketName: string;

  constructor(scope: Construct, id: string, props: SessionLogBucketProps) {
    super(scope, id);
    const bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      forceDestroy: false,
      // Object Lock can only be chosen when the bucket is created; changing it later replaces the bucket,
      // which prevent_destroy refuses.
      objectLockEnabled: props.objectLock !== undefined ? true : undefined,
      lifecycle: { preventDestroy: true },
    });
    this.bucketName = bucket.bucket;

    new S3BucketVersioningA(this, "versioning", {
      bucket: bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn },
          bucketKeyEnabled: true,
        },
      ],
    });
    const publicAccess = privateBucketControls(this, bucket.id);
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: bucket.id,
      // S3's default since 2024, stated so reviewers see it: objects under 128 KB (many transcripts) stay in
      // S3 Standard, because Glacier's per-object overhead would cost more than it saves.
      transitionDefaultMinimumObjectSize: "all_storage_classes_128K",
      rule: [
        {
          id: "archive-then-expire-transcripts",
          status: "Enabled",
          filter: [{}],
          transition: [{ days: props.transitionDays, storageClass: ARCHIVE_STORAGE_CLASS }],
          expiration: [{ days: props.retentionDays }],
          // An overwritten or expired transcript stays recoverable for the full retention period.
          noncurrentVersionTransition: [{ noncurrentDays: props.transitionDays, storageClass: ARCHIVE_STORAGE_CLASS }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.retentionDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS }],
        },
      ],
    });
    if (props.objectLock !== undefined) {
      new S3BucketObjectLockConfigurationA(this, "object-lock", {
        bucket: bucket.id,
        rule: { defaultRetention: { mode: props.objectLock.mode, days: props.objectLock.days } },
      });
    }
    new S3BucketPolicy(this, "policy", {
      bucket: bucket.id,
      policy: toTerraformJson(props.policy),
      // Applying a policy while the public access block is still being created can race; order them.
      dependsOn: [publicAccess],
    });
    if (props.accessLogs !== undefined) {
      new S3BucketLoggingA(this, "access-logging", {
        bucket: bucket.id,
        // S3 refuses to apply the setting unless the transcript bucket belongs to this account.
        expectedBucketOwner: props.accessLogs.accountId,
        targetBucket: props.accessLogs.bucketName,
        targetPrefix: accessLogPrefix(props.bucketName),
      });
    }
  }
}
