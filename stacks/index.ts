import { type App, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { Config } from "../config/types";
import { identityCenterWorkloads, workloadStackName } from "../config/naming";
import { IdentityCenterStack } from "./identity-center-stack";
import { LogArchiveStack } from "./log-archive-stack";
import { JustInTimeStack } from "./just-in-time-stack";
import { OrganizationStack } from "./organization-stack";
import { WorkloadStack } from "./workload-stack";
import { wantsWorkspaces, WorkspacesStack } from "./workspaces-stack";

export { IdentityCenterStack } from "./identity-center-stack";
export { LogArchiveStack } from "./log-archive-stack";
export { JustInTimeStack } from "./just-in-time-stack";
export { OrganizationStack } from "./organization-stack";
export { WorkloadStack } from "./workload-stack";
export { WorkspacesStack } from "./workspaces-stack";

export interface Stacks<Workload extends TerraformStack = WorkloadStack> {
  readonly logArchive: LogArchiveStack;
  /** One per workload, as the config lists them. */
  readonly workloads: Workload[];
  /** Only when the config has organization.guardrails. */
  readonly organization?: OrganizationStack;
  /** Only when some workload has an Identity Center access group. */
  readonly identityCenter?: IdentityCenterStack;
  /** Only when the config has justInTime: the delegated administrator's just-in-time setup. */
  readonly justInTime?: JustInTimeStack;
  /** Only with a cloud backend that has `workspaces`: the HCP Terraform workspaces of the others. */
  readonly workspaces?: WorkspacesStack;
}

/**
 * Every stack of the organization: log-archive, one per workload account, then the organization's guardrails and the
 * Identity Center permission sets (after the workloads whose policies they reference).
 * The others depend on log-archive, so `cdktf deploy '*'` creates the bucket and key the workloads' instances write
 * to before any workload. With HCP Terraform workspaces managed here, the workspaces stack comes before all. The dependency is recorded in manifest.json only; no stack reads another's state.
 */
export function buildStacks(app: App, config: Config): Stacks;
/**
 * The same stacks, but only the workload stacks `build` names are built in full; the others are UnbuiltStacks,
 * which stand in for them as dependencies. A synth thread builds only the workloads it writes (see synthesize.ts).
 */
export function buildStacks(app: App, config: Config, build: (stack: string) => boolean): Stacks<WorkloadStack | UnbuiltStack>;
export function buildStacks(app: App, config: Config, build: (stack: string) => boolean = () => true): Stacks<WorkloadStack | UnbuiltStack> {
  const logArchive = new LogArchiveStack(app, config);
  const workloads = config.workloads.map((w) => {
    const name = workloadStackName(w.name);
    return build(name) ? new WorkloadStack(app, config, w) : new UnbuiltStack(app, name, w.accountId);
  });
  const guardrails = config.organizationGuardrails;
  const organization = guardrails === undefined ? undefined : new OrganizationStack(app, config, guardrails);
  const federated = identityCenterWorkloads(config);
  const identityCenter =
    federated.length === 0 ? undefined : new IdentityCenterStack(app, config, config.identityCenter!, federated);
  const justInTime = config.justInTime === undefined ? undefined : new JustInTimeStack(app, config, config.justInTime);
  const dependents = [...workloads, ...(organization ? [organization] : []), ...(identityCenter ? [identityCenter] : []), ...(justInTime ? [justInTime] : [])];
  for (const stack of dependents) stack.addDependency(logArchive);
  // A permission set's assignment fails unless its customer managed policies exist in the account: the workload
  // stacks that create them go first.
  for (const stack of workloads) if (identityCenter && federated.some((w) => stack.node.id === workloadStackName(w.name))) identityCenter.addDependency(stack);
  if (!wantsWorkspaces(config.deployment.backend)) return { logArchive, workloads, organization, identityCenter, justInTime };
  // Log-archive first, then the others: their workspaces plan again whenever log-archive applies.
  const workspaces = new WorkspacesStack(app, {
    config,
    targets: [logArchive, ...dependents].map((stack) => ({
      stack: stack.node.id,
      accountId: stack.accountId,
      after: stack === logArchive ? [] : stack === identityCenter ? [logArchive.node.id, ...federated.map((w) => workloadStackName(w.name))] : [logArchive.node.id],
    })),
  });
  // The cloud backend would create a missing workspace on init, in the default project and unmanaged; the
  // workspaces stack creates them first, so it goes before every stack that uses one.
  logArchive.addDependency(workspaces);
  return { logArchive, workloads, organization, identityCenter, justInTime, workspaces };
}

/**
 * A stack that is not built: its name, account and dependencies, for the manifest and the stacks that depend on it,
 * and nothing else. A thread that writes some workload stacks stands the others in with these.
 */
export class UnbuiltStack extends TerraformStack {
  constructor(
    scope: Construct,
    name: string,
    /** The account the stack deploys into. */
    public readonly accountId: string,
  ) {
    super(scope, name);
  }
}
