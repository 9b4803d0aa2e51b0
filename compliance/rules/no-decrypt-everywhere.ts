import type { Rule } from "../types";
import { actionCovers, asList, identityPolicies } from "../terraform";

/** The actions Security Hub KMS.1/KMS.2 block on all keys. */
const DECRYPTING = ["kms:Decrypt", "kms:ReEncryptFrom"];

export const noDecryptEverywhere: Rule = {
  id: "SM-IAM-2",
  title: "Identity policies do not allow kms:Decrypt or kms:ReEncryptFrom on every key",
  severity: "error",
  rationale: "Decrypt on * reads anything any key in any account will let it, including other teams' data.",
  controls: ["Security Hub KMS.1", "Security Hub KMS.2"],
  fix: "Name the keys (or one account's keys, narrowed by kms:ViaService and the encryption context).",
  check: ({ tf }) =>
    identityPolicies(tf).flatMap((p) =>
      (p.statements ?? [])
        .filter((s) => s.Effect === "Allow" && DECRYPTING.some((d) => asList(s.Action).some((a) => actionCovers(a, d))))
        .filter((s) => s.NotResource !== undefined || asList(s.Resource).some((r) => r === "*" || /^arn:[^:]+:kms:\*:\*:/.test(r)))
        .map((s) => ({
          path: p.path,
          message: `statement ${s.Sid ?? "(no Sid)"} allows decryption on ${s.NotResource !== undefined ? `everything but ${JSON.stringify(s.NotResource)}` : JSON.stringify(s.Resource)}`,
        })),
    ),
};
