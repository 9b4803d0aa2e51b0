import type { Rule, Violation } from "../types";
import { asList, identityPolicies } from "../terraform";

export const noWildcardActions: Rule = {
  id: "SM-IAM-1",
  title: "Identity policies are readable JSON and allow no * or service:* actions",
  severity: "error",
  rationale: "Wildcard actions grant whatever AWS adds to a service later; a policy the rules cannot read could grant anything.",
  controls: ["CKV_AWS_63", "CKV_AWS_62", "Security Hub IAM.21"],
  fix: "List the actions the principal needs, in a JSON policy built in modules/policies/.",
  check: ({ tf }) =>
    identityPolicies(tf).flatMap((p): Violation[] => {
      if (p.statements === undefined) {
        return [{ path: p.path, message: "the policy is not a JSON document (a data source or an expression): the rules cannot read it" }];
      }
      return p.statements
        .filter((s) => s.Effect === "Allow")
        .flatMap((s) => {
          const wild = asList(s.Action).filter((a) => a === "*" || /^[a-z0-9-]+:\*$/i.test(a));
          const not = s.NotAction !== undefined ? ["NotAction (allows everything else)"] : [];
          return [...wild, ...not].map((a) => ({ path: p.path, message: `statement ${s.Sid ?? "(no Sid)"} allows ${a}` }));
        });
    }),
};
