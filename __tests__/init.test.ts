import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { initConfig } from "../config/init";
import { loadConfig, parseConfig } from "../config/load";
import { synthesize } from "../stacks/synthesize";
import { runInit } from "../scripts/init";
import { appStderr, ROOT } from "./helpers";

const scratch = mkdtempSync(join(tmpdir(), "smc-init-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ARGS = ["--org", "o-a1b2c3d4e5", "--log-account", "111111111111", "--workload", "payments:222222222222:eu-west-1"];
const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");

/** `npm run init -- …` as npm runs it, from `cwd`. */
function init(cwd: string, args: readonly string[]) {
  return spawnSync(process.execPath, [TSX, join(ROOT, "scripts", "init.ts"), ...args], { cwd, encoding: "utf8" });
}

describe("npm run init", () => {
  test("writes a config that loads, synthesizes with no finding, and points editors at the schema; never overwrites it", async () => {
    const cwd = join(scratch, "new");
    mkdirSync(join(cwd, "configs"), { recursive: true });
    const run = init(cwd, [...ARGS, "--workload", "analytics:333333333333:us-east-1,eu-central-1", "--out", "configs/org.yaml"]);
    expect({ status: run.status, stderr: appStderr(run.stderr) }).toEqual({ status: 0, stderr: "" });
    expect(run.stdout).toBe("wrote configs/org.yaml; next: SESSIONS_CONFIG=configs/org.yaml npm run synth\n");
    const file = join(cwd, "configs", "org.yaml");
    const text = readFileSync(file, "utf8");
    const schema = text.match(/^# yaml-language-server: \$schema=(\S+)\n/)?.[1];
    expect(schema).toBeDefined();
    expect(resolve(dirname(file), schema!)).toBe(join(ROOT, "sessions.schema.json"));

    const config = loadConfig(file);
    expect(config.workloads.map((w) => [w.name, w.accountId, w.regions])).toEqual([
      ["payments", "222222222222", ["eu-west-1"]],
      ["analytics", "333333333333", ["us-east-1", "eu-central-1"]],
    ]);
    expect(config.logArchive).toMatchObject({ accountId: "111111111111", region: "eu-west-1" });
    // synthesize() throws on any error finding; warnings are the rest.
    const { warnings } = await synthesize(config, join(cwd, "out"));
    expect(warnings).toEqual([]);
    expect(readdirSync(join(cwd, "out", "stacks")).sort()).toEqual(["log-archive", "workload-analytics", "workload-payments"]);

    // Run again (what the command does, in this process): the file exists, and stays exactly as it is.
    writeFileSync(file, "# mine\n");
    expect(runInit([...ARGS, "--out", "configs/org.yaml"], cwd)).toEqual({
      code: 1,
      out: "",
      err: "npm run init: configs/org.yaml exists and is left as it is; remove it, or write elsewhere with --out <file>",
    });
    expect(readFileSync(file, "utf8")).toBe("# mine\n");
  });

  test("bad arguments: every problem at once, by flag and config path, exit 1, no stack trace, nothing written", () => {
    const cwd = join(scratch, "bad");
    mkdirSync(cwd, { recursive: true });
    const run = init(cwd, ["--org", "o-x", "--log-account", "1111", "--workload", "payments:2222:eu-west-9", "--workload", "web", "--color", "red"]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(appStderr(run.stderr).split("\n").slice(0, 8)).toEqual([
      "npm run init: 7 problems",
      "  --color: is not an option",
      "  red: is not an option: values follow their flag, such as --org o-…",
      "  --workload web: must be <name>:<account>:<region>[,<region>…]",
      '  --org (organization.id): must be an AWS Organizations id such as o-a1b2c3d4e5 (got "o-x")',
      '  --log-account (logArchive.accountId): must be 12 digits (got "1111")',
      '  --workload payments:2222:eu-west-9 (workloads[0].accountId): must be 12 digits (got "2222")',
      '  --workload payments:2222:eu-west-9 (workloads[0].regions[0]): must be a commercial AWS region, such as eu-west-1 or us-east-1 (got "eu-west-9")',
    ]);
    expect(run.stderr).toContain("usage: npm run init -- --org");
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe("initConfig", () => {
  const schema = () => "./sessions.schema.json";

  test("missing flags and values are named, not guessed", () => {
    const result = initConfig(["--out", "--org", "stray"], schema);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message.split("\n").slice(0, 6)).toEqual([
      "npm run init: 5 problems",
      "  --out: needs a value",
      "  stray: is not an option: values follow their flag, such as --org o-…",
      "  --org: is required",
      "  --log-account: is required",
      "  --workload: is required: name it once per workload account",
    ]);
  });

  test("--prefix and --log-region are used; the default out is sessions.yaml", () => {
    const result = initConfig([...ARGS, "--prefix", "corp", "--log-region", "eu-central-1"], schema);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.out).toBe("sessions.yaml");
    const config = parseConfig(result.text);
    expect([config.namePrefix, config.logArchive.region]).toEqual(["corp", "eu-central-1"]);
    expect(existsSync(join(ROOT, "sessions.schema.json"))).toBe(true);
  });
});
