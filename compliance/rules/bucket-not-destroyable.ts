import type { Rule, Violation } from "../types";
import { resources, show } from "../terraform";

export const bucketNotDestroyable: Rule = {
  id: "SM-S3-9",
  title: "Buckets cannot be destroyed with their objects (no force_destroy; prevent_destroy)",
  severity: "error",
  rationale: "Audit logs are evidence: a plan must never be able to delete them.",
  controls: [],
  fix: "Remove force_destroy and keep lifecycle.prevent_destroy = true (SessionLogBucket does).",
  check: ({ tf }) =>
    resources(tf, "aws_s3_bucket").flatMap((b): Violation[] => [
      ...(b.body.force_destroy === true ? [{ path: b.path, message: "force_destroy is true" }] : []),
      ...(b.body.lifecycle?.prevent_destroy === true ? [] : [{ path: b.path, message: `lifecycle.prevent_destroy is ${show(b.body.lifecycle?.prevent_destroy)}` }]),
    ]),
};
