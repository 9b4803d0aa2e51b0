import type { Rule } from "../types";
import { attachedTo, resources, show } from "../terraform";

export const objectLock: Rule = {
  id: "SM-S3-10",
  title: "Transcripts are write-once (S3 Object Lock), when compliance.requireObjectLock is true",
  severity: "error",
  rationale: "Versioning keeps old versions; only Object Lock stops a privileged user in the log account from deleting them.",
  controls: ["Security Hub S3.15", "CKV_AWS_143"],
  fix: "Remove logArchive.objectLock: false (Object Lock is on by default), or set compliance.requireObjectLock: false.",
  check: ({ tf, config }) =>
    !config.compliance.requireObjectLock
      ? []
      : resources(tf, "aws_s3_bucket").flatMap((b) => {
          const rule = attachedTo(tf, "aws_s3_bucket_object_lock_configuration", "bucket", b)[0]?.body.rule;
          if (b.body.object_lock_enabled === true && rule?.default_retention?.mode !== undefined) return [];
          return [
            {
              path: b.path,
              message: `object_lock_enabled is ${show(b.body.object_lock_enabled)}, default retention mode is ${show(rule?.default_retention?.mode)}`,
            },
          ];
        }),
};
