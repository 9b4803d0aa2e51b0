// `npm run init -- --org o-… --log-account 111111111111 --workload payments:222222222222:eu-west-1`: writes a
// minimal config (sessions.yaml, or --out), never over an existing file. See config/init.ts.
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { initConfig } from "../config/init";

const schema = join(__dirname, "..", "sessions.schema.json");
// The editor comment points at the schema relative to the file written, as the YAML language server resolves it.
const result = initConfig(process.argv.slice(2), (out) => {
  const path = relative(dirname(resolve(out)), schema).split(sep).join("/");
  return path.startsWith(".") ? path : `./${path}`;
});
if (!result.ok) {
  console.error(result.message);
  process.exitCode = 1;
} else if (existsSync(result.out)) {
  console.error(`npm run init: ${result.out} exists and is left as it is; remove it, or write elsewhere with --out <file>`);
  process.exitCode = 1;
} else {
  writeFileSync(result.out, result.text, { flag: "wx" });
  const use = result.out === "sessions.yaml" ? "npm run synth" : `SESSIONS_CONFIG=${result.out} npm run synth`;
  console.log(`wrote ${result.out}; next: ${use}`);
}
