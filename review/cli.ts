import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../config/errors";
import { loadConfig } from "../config/load";
import { ModelError } from "./checks";
import { loadSynthesizedStacks, ResolveError } from "./resolve";

export interface ReportRun {
  readonly code: number;
  /** One line for stdout on success, or one message for stderr on failure. */
  readonly out: string;
  readonly err: string;
}

/**
 * `npm run report`: reads cdktf.out (and the config it was synthesized from) and writes cdktf.out/review.md.
 * Code 1, after writing the report, when a policy has lint findings or an access check differs from the model;
 * code 1 with a one-line message when the inputs cannot be read.
 */
export async function runReport(env: NodeJS.ProcessEnv): Promise<ReportRun> {
  const configFile = env.SESSIONS_CONFIG ?? "sessions.yaml";
  const outdir = env.CDKTF_OUTDIR ?? "cdktf.out";
  try {
    const config = loadConfig(configFile);
    const stacks = loadSynthesizedStacks(outdir);
    // The simulator and its data load only once there is something to evaluate.
    const { buildReview } = await import("./report");
    const review = await buildReview(config, stacks);
    const file = join(outdir, "review.md");
    writeFileSync(file, review.markdown);
    const line = `${file}: ${review.checks} access checks, ${review.surprises.length} not as intended, ${review.findings.length} lint findings`;
    return { code: review.findings.length > 0 || review.surprises.length > 0 ? 1 : 0, out: line, err: "" };
  } catch (e) {
    const known = e instanceof ConfigError || e instanceof ResolveError || e instanceof ModelError;
    const message = known ? (e as Error).message : `report failed: ${(e as Error).message}`;
    return { code: 1, out: "", err: env.DEBUG && e instanceof Error ? `${message}\n${e.stack}` : message };
  }
}
