import type { Rule, Violation } from "../types";
import { asList, IDENTITY_POLICY_TYPES, policyStatements, resources } from "../terraform";

export const noWildcardActions: Rule = {
  id: "SM-IAM-1",
  title: "Identity policies allow no * or service:* actions",
  severity: "error",
  rationale: "Wildcard actions grant whatever AWS adds to a service later, and hide what a principal can really do.",
  controls: ["CKV_AWS_63", "CKV_AWS_62", "Security Hub IAM.21"],
  fix: "List the actions the principal needs.",
  check: ({ tf }) =>
    IDENTITY_POLICY_TYPES.flatMap((type) =>
      resources(tf, type).flatMap((p) =>
        (policyStatements(p.body.policy) ?? [])
          .filter((s) => s.Effect === "Allow")
          .flatMap((s): Violation[] => {
            const wild = asList(s.Action).filter((a) => a === "*" || /^[a-z0-9-]+:\*$/i.test(a));
            const not = s.NotAction !== undefined ? ["NotAction (allows everything else)"] : [];
            return [...wild, ...not].map((a) => ({ path: p.path, message: `statement ${s.Sid ?? "(no Sid)"} allows ${a}` }));
          }),
      ),
    ),
};
