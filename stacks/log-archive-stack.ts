import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { accessLogBucketName, LOG_ARCHIVE_STACK, logBucketName, logKeyAlias, transcriptWriterRoleArns } from "../config/naming";
import type { Config } from "../config/types";
import { AccessLogBucket } from "../modules/access-log-bucket";
import { accessLogBucketPolicy, logBucketPolicy, logKeyPolicy } from "../modules/policies/log-archive";
import { ProtectedKey } from "../modules/protected-key";
import { SessionLogBucket } from "../modules/session-log-bucket";
import { AccountStack } from "./account-stack";

/**
 * The central logging account: the transcript bucket, the key that encrypts it, and the bucket that records every
 * request made to the transcripts (S3 server access logs).
 */
export class LogArchiveStack extends AccountStack {
  public readonly key: ProtectedKey;
  public readonly bucket: SessionLogBucket;
  public readonly accessLogs: AccessLogBucket;

  constructor(scope: Construct, config: Config) {
    const log = config.logArchive;
    super(scope, LOG_ARCHIVE_STACK, { config, accountId: log.accountId, regions: [log.region] });
    const policyProps = {
      organizationId: config.organizationId,
      logAccountId: log.accountId,
      region: log.region,
      bucketName: logBucketName(config.namePrefix, log.accountId),
      writerRoleArns: transcriptWriterRoleArns(config.namePrefix),
    };
    this.key = new ProtectedKey(this, "log-key", {
      description: "Session Manager transcripts in the log-archive bucket",
      alias: logKeyAlias(config.namePrefix),
      policy: logKeyPolicy(policyProps),
    });
    // Who read or deleted a transcript is recorded nowhere else: S3 server access logs, kept as long as transcripts.
    this.accessLogs = new AccessLogBucket(this, "access-log-bucket", {
      bucketName: accessLogBucketName(config.namePrefix, log.accountId),
      policy: accessLogBucketPolicy({
        logAccountId: log.accountId,
        bucketName: accessLogBucketName(config.namePrefix, log.accountId),
        sourceBucketName: policyProps.bucketName,
      }),
      retentionDays: log.retentionDays,
    });
    this.bucket = new SessionLogBucket(this, "log-bucket", {
      bucketName: policyProps.bucketName,
      kmsKeyArn: this.key.keyArn,
      policy: logBucketPolicy({ ...policyProps, keyArn: this.key.keyArn }),
      retentionDays: log.retentionDays,
      transitionDays: log.transitionDays,
      objectLock: log.objectLock,
      accessLogs: { bucketName: this.accessLogs.bucketName, accountId: log.accountId },
    });
    new TerraformOutput(this, "log-bucket-name", { value: this.bucket.bucketName, description: "Transcript bucket" });
    new TerraformOutput(this, "access-log-bucket-name", {
      value: this.accessLogs.bucketName,
      description: "S3 server access logs of the transcript bucket: who read, wrote or deleted which transcript",
    });
    new TerraformOutput(this, "log-key-arn", { value: this.key.keyArn, description: "KMS key of the transcript bucket" });
  }
}
