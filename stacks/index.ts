import type { App } from "cdktf";
import type { Config } from "../config/types";
import { LogArchiveStack } from "./log-archive-stack";
import { OrganizationStack } from "./organization-stack";
import { WorkloadStack } from "./workload-stack";

export { LogArchiveStack } from "./log-archive-stack";
export { OrganizationStack } from "./organization-stack";
export { WorkloadStack } from "./workload-stack";

export interface Stacks {
  readonly logArchive: LogArchiveStack;
  readonly workloads: WorkloadStack[];
  /** Only when the config has organization.guardrails. */
  readonly organization?: OrganizationStack;
}

/**
 * Every stack of the organization: log-archive, one per workload account, then the organization's guardrails.
 * The others depend on log-archive, so `cdktf deploy '*'` creates the bucket and key the workloads' instances write
 * to before any workload. The dependency is recorded in manifest.json only; no stack reads another's state.
 */
export function buildStacks(app: App, config: Config): Stacks {
  const logArchive = new LogArchiveStack(app, config);
  const workloads = config.workloads.map((w) => new WorkloadStack(app, config, w));
  const guardrails = config.organizationGuardrails;
  const organization = guardrails === undefined ? undefined : new OrganizationStack(app, config, guardrails);
  for (const stack of [...workloads, ...(organization ? [organization] : [])]) stack.addDependency(logArchive);
  return { logArchive, workloads, organization };
}
