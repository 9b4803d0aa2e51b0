import type { Rule, Violation } from "../types";
import { controlPolicies, referenced, resources } from "../terraform";

export const orgAttachments: Rule = {
  id: "SM-ORG-3",
  title: "The organization stack has an SCP and an RCP, each attached to every configured target",
  severity: "error",
  rationale: "A policy attached nowhere, or to some targets only, protects nothing where it is missing.",
  controls: [],
  fix: "Keep the OrganizationStack's ControlPolicies and organization.guardrails.targets.",
  check: ({ tf, config, stack }) => {
    const targets = config.organizationGuardrails?.targets;
    const policies = controlPolicies(tf);
    if (targets === undefined || (policies.length === 0 && resources(tf, "aws_organizations_policy_attachment").length === 0)) {
      // Only the organization stack holds them; it exists only with organization.guardrails.
      return stack === "organization" && targets !== undefined ? [{ path: stack, message: "no SCP or RCP" }] : [];
    }
    const violations: Violation[] = [];
    for (const type of ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"]) {
      if (!policies.some((p) => p.policyType === type)) violations.push({ path: stack, message: `no ${type}` });
    }
    const attachments = resources(tf, "aws_organizations_policy_attachment");
    for (const p of policies) {
      const attached = attachments.filter((a) => referenced(tf, a.body.policy_id)?.address === p.address).map((a) => String(a.body.target_id));
      const missing = targets.filter((t) => !attached.includes(t));
      if (missing.length > 0) violations.push({ path: p.path, message: `${String(p.body.name)} is not attached to ${missing.join(", ")}` });
    }
    return violations;
  },
};
