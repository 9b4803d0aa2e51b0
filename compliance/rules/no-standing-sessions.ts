import { accessGroupName, accessPolicyName, workloadStackName } from "../../config/naming";
import type { Rule, Violation } from "../types";
import { actionCovers, asList, policyStatements, referenced, resources } from "../terraform";

/**
 * In just-in-time mode, every session goes through an approved request: the people's own principals must not be
 * able to start one. Each access group's policies may allow no ssm:StartSession, and one of them must deny it on
 * every resource without a condition, so that a grant from anywhere else (a permission set, another group) does not
 * bring standing sessions back.
 */
export const noStandingSessions: Rule = {
  id: "SM-JIT-1",
  title: "Access groups of a just-in-time workload cannot start sessions themselves",
  severity: "error",
  rationale: "A group that can still call ssm:StartSession bypasses every approval policy of just-in-time node access.",
  controls: [],
  fix: "Keep accessMode just-in-time on the workload: its access policies grant request rights only and deny ssm:StartSession (DenyStandingSessions).",
  check: ({ tf, config, workload }) => {
    if (workload === undefined || workload.accessMode !== "just-in-time") return [];
    const violations: Violation[] = [];
    const attachments = resources(tf, "aws_iam_group_policy_attachment");
    for (const group of workload.accessGroups) {
      const name = accessGroupName(config.namePrefix, group.name);
      // The group's access policy by name (an IAM group's, or the one a permission set references), and whatever
      // else is attached to its IAM group.
      const access = resources(tf, "aws_iam_policy").filter((p) => p.body.name === accessPolicyName(config.namePrefix, group.name));
      const attached = attachments
        .filter((a) => referenced(tf, a.body.group)?.body.name === name)
        .map((a) => referenced(tf, a.body.policy_arn))
        .filter((p) => p !== undefined);
      const policies = [...new Map([...access, ...attached].map((p) => [p.address, p])).values()];
      let denied = false;
      for (const policy of policies) {
        for (const s of policyStatements(policy.body.policy) ?? []) {
          const starts = asList(s.Action).some((a) => actionCovers(a, "ssm:StartSession"));
          if (s.Effect === "Allow" && starts) {
            violations.push({ path: policy.path, message: `statement ${s.Sid ?? "(no Sid)"} allows ssm:StartSession to the just-in-time access group ${name}` });
          }
          if (s.Effect === "Deny" && starts && asList(s.Resource).includes("*") && s.Condition === undefined) denied = true;
        }
      }
      if (!denied) {
        violations.push({ path: access[0]?.path ?? `${workloadStackName(workload.name)}/access-group-${group.name}`, message: `no policy of ${name} denies ssm:StartSession on every resource: a grant elsewhere would open standing sessions` });
      }
    }
    return violations;
  },
};
