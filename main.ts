import { ComplianceError } from "./compliance/engine";
import { ConfigError } from "./config/errors";
import { readConfig, validateConfig } from "./config/load";
import { isMainThread, parentPort } from "node:worker_threads";
import { type SynthShare, synthesize, synthesizeShare, SynthThreads, synthSummary } from "./stacks/synthesize";

/**
 * Entry point of `cdktf synth` and `npm run synth`: config file in, one Terraform stack per account out.
 * SESSIONS_CONFIG chooses the config (default: sessions.yaml in the working directory, which is the project root
 * under both `npm run` and the cdktf CLI); CDKTF_OUTDIR the output directory (default: cdktf.out).
 */
async function main(): Promise<number> {
  // Read relative to the working directory, and named in errors as the user wrote it.
  const configFile = process.env.SESSIONS_CONFIG ?? "sessions.yaml";
  let threads: SynthThreads | undefined;
  try {
    const raw = readConfig(configFile);
    // A large organization's synth threads load while its config is validated.
    threads = SynthThreads.start(workloadCount(raw));
    const config = validateConfig(raw, configFile);
    const { warnings, stacks } = await synthesize(config, process.env.CDKTF_OUTDIR ?? "cdktf.out", { started: threads });
    for (const warning of warnings) console.error(warning);
    for (const line of synthSummary(stacks)) console.log(line);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof ComplianceError) {
      console.error(e.message);
    } else if (process.env.DEBUG) {
      console.error(e);
    } else {
      console.error(`synth failed: ${(e as Error).message}\n(set DEBUG=1 for a stack trace)`);
    }
    return 1;
  } finally {
    await threads?.stop();
  }
}

/** How many workloads a config, not yet validated, lists. */
const workloadCount = (raw: unknown): number => {
  const workloads = (raw as { workloads?: unknown }).workloads;
  return Array.isArray(workloads) ? workloads.length : 0;
};

// A large organization's stacks are written by several threads, each running this file: see synthesize.ts.
if (isMainThread) {
  void main().then((code) => {
    process.exitCode = code;
  });
} else {
  parentPort!.once("message", (job: SynthShare) => synthesizeShare(job));
}
