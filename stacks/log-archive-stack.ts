import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { LOG_ARCHIVE_STACK, logBucketName, logKeyAlias, transcriptWriterRoleArns } from "../config/naming";
import type { Config } from "../config/types";
import { logBucketPolicy, logKeyPolicy } from "../modules/policies/log-archive";
import { ProtectedKey } from "../modules/protected-key";
import { SessionLogBucket } from "../modules/session-log-bucket";
import { AccountStack } from "./account-stack";

/** The central logging account: the transcript bucket and the key that encrypts it. */
export class LogArchiveStack extends AccountStack {
  public readonly key: ProtectedKey;
  public readonly bucket: SessionLogBucket;

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
    this.bucket = new SessionLogBucket(this, "log-bucket", {
      bucketName: policyProps.bucketName,
      kmsKeyArn: this.key.keyArn,
      policy: logBucketPolicy({ ...policyProps, keyArn: this.key.keyArn }),
      retentionDays: log.retentionDays,
      transitionDays: log.transitionDays,
      objectLock: log.objectLock,
    });
    new TerraformOutput(this, "log-bucket-name", { value: this.bucket.bucketName, description: "Transcript bucket" });
    new TerraformOutput(this, "log-key-arn", { value: this.key.keyArn, description: "KMS key of the transcript bucket" });
  }
}
