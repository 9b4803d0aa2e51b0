import type { Rule } from "../types";
import { logBucketName } from "../../config/naming";
import { accessLogTargets, attachedTo, resources, show } from "../terraform";

export const objectLock: Rule = {
  id: "SM-S3-10",
  title: "Transcripts are write-once (S3 Object Lock), when compliance.requireObjectLock is true",
  severity: "error",
  rationale: "Versioning keeps old versions; only Object Lock stops a privileged user in the log account from deleting them.",
  controls: ["Security Hub S3.15", "CKV_AWS_143"],
  fix: "Remove logArchive.objectLock: false (Object Lock is on by default), or set compliance.requireObjectLock: false.",
  check: ({ tf, config }) => {
    if (!config.compliance.requireObjectLock) return [];
    // S3 cannot deliver server access logs to a bucket with Object Lock: the access-log bucket relies on its bucket
    // policy (no other account deletes) and versioning instead. The transcript bucket is never excused.
    const targets = new Set(accessLogTargets(tf, logBucketName(config.namePrefix, config.logArchive.accountId)).map((b) => b.address));
    return resources(tf, "aws_s3_bucket")
      .filter((b) => !targets.has(b.address))
      .flatMap((b) => {
          const rule = attachedTo(tf, "aws_s3_bucket_object_lock_configuration", "bucket", b)[0]?.body.rule;
          if (b.body.object_lock_enabled === true && rule?.default_retention?.mode !== undefined) return [];
          return [
            {
              path: b.path,
              message: `object_lock_enabled is ${show(b.body.object_lock_enabled)}, default retention mode is ${show(rule?.default_retention?.mode)}`,
            },
          ];
        });
  },
};
