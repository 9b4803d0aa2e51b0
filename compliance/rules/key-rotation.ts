import type { Rule } from "../types";
import { resources, show } from "../terraform";

export const keyRotation: Rule = {
  id: "SM-KMS-1",
  title: "KMS keys rotate yearly",
  severity: "error",
  rationale: "Rotation limits how much data one key version protects; auditors expect it for customer-managed keys.",
  controls: ["CKV_AWS_7", "Security Hub KMS.4", "CIS AWS 3.6", "Prowler kms_cmk_rotation_enabled"],
  fix: "Set enable_key_rotation = true (ProtectedKey does).",
  check: ({ tf }) =>
    resources(tf, "aws_kms_key")
      .filter((k) => k.body.enable_key_rotation !== true)
      .map((k) => ({ path: k.path, message: `enable_key_rotation is ${show(k.body.enable_key_rotation)}` })),
};
