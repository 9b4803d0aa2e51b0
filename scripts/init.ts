// `npm run init -- --org o-… --log-account 111111111111 --workload payments:222222222222:eu-west-1`: writes a
// minimal config (sessions.yaml, or --out), never over an existing file. See config/init.ts.
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { initConfig } from "../config/init";

const schema = join(__dirname, "..", "sessions.schema.json");

/** What `npm run init -- <args>` does, run from `cwd`: the exit code and what it prints on stdout and stderr. */
export function runInit(args: string[], cwd = process.cwd()): { code: number; out: string; err: string } {
  // The editor comment points at the schema relative to the file written, as the YAML language server resolves it.
  const result = initConfig(args, (out) => {
    const path = relative(dirname(resolve(cwd, out)), schema).split(sep).join("/");
    return path.startsWith(".") ? path : `./${path}`;
  });
  if (!result.ok) return { code: 1, out: "", err: result.message };
  const file = resolve(cwd, result.out);
  if (existsSync(file)) {
    return { code: 1, out: "", err: `npm run init: ${result.out} exists and is left as it is; remove it, or write elsewhere with --out <file>` };
  }
  writeFileSync(file, result.text, { flag: "wx" });
  const use = result.out === "sessions.yaml" ? "npm run synth" : `SESSIONS_CONFIG=${result.out} npm run synth`;
  return { code: 0, out: `wrote ${result.out}; next: ${use}`, err: "" };
}

if (require.main === module) {
  const { code, out, err } = runInit(process.argv.slice(2));
  if (err !== "") console.error(err);
  if (out !== "") console.log(out);
  process.exitCode = code;
}
