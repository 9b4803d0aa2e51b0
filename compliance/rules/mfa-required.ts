import { accessPolicyName } from "../../config/naming";
import { INSTANCE_REACHING_ACTIONS } from "../../modules/policies/workload";
import type { Rule, Violation } from "../types";
import { actionCovers, asList, policyStatements, resources } from "../terraform";

export const mfaRequired: Rule = {
  id: "SM-IAM-7",
  title: "Access policies deny sessions, commands and key pushes without MFA, unless the config turns it off (then a warning)",
  severity: "error",
  rationale: "A stolen access key alone must not open a shell on a production instance.",
  controls: [],
  fix: "Keep mfaRequired: true, or enforce MFA in your identity provider if you turn it off.",
  check: ({ tf, config, workload, stack }) =>
    (workload?.accessGroups ?? []).flatMap((group, i): Violation[] => {
      const name = accessPolicyName(config.namePrefix, group.name);
      const policy = resources(tf, "aws_iam_policy").find((p) => p.body.name === name);
      if (policy === undefined) return [{ path: stack, message: `no access policy ${name} for group ${group.name}` }];
      if (!group.mfaRequired) {
        return [{ path: policy.path, severity: "warning", message: `MFA is not required for ${group.name} (workloads[].accessGroups[${i}].mfaRequired: false)` }];
      }
      // On every resource, and with no other condition that could keep the Deny from applying.
      const mfaDenies = (policyStatements(policy.body.policy) ?? []).filter(
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
