import type { Rule } from "../types";
import { policyStatements, resources } from "../terraform";

export const keyPolicyPresent: Rule = {
  id: "SM-KMS-3",
  title: "Every KMS key has an explicit key policy",
  severity: "error",
  rationale: "Without one, AWS applies its default policy, and nothing in review shows who may use the key.",
  controls: ["CKV2_AWS_64"],
  fix: "Give the key a policy built in modules/policies/.",
  check: ({ tf }) =>
    resources(tf, "aws_kms_key")
      .filter((k) => (policyStatements(k.body.policy) ?? []).length === 0)
      .map((k) => ({ path: k.path, message: k.body.policy === undefined ? "policy is unset" : "policy has no statements or is not JSON" })),
};
