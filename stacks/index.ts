import type { App } from "cdktf";
import type { Config } from "../config/types";
import { LogArchiveStack } from "./log-archive-stack";
import { WorkloadStack } from "./workload-stack";

export { LogArchiveStack } from "./log-archive-stack";
export { WorkloadStack } from "./workload-stack";

/** Every stack of the organization: log-archive, then one per workload account. */
export function buildStacks(app: App, config: Config): { logArchive: LogArchiveStack; workloads: WorkloadStack[] } {
  const logArchive = new LogArchiveStack(app, config);
  const workloads = config.workloads.map((w) => new WorkloadStack(app, config, w));
  return { logArchive, workloads };
}
