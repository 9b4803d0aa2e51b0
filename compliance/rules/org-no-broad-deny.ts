import type { Rule, Violation } from "../types";
import { asList, controlPolicies } from "../terraform";

/** Actions whose blanket Deny would take the organization, or every account's IAM, out of everyone's hands. */
const FORBIDDEN = ["*", "iam:*", "organizations:*"];

export const orgNoBroadDeny: Rule = {
  id: "SM-ORG-4",
  title: "No SCP or RCP denies *, iam:* or organizations:* (or uses NotAction) on every resource",
  severity: "error",
  rationale: "A blanket Deny on IAM or Organizations locks administrators out of every member account; recovery needs the management account.",
  controls: [],
  fix: "Deny named actions on this project's resources only (modules/policies/organization.ts).",
  check: ({ tf }) => {
    const violations: Violation[] = [];
    for (const p of controlPolicies(tf)) {
      for (const s of p.statements.filter((st) => st.Effect === "Deny")) {
        const everywhere = asList(s.Resource).includes("*") || s.NotResource !== undefined;
        const broad = s.NotAction !== undefined || asList(s.Action).some((a) => FORBIDDEN.includes(a.toLowerCase()));
        if (everywhere && broad) {
          violations.push({ path: p.path, message: `Deny ${s.Sid ?? "(no Sid)"} covers ${s.NotAction !== undefined ? "NotAction" : asList(s.Action).join(", ")} on every resource` });
        }
      }
    }
    return violations;
  },
};
