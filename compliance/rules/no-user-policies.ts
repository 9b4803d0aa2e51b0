import type { Rule } from "../types";
import { asList, resources } from "../terraform";

export const noUserPolicies: Rule = {
  id: "SM-IAM-3",
  title: "No policies are attached to IAM users directly",
  severity: "error",
  rationale: "Permissions through groups stay reviewable in one place; per-user grants drift.",
  controls: ["CKV_AWS_40", "Security Hub IAM.2", "CIS AWS 1.15"],
  fix: "Grant through an access group.",
  check: ({ tf }) => [
    ...resources(tf, "aws_iam_user_policy").map((p) => ({ path: p.path, message: "an inline policy on a user" })),
    ...resources(tf, "aws_iam_user_policy_attachment").map((p) => ({ path: p.path, message: `${String(p.body.policy_arn)} attached to a user` })),
    ...resources(tf, "aws_iam_policy_attachment")
      .filter((p) => asList(p.body.users).length > 0)
      .map((p) => ({ path: p.path, message: `${String(p.body.policy_arn)} attached to users` })),
  ],
};
