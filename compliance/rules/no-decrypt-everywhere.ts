import type { Rule } from "../types";
import { actionCovers, asList, IDENTITY_POLICY_TYPES, policyStatements, resources } from "../terraform";

export const noDecryptEverywhere: Rule = {
  id: "SM-IAM-2",
  title: "Identity policies do not allow kms:Decrypt on every key",
  severity: "error",
  rationale: "Decrypt on * reads anything any key in any account will let it, including other teams' data.",
  controls: ["Security Hub KMS.1", "Security Hub KMS.2"],
  fix: "Name the keys (or one account's keys, narrowed by kms:ViaService and the encryption context).",
  check: ({ tf }) =>
    IDENTITY_POLICY_TYPES.flatMap((type) =>
      resources(tf, type).flatMap((p) =>
        (policyStatements(p.body.policy) ?? [])
          .filter((s) => s.Effect === "Allow" && asList(s.Action).some((a) => actionCovers(a, "kms:Decrypt")))
          .filter((s) => asList(s.Resource).some((r) => r === "*" || /^arn:[^:]+:kms:\*:\*:/.test(r)))
          .map((s) => ({ path: p.path, message: `statement ${s.Sid ?? "(no Sid)"} allows kms:Decrypt on ${JSON.stringify(s.Resource)}` })),
      ),
    ),
};
