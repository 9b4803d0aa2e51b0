import { ACCESS_LOG_ENCRYPTION } from "./policies/log-archive";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { privateBucketControls } from "./private-bucket";
import type { PolicyDocument } from "./policies/iam";
import { ABORT_INCOMPLETE_UPLOAD_DAYS } from "./session-log-bucket";
import { toTerraformJson } from "./terraform-json";


export interface AccessLogBucketProps {
  readonly bucketName: string;
  /** The bucket policy: S3 log delivery writes, nobody else deletes or re-configures. */
  readonly policy: PolicyDocument;
  /** Days before access log records (and overwritten versions) expire: the transcripts' retention. */
  readonly retentionDays: number;
}

/**
 * The bucket that receives the transcript bucket's S3 server access logs: versioned, private, owner-enforced,
 * SSE-S3, with a lifecycle and `prevent_destroy`. No Object Lock and no KMS key, because S3 cannot deliver server
 * access logs to a bucket with either; the bucket policy is what keeps other accounts from the records.
 */
export class AccessLogBucket extends Construct {
  public readonly bucketName: string;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    const bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      forceDestroy: false,
      lifecycle: { preventDestroy: true },
    });
    this.bucketName = bucket.bucket;

    new S3BucketVersioningA(this, "versioning", {
      bucket: bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: ACCESS_LOG_ENCRYPTION } }],
    });
    // ACLs off: S3 log delivery is then granted by the bucket policy alone, as AWS documents for this setting.
    const publicAccess = privateBucketControls(this, bucket.id);
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: bucket.id,
      rule: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: [{}],
          expiration: [{ days: props.retentionDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.retentionDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS }],
        },
      ],
    });
    new S3BucketPolicy(this, "policy", {
      bucket: bucket.id,
      policy: toTerraformJson(props.policy),
      dependsOn: [publicAccess],
    });
  }
}
