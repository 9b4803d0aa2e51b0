import type { Rule } from "../types";
import { awsPrincipals, conditionKeys, policyStatements, resources } from "../terraform";

/** Condition keys that tie a wildcard principal to known accounts or callers. */
export const RESTRICTING_KEYS = [
  "aws:principalorgid",
  "aws:principalaccount",
  "aws:principalarn",
  "aws:sourceaccount",
  "aws:sourcearn",
  "aws:sourceorgid",
  "kms:calleraccount",
];

export const keyPolicyPrincipals: Rule = {
  id: "SM-KMS-4",
  title: "No key policy allows a wildcard principal without an account or organization condition",
  severity: "error",
  rationale: "Principal * with no restricting condition lets any AWS account use the key.",
  controls: ["CKV_AWS_33", "Security Hub KMS.5", "Prowler kms_key_not_publicly_accessible"],
  fix: `Add a condition on one of ${RESTRICTING_KEYS.join(", ")} to the statement, or name the principals.`,
  check: ({ tf }) =>
    resources(tf, "aws_kms_key").flatMap((k) =>
      (policyStatements(k.body.policy) ?? [])
        .filter((s) => s.Effect === "Allow" && awsPrincipals(s.Principal).includes("*"))
        .filter((s) => !conditionKeys(s).some((c) => RESTRICTING_KEYS.includes(c)))
        .map((s) => ({ path: k.path, message: `statement ${s.Sid ?? "(no Sid)"} allows Principal * with no account or organization condition` })),
    ),
};
