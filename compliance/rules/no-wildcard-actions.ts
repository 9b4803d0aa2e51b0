import type { Rule, Violation } from "../types";
import { deploymentRoles, IAM_PATH, LOG_ARCHIVE_STACK, ORGANIZATION_STACK } from "../../config/naming";
import type { Config } from "../../config/types";
import { DEPLOYMENT_POLICY_NAME, STACK_SERVICES } from "../../modules/policies/deployment";
import { asList, identityPolicies, referenced, resources } from "../terraform";

export const noWildcardActions: Rule = {
  id: "SM-IAM-1",
  title: "Identity policies are readable JSON and allow no * or service:* actions",
  severity: "error",
  rationale: "Wildcard actions grant whatever AWS adds to a service later; a policy the rules cannot read could grant anything.",
  controls: ["CKV_AWS_63", "CKV_AWS_62", "Security Hub IAM.21"],
  fix: "List the actions the principal needs, in a JSON policy built in modules/policies/. Only the deploy role a stack creates may name its stack's services whole.",
  check: ({ tf, config, stack }) => {
    // The one exception: the deploy role a stack creates manages its stack's services whole (ssm:*, ec2:*, …), as
    // an apply needs. Only that role's policy, and only those services; never * alone.
    const deploy = deployRolePolicy(tf, config, stack);
    return identityPolicies(tf).flatMap((p): Violation[] => {
      if (p.statements === undefined) {
        return [{ path: p.path, message: "the policy is not a JSON document (a data source or an expression): the rules cannot read it" }];
      }
      const spared = p.path === deploy?.path ? deploy.services : [];
      return p.statements
        .filter((s) => s.Effect === "Allow")
        .flatMap((s) => {
          const wild = asList(s.Action)
            .filter((a) => a === "*" || /^[a-z0-9-]+:\*$/i.test(a))
            .filter((a) => !spared.includes(a.split(":")[0]));
          const not = s.NotAction !== undefined ? ["NotAction (allows everything else)"] : [];
          return [...wild, ...not].map((a) => ({ path: p.path, message: `statement ${s.Sid ?? "(no Sid)"} allows ${a}` }));
        });
    });
  },
};

/**
 * The inline policy of the deploy role this stack creates (config/naming.ts deploymentRoles), found by role name and
 * path and by policy name, with the services its stack kind manages; undefined when the stack creates none.
 */
function deployRolePolicy(tf: Record<string, any>, config: Config, stack: string): { path: string; services: readonly string[] } | undefined {
  const roles = deploymentRoles(config, stack);
  if (roles === undefined) return undefined;
  const role = resources(tf, "aws_iam_role").find((r) => r.body.name === roles.deploy.name && r.body.path === IAM_PATH);
  if (role === undefined) return undefined;
  const inline = resources(tf, "aws_iam_role_policy").find(
    (p) => p.body.name === DEPLOYMENT_POLICY_NAME && referenced(tf, p.body.role)?.address === role.address,
  );
  const kind = stack === LOG_ARCHIVE_STACK ? "log-archive" : stack === ORGANIZATION_STACK ? "organization" : "workload";
  return inline === undefined ? undefined : { path: inline.path, services: STACK_SERVICES[kind] };
}
