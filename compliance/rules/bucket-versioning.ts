import type { Rule } from "../types";
import { attachedTo, resources, show } from "../terraform";

export const bucketVersioning: Rule = {
  id: "SM-S3-2",
  title: "Buckets keep every version",
  severity: "error",
  rationale: "Without versioning an overwrite or delete loses the transcript; Object Lock needs it too.",
  controls: ["CKV_AWS_21", "Security Hub S3.14"],
  fix: "Add aws_s3_bucket_versioning with status Enabled.",
  check: ({ tf }) =>
    resources(tf, "aws_s3_bucket").flatMap((b) => {
      const status = attachedTo(tf, "aws_s3_bucket_versioning", "bucket", b).map((v) => v.body.versioning_configuration?.status);
      return status.includes("Enabled") ? [] : [{ path: b.path, message: `versioning status is ${show(status[0])}` }];
    }),
};
