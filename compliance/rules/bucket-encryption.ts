import type { Rule } from "../types";
import { logBucketName } from "../../config/naming";
import { ACCESS_LOG_ENCRYPTION } from "../../modules/policies/log-archive";
import { accessLogTargets, asList, attachedTo, referenced, resources } from "../terraform";

export const bucketEncryption: Rule = {
  id: "SM-S3-1",
  title: "Buckets are encrypted by default with a customer-managed KMS key (SSE-KMS); server access log targets with SSE-S3",
  severity: "error",
  rationale: "SSE-S3 or the aws/s3 key cannot be restricted by a key policy, so anyone who may read objects may decrypt them.",
  controls: ["CKV_AWS_145", "Security Hub S3.17", "Prowler s3_bucket_kms_encryption"],
  fix: "Give the bucket aws_s3_bucket_server_side_encryption_configuration with sse_algorithm aws:kms and the log key.",
  check: ({ tf, config }) => {
    // S3 delivers server access logs only to a bucket whose default encryption is SSE-S3 (AWS documents SSE-KMS as
    // unsupported there): such a bucket must say AES256, and its bucket policy is what guards its records.
    const targets = new Set(accessLogTargets(tf, logBucketName(config.namePrefix, config.logArchive.accountId)).map((b) => b.address));
    return resources(tf, "aws_s3_bucket").flatMap((b) => {
      const rules = attachedTo(tf, "aws_s3_bucket_server_side_encryption_configuration", "bucket", b).flatMap((c) => asList(c.body.rule));
      const kms = rules.map((r: Record<string, any>) => r.apply_server_side_encryption_by_default ?? {});
      if (targets.has(b.address)) {
        const ok = kms.length > 0 && kms.every((d: Record<string, any>) => d.sse_algorithm === ACCESS_LOG_ENCRYPTION);
        return ok
          ? []
          : [{ path: b.path, message: `receives server access logs, and its default encryption is ${kms.length === 0 ? "unset" : JSON.stringify(kms)}, not ${ACCESS_LOG_ENCRYPTION} (SSE-S3), the only one S3 delivers them under` }];
      }
      const ok = kms.some((d: Record<string, any>) => d.sse_algorithm === "aws:kms" && referenced(tf, d.kms_master_key_id)?.type === "aws_kms_key");
      return ok ? [] : [{ path: b.path, message: `default encryption is ${kms.length === 0 ? "unset" : JSON.stringify(kms)}, not aws:kms with a key of this stack` }];
    });
  },
};
