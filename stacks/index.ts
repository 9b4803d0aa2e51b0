import type { App } from "cdktf";
import type { Config } from "../config/types";
import { LogArchiveStack } from "./log-archive-stack";
import { JustInTimeStack } from "./just-in-time-stack";
import { OrganizationStack } from "./organization-stack";
import { WorkloadStack } from "./workload-stack";
import { wantsWorkspaces, WorkspacesStack } from "./workspaces-stack";

export { LogArchiveStack } from "./log-archive-stack";
export { JustInTimeStack } from "./just-in-time-stack";
export { OrganizationStack } from "./organization-stack";
export { WorkloadStack } from "./workload-stack";
export { WorkspacesStack } from "./workspaces-stack";

export interface Stacks {
  readonly logArchive: LogArchiveStack;
  readonly workloads: WorkloadStack[];
  /** Only when the config has organization.guardrails. */
  readonly organization?: OrganizationStack;
  /** Only when the config has justInTime: the delegated administrator's just-in-time setup. */
  readonly justInTime?: JustInTimeStack;
  /** Only with a cloud backend that has `workspaces`: the HCP Terraform workspaces of the others. */
  readonly workspaces?: WorkspacesStack;
}

/**
 * Every stack of the organization: log-archive, one per workload account, then the organization's guardrails.
 * The others depend on log-archive, so `cdktf deploy '*'` creates the bucket and key the workloads' instances write
 * to before any workload. With HCP Terraform workspaces managed here, the workspaces stack comes before all. The dependency is recorded in manifest.json only; no stack reads another's state.
 */
export function buildStacks(app: App, config: Config): Stacks {
  const logArchive = new LogArchiveStack(app, config);
  const workloads = config.workloads.map((w) => new WorkloadStack(app, config, w));
  const guardrails = config.organizationGuardrails;
  const organization = guardrails === undefined ? undefined : new OrganizationStack(app, config, guardrails);
  const justInTime = config.justInTime === undefined ? undefined : new JustInTimeStack(app, config, config.justInTime);
  const dependents = [...workloads, ...(organization ? [organization] : []), ...(justInTime ? [justInTime] : [])];
  for (const stack of dependents) stack.addDependency(logArchive);
  if (!wantsWorkspaces(config.deployment.backend)) return { logArchive, workloads, organization, justInTime };
  // Log-archive first, then the others: their workspaces plan again whenever log-archive applies.
  const workspaces = new WorkspacesStack(app, {
    config,
    targets: [logArchive, ...dependents].map((stack) => ({
      stack: stack.node.id,
      accountId: stack.accountId,
      after: stack === logArchive ? [] : [logArchive.node.id],
    })),
  });
  // The cloud backend would create a missing workspace on init, in the default project and unmanaged; the
  // workspaces stack creates them first, so it goes before every stack that uses one.
  logArchive.addDependency(workspaces);
  return { logArchive, workloads, organization, justInTime, workspaces };
}
