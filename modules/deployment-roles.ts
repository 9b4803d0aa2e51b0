import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { arn, IAM_PATH, type DeploymentRole, type DeploymentRoles } from "../config/naming";
import { DEPLOYMENT_POLICY_NAME, deployRolePolicy, oidcTrustPolicy, planRolePolicy, type DeploymentPolicyProps, type StackKind } from "./policies/deployment";
import { toTerraformJson } from "./terraform-json";

export interface DeploymentRoleSetProps {
  /** The provider and the two roles, from config/naming.ts deploymentRoles. */
  readonly roles: DeploymentRoles;
  readonly kind: StackKind;
  readonly namePrefix: string;
  /** The stack's account. */
  readonly accountId: string;
  readonly logAccountId: string;
}

/**
 * The OIDC provider (unless the account has it) and the plan and deploy roles of one stack, under /session-manager/,
 * each trusting one subject of that provider. No thumbprint: IAM verifies GitHub's and HCP Terraform's issuers
 * against its own trusted certificate authorities, and fetches one itself for other issuers.
 */
export class DeploymentRoleSet extends Construct {
  public readonly providerArn: string;
  public readonly planRoleArn: string;
  public readonly deployRoleArn: string;

  constructor(scope: Construct, id: string, props: DeploymentRoleSetProps) {
    super(scope, id);
    const { roles } = props;
    this.providerArn = roles.providerExists
      ? arn.oidcProvider(props.accountId, roles.host)
      : new IamOpenidConnectProvider(this, "oidc-provider", { url: `https://${roles.host}`, clientIdList: [roles.audience] }).arn;
    const policyProps: DeploymentPolicyProps = {
      kind: props.kind,
      namePrefix: props.namePrefix,
      accountId: props.accountId,
      logAccountId: props.logAccountId,
      host: roles.host,
      state: roles.state,
    };
    const role = (spec: DeploymentRole, description: string, permissions: unknown): string => {
      const created = new IamRole(this, `${spec.kind}-role`, {
        name: spec.name,
        path: IAM_PATH,
        description,
        assumeRolePolicy: toTerraformJson(oidcTrustPolicy({ providerArn: this.providerArn, host: roles.host, audience: roles.audience, role: spec })),
      });
      new IamRolePolicy(this, `${spec.kind}-permissions`, { name: DEPLOYMENT_POLICY_NAME, role: created.id, policy: toTerraformJson(permissions) });
      return created.arn;
    };
    this.planRoleArn = role(roles.plan, `Plans this stack, read-only: ${roles.plan.subject}`, planRolePolicy(policyProps));
    this.deployRoleArn = role(roles.deploy, `Applies this stack: ${roles.deploy.subject}`, deployRolePolicy(policyProps));
  }
}
