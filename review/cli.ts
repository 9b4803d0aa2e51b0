import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../config/errors";
import { loadConfig } from "../config/load";
import { ModelError } from "./checks";
import { loadSynthesizedStacks, ResolveError } from "./resolve";
import { reportThreads, SimulationThreads, ThreadsError } from "./threads";

export interface ReportRun {
  readonly code: number;
  /** One line for stdout on success, or one message for stderr on failure. */
  readonly out: string;
  readonly err: string;
}

/**
 * `npm run report [-- --base <dir> [--base-config <file>]]`: reads cdktf.out (and the config it was synthesized
 * from) and writes cdktf.out/review.md. With `--base`, another synthesis (the base branch's cdktf.out, from
 * `--base-config`, by default the same config file) and what changed against it head the report.
 * Code 1, after writing the report, when a policy has lint findings or an access check differs from the model;
 * code 1 with a one-line message when the inputs cannot be read. `bundle`: the report bundle's file, which the
 * threads that share the simulations run (REPORT_THREADS chooses how many; by default, and with 1, this thread alone).
 */
export async function runReport(env: NodeJS.ProcessEnv, args: readonly string[] = [], bundle?: string): Promise<ReportRun> {
  const configFile = env.SESSIONS_CONFIG ?? "sessions.yaml";
  const outdir = env.CDKTF_OUTDIR ?? "cdktf.out";
  let threads: SimulationThreads | undefined;
  try {
    const options = parseArgs(args);
    // The other threads run the bundle, which only `npm run report` has: in-process callers simulate on their own
    // thread. They start when a review first asks enough distinct questions (see threads.ts).
    const count = reportThreads(env);
    if (bundle !== undefined) threads = SimulationThreads.start(bundle, count);
    const config = loadConfig(configFile);
    const stacks = loadSynthesizedStacks(outdir);
    const base =
      options.base === undefined ? undefined : { config: loadConfig(options.baseConfig ?? configFile), stacks: loadSynthesizedStacks(options.base) };
    // The simulator and its data load only once there is something to evaluate.
    const { buildReview } = await import("./report");
    const review = await buildReview(config, stacks, base, undefined, threads);
    const file = join(outdir, "review.md");
    writeFileSync(file, review.markdown);
    const line = `${file}: ${review.checks} access checks, ${review.surprises.length} not as intended, ${review.findings.length} lint findings`;
    return { code: review.findings.length > 0 || review.surprises.length > 0 ? 1 : 0, out: line, err: "" };
  } catch (e) {
    const known = e instanceof ConfigError || e instanceof ResolveError || e instanceof ModelError || e instanceof UsageError || e instanceof ThreadsError;
    const message = known ? (e as Error).message : `report failed: ${(e as Error).message}`;
    return { code: 1, out: "", err: env.DEBUG && e instanceof Error ? `${message}\n${e.stack}` : message };
  } finally {
    threads?.close();
  }
}

class UsageError extends Error {}

function parseArgs(args: readonly string[]): { base?: string; baseConfig?: string } {
  const out: { base?: string; baseConfig?: string } = {};
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if ((flag !== "--base" && flag !== "--base-config") || value === undefined || value.startsWith("--")) {
      throw new UsageError(`npm run report: ${flag} is not an option; use -- --base <cdktf.out of the base> [--base-config <its config file>]`);
    }
    if (flag === "--base") out.base = value;
    else out.baseConfig = value;
  }
  if (out.baseConfig !== undefined && out.base === undefined) throw new UsageError("npm run report: --base-config needs --base <dir>");
  return out;
}
