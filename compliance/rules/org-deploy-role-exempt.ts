import { arn, deploymentRoleArn, deploymentRoles, ORGANIZATION_STACK } from "../../config/naming";
import type { Rule, Violation } from "../types";
import { arnLike, asList, controlPolicies } from "../terraform";

export const orgDeployRoleExempt: Rule = {
  id: "SM-ORG-5",
  title: "No SCP Deny applies to the deploy role of any account",
  severity: "error",
  rationale: "Terraform deploys every stack through deployment.assumeRole or the deploy role the stacks create: an SCP that catches it stops every later apply.",
  controls: [],
  fix: "Add the deploy role to organization.guardrails.exemptPrincipals, e.g. arn:aws:iam::*:role/<deployment.assumeRole.roleName>.",
  check: ({ tf, config }) => {
    const role = config.deployment.assumeRole?.roleName;
    const created = deploymentRoles(config, ORGANIZATION_STACK)?.deploy.name;
    if (role === undefined && created === undefined) return [];
    const accounts = [config.logArchive.accountId, ...config.workloads.map((w) => w.accountId)];
    // The assumed role in every account, and the deploy role the stacks create there.
    const deployers = accounts.flatMap((a) => [
      ...(role === undefined ? [] : [arn.role(a, role)]),
      ...(created === undefined ? [] : [deploymentRoleArn(a, created)]),
    ]);
    const violations: Violation[] = [];
    for (const p of controlPolicies(tf).filter((c) => c.policyType === "SERVICE_CONTROL_POLICY")) {
      for (const s of p.statements.filter((st) => st.Effect === "Deny")) {
        const spared = asList(s.Condition?.ArnNotLike?.["aws:PrincipalArn"] as string | string[] | undefined);
        const caught = deployers.filter((deployer) => !spared.some((pattern) => arnLike(pattern, deployer)));
        if (caught.length > 0) violations.push({ path: p.path, message: `Deny ${s.Sid ?? "(no Sid)"} applies to the deploy role ${caught[0]}${caught.length > 1 ? ` and ${caught.length - 1} more` : ""}` });
      }
    }
    return violations;
  },
};
