import type { Rule, Violation } from "../types";
import { asList, policyStatements, referenced, resources, type Resource } from "../terraform";

/** Roles Lambda can assume: the execution roles of the stack's functions. */
function lambdaRoles(tf: Record<string, any>): Resource[] {
  return resources(tf, "aws_iam_role").filter((r) =>
    (policyStatements(r.body.assume_role_policy) ?? []).some(
      (s) => s.Effect === "Allow" && asList((s.Principal as { Service?: string | string[] } | undefined)?.Service).includes("lambda.amazonaws.com"),
    ),
  );
}

/** Whether `value` (a reference or a literal name) names `role`. */
const namesRole = (tf: Record<string, any>, value: unknown, role: Resource): boolean =>
  referenced(tf, value)?.address === role.address || value === role.body.name;

export const lambdaRoleActions: Rule = {
  id: "SM-LMB-3",
  title: "Lambda execution roles name every action: no wildcard anywhere in an action, no managed policies",
  severity: "error",
  rationale: "A function runs unattended; ssm:Describe* or a broad managed policy grants more than its job on every run.",
  controls: ["CKV_AWS_63", "CKV_AWS_355", "Security Hub IAM.21"],
  fix: "List the exact actions in the role's inline policy built in modules/policies/ (watchdogPolicy does).",
  check: ({ tf }) =>
    lambdaRoles(tf).flatMap((role): Violation[] => {
      const inline = resources(tf, "aws_iam_role_policy").filter((p) => namesRole(tf, p.body.role, role));
      const texts = [
        ...inline.map((p) => ({ path: p.path, text: p.body.policy })),
        ...asList(role.body.inline_policy as Record<string, unknown>[] | undefined).map((b) => ({ path: role.path, text: b.policy })),
      ];
      const attached = resources(tf, "aws_iam_role_policy_attachment")
        .filter((a) => namesRole(tf, a.body.role, role))
        .map((a) => {
          const own = referenced(tf, a.body.policy_arn);
          if (own?.type === "aws_iam_policy") {
            texts.push({ path: own.path, text: own.body.policy });
            return undefined;
          }
          return { path: a.path, message: `attaches ${String(a.body.policy_arn)} to the Lambda role ${role.body.name}` };
        })
        .filter((v): v is Violation => v !== undefined);
      const wild = texts.flatMap(({ path, text }) => {
        const statements = policyStatements(text);
        if (statements === undefined) return [{ path, message: "the policy is not a JSON document the rules can read" }];
        return statements
          .filter((s) => s.Effect === "Allow")
          .flatMap((s) => [
            ...asList(s.Action)
              .filter((a) => a.includes("*") || a.includes("?"))
              .map((a) => ({ path, message: `statement ${s.Sid ?? "(no Sid)"} of the Lambda role ${role.body.name} allows ${a}` })),
            ...(s.NotAction !== undefined ? [{ path, message: `statement ${s.Sid ?? "(no Sid)"} of the Lambda role ${role.body.name} uses NotAction` }] : []),
          ]);
      });
      return [...attached, ...wild];
    }),
};
