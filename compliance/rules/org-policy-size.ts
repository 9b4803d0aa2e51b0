import { CONTROL_POLICY_MAX_CHARS, OWN_POLICIES_PER_TARGET } from "../../modules/policies/organization";
import type { Rule, Violation } from "../types";
import { controlPolicies, referenced, resources } from "../terraform";

export const orgPolicySize: Rule = {
  id: "SM-ORG-1",
  title: "Every SCP and RCP fits AWS's 5,120 characters, and no target gets more than it can hold",
  severity: "error",
  rationale: "Organizations refuses a larger document or a sixth policy at apply time, half-way through a change.",
  controls: [],
  fix: "List fewer organization.guardrails.exemptPrincipals; the organization stack splits statements across policies.",
  check: ({ tf }) => {
    const violations: Violation[] = [];
    const policies = controlPolicies(tf);
    for (const p of policies) {
      if (p.size > CONTROL_POLICY_MAX_CHARS) violations.push({ path: p.path, message: `${String(p.body.name)} is ${p.size} characters, over ${CONTROL_POLICY_MAX_CHARS}` });
    }
    const perTarget = new Map<string, number>();
    for (const a of resources(tf, "aws_organizations_policy_attachment")) {
      const policy = policies.find((p) => p.address === referenced(tf, a.body.policy_id)?.address);
      const key = `${String(a.body.target_id)} ${policy?.policyType ?? "unknown"}`;
      perTarget.set(key, (perTarget.get(key) ?? 0) + 1);
    }
    for (const [key, n] of perTarget) {
      if (n > OWN_POLICIES_PER_TARGET) violations.push({ path: key.split(" ")[0], message: `${n} ${key.split(" ")[1]} attachments, over the ${OWN_POLICIES_PER_TARGET} left beside AWS's default policy` });
    }
    return violations;
  },
};
