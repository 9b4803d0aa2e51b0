import { accessPolicyName, isIdentityCenterGroup } from "../../config/naming";
import { INSTANCE_REACHING_ACTIONS } from "../../modules/policies/workload";
import type { Rule, Violation } from "../types";
import { actionCovers, asList, policyStatements, resources } from "../terraform";

export const mfaRequired: Rule = {
  id: "SM-IAM-7",
  title:
    "Access policies of IAM groups deny sessions, commands and key pushes without MFA, unless the config turns it off (then a warning); those of Identity Center groups have no such Deny",
  severity: "error",
  rationale: "A stolen access key alone must not open a shell on a production instance.",
  controls: [],
  fix: "Keep mfaRequired: true, or enforce MFA in your identity provider if you turn it off. Identity Center enforces MFA at sign-in: see docs/identity-center.md.",
  check: ({ tf, config, workload, stack }) =>
    (workload?.accessGroups ?? []).flatMap((group, i): Violation[] => {
      const name = accessPolicyName(config.namePrefix, group.name);
      const policy = resources(tf, "aws_iam_policy").find((p) => p.body.name === name);
      if (policy === undefined) return [{ path: stack, message: `no access policy ${name} for group ${group.name}` }];
      const statements = policyStatements(policy.body.policy) ?? [];
      if (isIdentityCenterGroup(group)) {
        // Identity Center sessions carry no aws:MultiFactorAuthPresent: a Deny on it would lock every member out.
        const lockout = statements.filter((s) => s.Effect === "Deny" && JSON.stringify(s.Condition ?? {}).includes("aws:MultiFactorAuthPresent"));
        return lockout.map((s) => ({
          path: policy.path,
          message: `${s.Sid ?? "a statement"} denies on aws:MultiFactorAuthPresent, which Identity Center sessions never carry: it locks out every member of ${group.name}`,
          fix: "Enforce MFA in IAM Identity Center's settings (every time they sign in), not in the access policy.",
        }));
      }
      if (!group.mfaRequired) {
        return [{ path: policy.path, severity: "warning", message: `MFA is not required for ${group.name} (workloads[].accessGroups[${i}].mfaRequired: false)` }];
      }
      // On every resource, and with no other condition that could keep the Deny from applying.
      const mfaDenies = statements.filter(
        (s) =>
          s.Effect === "Deny" &&
          asList(s.Resource).includes("*") &&
          JSON.stringify(s.Condition) === JSON.stringify({ BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } }),
      );
      // Every action that reaches an instance: a command without MFA is as good as a session.
      const missing = INSTANCE_REACHING_ACTIONS.filter((action) => !mfaDenies.some((s) => asList(s.Action).some((a) => actionCovers(a, action))));
      return missing.length === 0
        ? []
        : [{ path: policy.path, message: `no Deny of ${missing.join(", ")} on * whose only condition is BoolIfExists aws:MultiFactorAuthPresent "false"` }];
    }),
};
