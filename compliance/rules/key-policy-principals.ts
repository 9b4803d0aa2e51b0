import type { Rule } from "../types";
import { awsPrincipals, policyStatements, resources, restrictsPrincipal, RESTRICTING_KEYS } from "../terraform";

export const keyPolicyPrincipals: Rule = {
  id: "SM-KMS-4",
  title: "No key policy allows a wildcard principal without an account or organization condition",
  severity: "error",
  rationale: "Principal * with no restricting condition lets any AWS account use the key.",
  controls: ["CKV_AWS_33", "Security Hub KMS.5", "Prowler kms_key_not_publicly_accessible"],
  fix: `Add StringEquals (or ArnEquals) on one of ${RESTRICTING_KEYS.join(", ")}, with literal values, or name the principals.`,
  check: ({ tf }) =>
    resources(tf, "aws_kms_key").flatMap((k) =>
      (policyStatements(k.body.policy) ?? [])
        .filter((s) => s.Effect === "Allow" && awsPrincipals(s.Principal).includes("*"))
        .filter((s) => !restrictsPrincipal(s))
        .map((s) => ({ path: k.path, message: `statement ${s.Sid ?? "(no Sid)"} allows Principal * with no exact account or organization condition` })),
    ),
};
