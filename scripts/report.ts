// `npm run report`: reads cdktf.out (and the config it was synthesized from) and writes cdktf.out/review.md.
// Exits 1, after writing the report, when a policy has lint findings or an access check differs from the model.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../config/load";
import { ConfigError } from "../config/errors";
import { ModelError } from "../review/checks";
import { loadSynthesizedStacks, ResolveError } from "../review/resolve";

async function main(): Promise<number> {
  const configFile = process.env.SESSIONS_CONFIG ?? "sessions.yaml";
  const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
  const config = loadConfig(configFile);
  const stacks = loadSynthesizedStacks(outdir);
  // The simulator and its data load only once there is something to evaluate.
  const { buildReview } = await import("../review/report");
  const review = await buildReview(config, stacks);
  const file = join(outdir, "review.md");
  writeFileSync(file, review.markdown);
  console.log(`${file}: ${review.checks} access checks, ${review.surprises.length} not as intended, ${review.findings.length} lint findings`);
  return review.findings.length > 0 || review.surprises.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    const known = e instanceof ConfigError || e instanceof ResolveError || e instanceof ModelError;
    console.error(known ? (e as Error).message : `report failed: ${(e as Error).message}`);
    if (process.env.DEBUG && e instanceof Error) console.error(e.stack);
    process.exit(1);
  },
);
