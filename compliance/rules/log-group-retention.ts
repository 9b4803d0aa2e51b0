import type { Rule } from "../types";
import { resources } from "../terraform";

export const logGroupRetention: Rule = {
  id: "SM-CW-2",
  title: "Log groups keep logs at least the minimum log retention",
  severity: "error",
  rationale: "Investigations look back months; logs that expire sooner than policy requires are lost evidence.",
  controls: ["CKV_AWS_338", "Security Hub CloudWatch.16", "Prowler cloudwatch_log_group_retention_policy_specific_days_enabled"],
  fix: "Raise session.cloudWatch.retentionDays, or lower compliance.minLogRetentionDays.",
  check: ({ tf, config }) =>
    resources(tf, "aws_cloudwatch_log_group")
      .filter((g) => typeof g.body.retention_in_days === "number" && g.body.retention_in_days > 0 && g.body.retention_in_days < config.compliance.minLogRetentionDays)
      .map((g) => ({
        path: g.path,
        message: `retention_in_days is ${g.body.retention_in_days}, below compliance.minLogRetentionDays (${config.compliance.minLogRetentionDays})`,
      })),
};
