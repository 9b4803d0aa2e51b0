import type { Rule } from "../types";
import { asList, attachedTo, resources } from "../terraform";

export const bucketLifecycle: Rule = {
  id: "SM-S3-5",
  title: "Buckets have a lifecycle, and it keeps objects at least the minimum log retention",
  severity: "error",
  rationale: "Transcripts must outlive the retention an audit asks for, and must not pile up forever unmanaged.",
  controls: ["Security Hub S3.13"],
  fix: "Add a lifecycle whose expiration (if any) is at least compliance.minLogRetentionDays; raise logArchive.retentionDays.",
  check: ({ tf, config }) =>
    resources(tf, "aws_s3_bucket").flatMap((b) => {
      const rules = attachedTo(tf, "aws_s3_bucket_lifecycle_configuration", "bucket", b).flatMap((l) => asList(l.body.rule));
      if (rules.length === 0) return [{ path: b.path, message: "the bucket has no lifecycle configuration" }];
      const min = config.compliance.minLogRetentionDays;
      // Current versions (expiration.days) and the versions an overwrite leaves (noncurrent_days) both count.
      return rules.flatMap((r: Record<string, any>) => [
        ...asList(r.expiration)
          .map((e: Record<string, any>) => e.days)
          .filter((days) => typeof days === "number" && days < min)
          .map((days) => ({
            path: b.path,
            message: `lifecycle rule ${r.id ?? "(no id)"} expires objects after ${days} days, below compliance.minLogRetentionDays (${min})`,
          })),
        ...asList(r.noncurrent_version_expiration)
          .map((e: Record<string, any>) => e.noncurrent_days)
          .filter((days) => typeof days === "number" && days < min)
          .map((days) => ({
            path: b.path,
            message: `lifecycle rule ${r.id ?? "(no id)"} expires overwritten versions after ${days} days, below compliance.minLogRetentionDays (${min})`,
          })),
        ...asList(r.expiration)
          .filter((e: Record<string, any>) => e.date !== undefined)
          .map((e: Record<string, any>) => ({ path: b.path, message: `lifecycle rule ${r.id ?? "(no id)"} expires objects on a fixed date (${String(e.date)})` })),
      ]);
    }),
};
