// The `npm run ssh-config` command line (scripts/ssh-config.ts runs it): what to print where, and the exit code.
import { ConfigError } from "../config/errors";
import { loadConfig } from "../config/load";
import type { Config } from "../config/types";
import { sshConfig, unknownWorkloadMessage } from "./ssh-config";

// -s: npm prints its "> script" banner on stdout, which ssh would reject as a config line.
const USAGE = "usage: npm run -s ssh-config -- <workload> >> ~/.ssh/config   (or --list); SESSIONS_CONFIG picks the config";

export function run(args: readonly string[], env: NodeJS.ProcessEnv): { code: number; out: string; err: string } {
  // Read relative to the working directory, and named in errors as the user wrote it, as main.ts does.
  const configFile = env.SESSIONS_CONFIG ?? "sessions.yaml";
  const listing = args.length === 1 && ["--list", "--help", "-h"].includes(args[0]);
  if (!listing && args.length === 1 && args[0].startsWith("-")) return { code: 1, out: "", err: `unknown option ${args[0]}; ${USAGE}` };
  if (args.length > 1) return { code: 1, out: "", err: `expected one workload, got ${args.length}; ${USAGE}` };
  try {
    const config = loadConfig(configFile);
    // Without a workload the listing goes to stderr: `npm run ssh-config >> ~/.ssh/config` must not append it.
    if (args.length === 0) return { code: 1, out: "", err: listWorkloads(config, configFile) };
    if (listing) return { code: 0, out: listWorkloads(config, configFile), err: "" };
    if (!config.workloads.some((w) => w.name === args[0])) {
      return { code: 1, out: "", err: unknownWorkloadMessage(config, args[0]).replace("the config", configFile) };
    }
    const { text, notes } = sshConfig(config, args[0]);
    return { code: 0, out: text.replace(/\n$/, ""), err: notes.join("\n") };
  } catch (e) {
    if (e instanceof ConfigError) return { code: 1, out: "", err: e.message };
    const message = `ssh-config failed: ${(e as Error).message}`;
    return { code: 1, out: "", err: env.DEBUG ? `${message}\n${(e as Error).stack}` : `${message}\n(set DEBUG=1 for a stack trace)` };
  }
}

/** The usage, then one line per workload: account, regions, who may use SSH, and the bastion. */
function listWorkloads(config: Config, configFile: string): string {
  const width = Math.max(...config.workloads.map((w) => w.name.length));
  const lines = config.workloads.map((w) => {
    const ssh = w.accessGroups.filter((g) => g.allowSsh).map((g) => g.name);
    const bastion = w.connectivity.bastion === undefined ? "" : `; bastion in ${w.connectivity.bastion.region}`;
    return `  ${w.name.padEnd(width)}  account ${w.accountId}, ${w.regions.join(", ")}; SSH: ${ssh.join(", ") || "no group (allowSsh)"}${bastion}`;
  });
  return [USAGE, `workloads in ${configFile}:`, ...lines].join("\n");
}

