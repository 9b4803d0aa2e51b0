import type { Rule } from "../types";
import { attachedTo, resources, show } from "../terraform";

export const bucketOwnership: Rule = {
  id: "SM-S3-4",
  title: "Object ownership is BucketOwnerEnforced (ACLs off), and no ACL is set",
  severity: "error",
  rationale: "With ACLs on, a writer from another account could keep ownership of its transcript and the log account lose it.",
  controls: ["Security Hub S3.12"],
  fix: "Add aws_s3_bucket_ownership_controls with object_ownership BucketOwnerEnforced, and no aws_s3_bucket_acl.",
  check: ({ tf }) =>
    resources(tf, "aws_s3_bucket").flatMap((b) => {
      const ownership = attachedTo(tf, "aws_s3_bucket_ownership_controls", "bucket", b).map((o) => o.body.rule?.object_ownership);
      const out = ownership.includes("BucketOwnerEnforced") ? [] : [{ path: b.path, message: `object_ownership is ${show(ownership[0])}` }];
      return [...out, ...attachedTo(tf, "aws_s3_bucket_acl", "bucket", b).map((a) => ({ path: a.path, message: "the bucket has an ACL resource" }))];
    }),
};
