import type { Rule } from "../types";
import { resources, show } from "../terraform";

export const logGroupEncryption: Rule = {
  id: "SM-CW-1",
  title: "Log groups (session transcripts, the watchdog's) are encrypted with a KMS key",
  severity: "error",
  rationale: "Transcripts hold what people typed, secrets included; the key policy decides who can read them.",
  controls: ["CKV_AWS_158", "Prowler cloudwatch_log_group_kms_encryption_enabled"],
  fix: "Set kms_key_id to a key of this stack (SessionPreferences and SessionWatchdog do).",
  check: ({ tf }) =>
    resources(tf, "aws_cloudwatch_log_group")
      .filter((g) => typeof g.body.kms_key_id !== "string" || g.body.kms_key_id === "")
      .map((g) => ({ path: g.path, message: `kms_key_id is ${show(g.body.kms_key_id)}` })),
};
