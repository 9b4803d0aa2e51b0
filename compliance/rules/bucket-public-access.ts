import type { Rule } from "../types";
import { attachedTo, resources } from "../terraform";

const SETTINGS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"] as const;

export const bucketPublicAccess: Rule = {
  id: "SM-S3-3",
  title: "All four S3 Block Public Access settings are on",
  severity: "error",
  rationale: "One policy or ACL mistake must not be enough to publish session transcripts.",
  controls: ["Security Hub S3.8", "CIS AWS 2.1.4"],
  fix: "Add aws_s3_bucket_public_access_block with all four settings true.",
  check: ({ tf }) =>
    resources(tf, "aws_s3_bucket").flatMap((b) => {
      const block = attachedTo(tf, "aws_s3_bucket_public_access_block", "bucket", b)[0]?.body ?? {};
      const off = SETTINGS.filter((s) => block[s] !== true);
      return off.length === 0 ? [] : [{ path: b.path, message: `public access block: ${off.join(", ")} not true` }];
    }),
};
