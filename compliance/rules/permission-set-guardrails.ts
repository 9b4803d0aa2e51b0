import {
  accessPolicyName,
  guardrailPolicyName,
  IAM_PATH,
  IDENTITY_CENTER_STACK,
  permissionSetName,
  setupGuardrailPolicyName,
} from "../../config/naming";
import type { Rule, Violation } from "../types";
import { referenced, resources } from "../terraform";

/** Permission set policy forms other than customer managed policy references: none is this project's. */
const OTHER_GRANTS = ["aws_ssoadmin_permission_set_inline_policy", "aws_ssoadmin_managed_policy_attachment", "aws_ssoadmin_permissions_boundary_attachment"];

export const permissionSetGuardrails: Rule = {
  id: "SM-IDC-1",
  title: "Every permission set references its access policy and both guardrail policies, and nothing else",
  severity: "error",
  rationale: "A permission set without the guardrails gives its members the access policy's Allows without the Denies that hold them.",
  controls: [],
  fix: "Keep the SessionPermissionSet construct of the identity-center stack (modules/permission-set.ts) and its references.",
  check: ({ tf, config, stack }) => {
    if (stack !== IDENTITY_CENTER_STACK) return [];
    const violations: Violation[] = [];
    const prefix = config.namePrefix;
    const sets = resources(tf, "aws_ssoadmin_permission_set");
    const attachments = resources(tf, "aws_ssoadmin_customer_managed_policy_attachment");
    for (const workload of config.workloads) {
      for (const group of workload.accessGroups) {
        if (group.identityCenterGroup === undefined) continue;
        const name = permissionSetName(prefix, workload.name, group);
        const set = sets.find((s) => s.body.name === name);
        if (set === undefined) {
          violations.push({ path: stack, message: `no permission set ${name} for ${workload.name}/${group.name}` });
          continue;
        }
        const references = attachments
          .filter((a) => referenced(tf, a.body.permission_set_arn)?.address === set.address)
          .map((a) => a.body.customer_managed_policy_reference as { name?: string; path?: string });
        const wanted = [accessPolicyName(prefix, group.name), guardrailPolicyName(prefix), setupGuardrailPolicyName(prefix)];
        const missing = wanted.filter((w) => !references.some((r) => r.name === w && r.path === IAM_PATH));
        if (missing.length > 0) violations.push({ path: set.path, message: `${name} does not reference ${missing.map((m) => `${IAM_PATH}${m}`).join(", ")}` });
        const extra = references.filter((r) => !wanted.includes(r.name ?? "") || r.path !== IAM_PATH);
        if (extra.length > 0) violations.push({ path: set.path, message: `${name} references other policies: ${extra.map((r) => `${r.path ?? "/"}${r.name}`).join(", ")}` });
      }
    }
    for (const type of OTHER_GRANTS) {
      for (const r of resources(tf, type)) violations.push({ path: r.path, message: `${type} adds permissions the access review does not model` });
    }
    return violations;
  },
};
