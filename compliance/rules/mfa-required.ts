import { accessPolicyName } from "../../config/naming";
import type { Rule, Violation } from "../types";
import { actionCovers, asList, policyStatements, resources } from "../terraform";

export const mfaRequired: Rule = {
  id: "SM-IAM-7",
  title: "Access policies deny sessions without MFA, unless the config turns it off (then a warning)",
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
      const denies = (policyStatements(policy.body.policy) ?? []).some(
        (s) =>
          s.Effect === "Deny" &&
          asList(s.Action).some((a) => actionCovers(a, "ssm:StartSession")) &&
          asList(s.Resource).includes("*") &&
          JSON.stringify(s.Condition) === JSON.stringify({ BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } }),
      );
      return denies
        ? []
        : [{ path: policy.path, message: `no Deny of ssm:StartSession on * whose only condition is BoolIfExists aws:MultiFactorAuthPresent "false"` }];
    }),
};
