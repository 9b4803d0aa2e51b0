// Deep imports: the package root loads every tfe resource class, which a synth never needs.
import { DataTfeProject } from "@cdktf/provider-tfe/lib/data-tfe-project";
import { TfeProvider } from "@cdktf/provider-tfe/lib/provider";
import { RunTrigger } from "@cdktf/provider-tfe/lib/run-trigger";
import { Variable } from "@cdktf/provider-tfe/lib/variable";
import { Workspace } from "@cdktf/provider-tfe/lib/workspace";
import { WorkspaceSettings } from "@cdktf/provider-tfe/lib/workspace-settings";
import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { ComplianceValidation } from "../compliance/engine";
import { arn, cloudWorkspaceName, deploymentRoleArn, stackWorkingDirectory, WORKSPACES_STACK } from "../config/naming";
import type { BackendConfig, WorkspacesConfig } from "../config/schema";
import type { Config } from "../config/types";
import { configureBackend, TERRAFORM_REQUIRED_VERSION } from "./account-stack";

/** The HCP Terraform environment variables that make runs assume an AWS role through dynamic provider credentials. */
export const TFC_AWS_PROVIDER_AUTH = "TFC_AWS_PROVIDER_AUTH";
export const TFC_AWS_RUN_ROLE_ARN = "TFC_AWS_RUN_ROLE_ARN";
/** Per run phase, instead of TFC_AWS_RUN_ROLE_ARN: a read-only role for plans, the applying one for applies. */
export const TFC_AWS_PLAN_ROLE_ARN = "TFC_AWS_PLAN_ROLE_ARN";
export const TFC_AWS_APPLY_ROLE_ARN = "TFC_AWS_APPLY_ROLE_ARN";

/** One stack that gets a workspace. */
export interface WorkspaceTarget {
  /** The stack name, as cdktf.out/stacks names it. */
  readonly stack: string;
  /** The account the stack deploys into: its runs assume the run role there. */
  readonly accountId: string;
  /** Stacks whose applies queue a run of this one. @default none */
  readonly after?: readonly string[];
}

export interface WorkspacesStackProps {
  readonly config: Config;
  /** Every other stack, in deploy order. */
  readonly targets: readonly WorkspaceTarget[];
}

/**
 * One HCP Terraform workspace per stack, named as the cloud backend names it, running in the stack's synthesized
 * directory, with AWS dynamic credentials for the stack's account and run triggers that plan the workloads after
 * log-archive. It manages HCP Terraform, not AWS: it has no AWS provider, and its own state lives in a workspace of
 * its own, created by hand once (see docs/deploying.md).
 */
export class WorkspacesStack extends TerraformStack {
  /** The compliance rule pack: it reads AWS resources, so it finds nothing here, and says so rather than skipping. */
  public readonly compliance: ComplianceValidation;
  /** No AWS account: the stack deploys into the HCP Terraform organization. */
  public readonly accountId: undefined;
  /** The HCP Terraform organization the workspaces belong to. */
  public readonly organization: string;
  /** Each stack's workspace, by stack name. */
  public readonly workspaces: ReadonlyMap<string, Workspace>;

  constructor(scope: Construct, props: WorkspacesStackProps) {
    super(scope, WORKSPACES_STACK);
    const { config, targets } = props;
    const backend = config.deployment.backend;
    if (backend.type !== "cloud" || backend.workspaces === undefined) {
      throw new Error("deployment.backend: the workspaces stack needs type cloud with workspaces");
    }
    const settings: WorkspacesConfig = backend.workspaces;
    this.organization = backend.organization;
    this.compliance = new ComplianceValidation(this, config);
    this.node.addValidation(this.compliance);
    configureBackend(this, WORKSPACES_STACK, config);
    this.addOverride("terraform.required_version", TERRAFORM_REQUIRED_VERSION);

    // The token comes from TFE_TOKEN or the CLI's credentials, never from the config.
    new TfeProvider(this, "tfe", { hostname: backend.hostname, organization: backend.organization });
    const project = new DataTfeProject(this, "project", { name: settings.project, organization: backend.organization });

    const workspaces = new Map<string, Workspace>();
    for (const target of targets) {
      const workspace = new Workspace(this, `workspace-${target.stack}`, {
        name: cloudWorkspaceName(backend, config.namePrefix, target.stack),
        organization: backend.organization,
        projectId: project.id,
        workingDirectory: stackWorkingDirectory(target.stack),
        description: `session-manager-cdktf stack ${target.stack} (account ${target.accountId})`,
        // A run trigger queues a plan; applying it stays a person's decision.
        autoApply: false,
        autoApplyRunTrigger: false,
        queueAllRuns: false,
      });
      new WorkspaceSettings(this, `settings-${target.stack}`, {
        workspaceId: workspace.id,
        executionMode: settings.executionMode,
        agentPoolId: settings.agentPoolId,
      });
      workspaces.set(target.stack, workspace);
      // Local runs use the caller's own AWS credentials: HCP Terraform keeps the state only.
      if (settings.executionMode === "local") continue;
      for (const [key, value, description] of workspaceAwsVariables(target.accountId, settings)) {
        new Variable(this, `${target.stack}-${key}`, { workspaceId: workspace.id, category: "env", key, value, description });
      }
    }
    if (settings.executionMode !== "local") {
      for (const target of targets) {
        for (const source of target.after ?? []) {
          const from = workspaces.get(source);
          if (from === undefined) throw new Error(`workspaces: ${target.stack} runs after ${source}, which has no workspace`);
          new RunTrigger(this, `trigger-${source}-${target.stack}`, { workspaceId: workspaces.get(target.stack)!.id, sourceableId: from.id });
        }
      }
    }
    this.workspaces = workspaces;
  }
}

/**
 * The environment variables that give a workspace's runs their role in `accountId`: key, value, description. With
 * roles the stacks create, the plan phase gets the read-only role and the apply phase the run role, each under
 * /session-manager/; otherwise both phases get the run role made by hand.
 */
export function workspaceAwsVariables(accountId: string, settings: WorkspacesConfig): [string, string, string][] {
  const auth: [string, string, string] = [TFC_AWS_PROVIDER_AUTH, "true", "AWS credentials come from HCP Terraform's OIDC token, for each run"];
  const created = settings.createRunRoles;
  if (created === undefined) {
    return [auth, [TFC_AWS_RUN_ROLE_ARN, arn.role(accountId, settings.runRoleName), "The role the runs assume in the stack's account"]];
  }
  return [
    auth,
    [TFC_AWS_PLAN_ROLE_ARN, deploymentRoleArn(accountId, created.planRoleName), "The read-only role of the plan phase, in the stack's account"],
    [TFC_AWS_APPLY_ROLE_ARN, deploymentRoleArn(accountId, settings.runRoleName), "The role of the apply phase, in the stack's account"],
  ];
}

/** Whether the config asks for the workspaces stack: a cloud backend with `workspaces`. */
export function wantsWorkspaces(backend: BackendConfig): boolean {
  return backend.type === "cloud" && backend.workspaces !== undefined;
}
