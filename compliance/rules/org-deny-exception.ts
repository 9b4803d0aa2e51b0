import { scpExemptPrincipals } from "../../config/naming";
import type { Rule, Violation } from "../types";
import { asList, controlPolicies } from "../terraform";

export const orgDenyException: Rule = {
  id: "SM-ORG-2",
  title: "Every SCP Deny spares every exempt principal (ArnNotLike aws:PrincipalArn)",
  severity: "error",
  rationale: "An SCP Deny without the exception locks the deploy and break-glass roles out of the setup in every member account.",
  controls: [],
  fix: "Build SCP statements with exemptCondition(organization.guardrails.exemptPrincipals) (modules/policies/organization.ts).",
  check: ({ tf, config }) => {
    const exempt = config.organizationGuardrails === undefined ? [] : scpExemptPrincipals(config);
    const violations: Violation[] = [];
    for (const p of controlPolicies(tf).filter((c) => c.policyType === "SERVICE_CONTROL_POLICY")) {
      for (const s of p.statements.filter((st) => st.Effect === "Deny")) {
        const spared = asList(s.Condition?.ArnNotLike?.["aws:PrincipalArn"] as string | string[] | undefined);
        const missing = exempt.filter((e) => !spared.includes(e));
        if (spared.length === 0 || missing.length > 0) {
          violations.push({ path: p.path, message: `Deny ${s.Sid ?? "(no Sid)"} does not spare ${spared.length === 0 ? "any principal" : missing.join(", ")}` });
        }
      }
    }
    return violations;
  },
};
