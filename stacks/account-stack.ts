import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudBackend, type CloudBackendConfig, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { ComplianceValidation } from "../compliance/engine";
import { DeploymentRoleSet } from "../modules/deployment-roles";
import { arn, cloudWorkspaceName, deploymentRoles, ORGANIZATION_STACK, stateObjectKey } from "../config/naming";
import type { Config, WorkloadConfig } from "../config/types";

/**
 * The Terraform every stack declares it needs (terraform { required_version }): import blocks (adoptExistingDocument)
 * need 1.5, and the S3 backend's use_lockfile 1.10. One floor for all stacks, so changing the backend never raises it.
 */
export const TERRAFORM_REQUIRED_VERSION = ">= 1.10";

export interface AccountStackProps {
  readonly config: Config;
  /** The one account this stack may deploy into. */
  readonly accountId: string;
  /** Regions the stack deploys to; the first gets the default provider (and so the global IAM resources). */
  readonly regions: readonly string[];
  /** The workload of a workload stack, for the compliance rules. @default undefined: the log-archive stack */
  readonly workload?: WorkloadConfig;
}

/**
 * A stack for exactly one AWS account: its backend, and one provider per region, each refusing any other account.
 */
export class AccountStack extends TerraformStack {
  private readonly providers = new Map<string, AwsProvider>();
  /** The compliance rule pack, run on every synth as a validation of this stack. */
  public readonly compliance: ComplianceValidation;
  /** The one account this stack may deploy into. */
  public readonly accountId: string;
  /** The OIDC provider and the plan and deploy roles, when the config has the stacks create them. */
  public readonly deploymentRoles?: DeploymentRoleSet;

  constructor(scope: Construct, name: string, props: AccountStackProps) {
    super(scope, name);
    const { config } = props;
    this.accountId = props.accountId;
    this.compliance = new ComplianceValidation(this, config, props.workload);
    this.node.addValidation(this.compliance);
    configureBackend(this, name, config);

    const assumeRole = config.deployment.assumeRole;
    props.regions.forEach((region, i) => {
      const home = i === 0;
      const provider = new AwsProvider(this, home ? "aws" : `aws-${region}`, {
        region,
        alias: home ? undefined : region,
        // A guard against credentials for the wrong account: Terraform stops before touching anything.
        allowedAccountIds: [props.accountId],
        // Config tags first, so they cannot relabel what manages the resource or which stack owns it.
        defaultTags: [{ tags: { ...config.deployment.tags, ManagedBy: "session-manager-cdktf", Stack: name } }],
        assumeRole:
          assumeRole === undefined
            ? undefined
            : [
                {
                  roleArn: arn.role(props.accountId, assumeRole.roleName),
                  sessionName: assumeRole.sessionName,
                  externalId: assumeRole.externalId,
                },
              ],
      });
      this.providers.set(region, provider);
    });

    const roles = deploymentRoles(config, name);
    if (roles !== undefined) {
      this.deploymentRoles = new DeploymentRoleSet(this, "deployment-roles", {
        roles,
        kind: props.workload !== undefined ? "workload" : name === ORGANIZATION_STACK ? "organization" : "log-archive",
        namePrefix: config.namePrefix,
        accountId: props.accountId,
        logAccountId: config.logArchive.accountId,
      });
    }
  }

  /** The JSON the compliance validation checked, handed once to the synthesizer, which writes it right after. */
  private validatedTerraform?: Record<string, any>;

  /**
   * toTerraform() for the compliance validation. cdktf validates a stack and then writes it; the write reuses this
   * result instead of resolving the whole stack a second time (about a tenth of a synth), so what is written is
   * exactly what was checked.
   */
  public terraformToValidate(): Record<string, any> {
    const tf = withRequiredVersion(super.toTerraform());
    this.validatedTerraform = tf;
    return tf;
  }

  public override toTerraform(): Record<string, any> {
    const validated = this.validatedTerraform;
    this.validatedTerraform = undefined;
    return validated ?? withRequiredVersion(super.toTerraform());
  }

  // Set here rather than with addOverride: cdktf 0.21 renders a string override in the terraform block as
  // `0 = "required_version"` in HCL.
  public override toHclTerraform(): Record<string, any> {
    this.validatedTerraform = undefined;
    const out = super.toHclTerraform();
    return {
      ...out,
      hcl: String(out.hcl).replace(/^terraform \{\n/m, `terraform {\nrequired_version = "${TERRAFORM_REQUIRED_VERSION}"\n`),
    };
  }

  /** The provider of `region`, which must be one of the stack's regions. */
  public provider(region: string): AwsProvider {
    const provider = this.providers.get(region);
    if (provider === undefined) throw new Error(`stack ${this.node.id} has no provider for region ${region}`);
    return provider;
  }
}

function withRequiredVersion(tf: Record<string, any>): Record<string, any> {
  return { ...tf, terraform: { required_version: TERRAFORM_REQUIRED_VERSION, ...tf.terraform } };
}

export function configureBackend(stack: TerraformStack, name: string, config: Config): void {
  const backend = config.deployment.backend;
  switch (backend.type) {
    case "local":
      // cdktf's default is an absolute path of the machine that ran synth. This relative one (Terraform runs in
      // cdktf.out/stacks/<name>) keeps output identical everywhere and puts the state in the project root.
      new LocalBackend(stack, { path: `../../../terraform.${name}.tfstate` });
      return;
    case "s3":
      new S3Backend(stack, {
        bucket: backend.bucket,
        key: stateObjectKey(backend.keyPrefix, name),
        region: backend.region,
        encrypt: true,
      }).addOverride("use_lockfile", true); // S3-native state locking (Terraform >= 1.10); cdktf 0.21 predates it.
      return;
    case "cloud":
      new HcpTerraformBackend(stack, {
        organization: backend.organization,
        hostname: backend.hostname,
        workspaces: new NamedCloudWorkspace(cloudWorkspaceName(backend, config.namePrefix, name)),
      });
      return;
  }
}

/**
 * cdktf's cloud block, without the one check CloudBackend adds: that Terraform on the synthesizing machine is 1.1 or
 * later, found by running `terraform version` in a shell for every stack, during every synth. That took longer than
 * the rest of a synth of the example (seven stacks, 0.5 s against 1.7 s), and failed the synth wherever Terraform is
 * not installed. Every stack declares the Terraform it needs (TERRAFORM_REQUIRED_VERSION, above 1.1), which Terraform
 * itself enforces where it runs. The check is the backend's only validation (cdktf adds none other to backends).
 */
class HcpTerraformBackend extends CloudBackend {
  constructor(scope: Construct, props: CloudBackendConfig) {
    super(scope, props);
    Object.defineProperty(this.node, "validate", { value: (): string[] => [] });
  }
}
