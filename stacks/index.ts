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

/** Every stack of the organization: log-archive, one per workload account, then the organization's guardrails. */
export function buildStacks(app: App, config: Config): Stacks {
  const logArchive = new LogArchiveStack(app, config);
  const workloads = config.workloads.map((w) => new WorkloadStack(app, config, w));
  const guardrails = config.organizationGuardrails;
  const organization = guardrails === undefined ? undefined : new OrganizationStack(app, config, guardrails);
  return { logArchive, workloads, organization };
}
