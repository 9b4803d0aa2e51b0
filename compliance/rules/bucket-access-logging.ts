import type { Rule } from "../types";
import { logBucketName } from "../../config/naming";
import { accessLogTargets, referenced, resources, type Resource } from "../terraform";

export const bucketAccessLogging: Rule = {
  id: "SM-S3-11",
  title: "Buckets record every request in S3 server access logs, delivered to another bucket",
  severity: "error",
  rationale: "Without them, nothing records who read or deleted a transcript: CloudTrail logs object reads only with data events.",
  controls: ["Security Hub S3.9", "CKV_AWS_18", "Prowler s3_bucket_server_access_logging_enabled"],
  fix: "Give the bucket aws_s3_bucket_logging with target_bucket the access-log bucket (SessionLogBucket's accessLogs does).",
  check: ({ tf, config }) => {
    // A bucket that receives access logs is not logged itself: AWS advises against it, and into itself it would loop.
    const targets = new Set(accessLogTargets(tf, logBucketName(config.namePrefix, config.logArchive.accountId)).map((b) => b.address));
    const isBucket = (b: Resource, value: unknown): boolean => referenced(tf, value)?.address === b.address || value === b.body.bucket;
    return resources(tf, "aws_s3_bucket")
      .filter((b) => !targets.has(b.address))
      .flatMap((b) => {
        const logging = resources(tf, "aws_s3_bucket_logging").filter((l) => isBucket(b, l.body.bucket));
        if (logging.length === 0) return [{ path: b.path, message: "the bucket has no server access logging (aws_s3_bucket_logging)" }];
        return logging
          .filter((l) => isBucket(b, l.body.target_bucket))
          .map((l) => ({ path: l.path, message: "the bucket logs into itself, which loops and lets whoever may delete transcripts delete their traces" }));
      });
  },
};
