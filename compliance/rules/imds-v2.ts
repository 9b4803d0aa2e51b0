import type { Rule } from "../types";
import { resources, show } from "../terraform";

export const imdsV2: Rule = {
  id: "SM-EC2-1",
  title: "Instances require IMDSv2 (session tokens for the metadata service)",
  severity: "error",
  rationale: "IMDSv1 hands the instance role's credentials to any request a proxied or SSRF-able process makes.",
  controls: ["CKV_AWS_79", "Security Hub EC2.8", "Prowler ec2_instance_imdsv2_enabled"],
  fix: 'Set metadata_options { http_tokens = "required" } (SessionBastion does).',
  check: ({ tf }) =>
    resources(tf, "aws_instance")
      .filter((i) => i.body.metadata_options?.http_tokens !== "required")
      .map((i) => ({ path: i.path, message: `metadata_options.http_tokens is ${show(i.body.metadata_options?.http_tokens)}` })),
};
