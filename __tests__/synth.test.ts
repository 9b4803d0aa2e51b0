import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir, tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { SsmDocument } from "@cdktf/provider-aws/lib/ssm-document";
import { type TerraformStack, Testing } from "cdktf";
import { buildStacks, JustInTimeStack, LogArchiveStack, OrganizationStack, WorkloadStack } from "../stacks";
import { SESSION_EVENT_FIELDS, sessionEventTemplate } from "../modules/session-activity-rule";
import { runReport } from "../review/cli";
import { loadSynthesizedStacks } from "../review/resolve";
import { importHcl, synthesize, synthSummary, unwrapInterpolationOnly } from "../stacks/synthesize";
import { loadConfig, parseConfig } from "../config/load";
import type { Config } from "../config/types";
import { appStderr, EXAMPLE_CONFIG, exampleConfig, hclBlocks, ROOT, terraformLiteral } from "./helpers";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { organization } = require("../scripts/organization") as { organization: (n: number) => Record<string, any> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { TERRAFORM_OUTPUT_FILE, withoutUtilIsArray } = require("../scripts/terraform-output-patch") as {
  TERRAFORM_OUTPUT_FILE: RegExp;
  withoutUtilIsArray: (source: string) => string;
};

const APP = join(ROOT, "scripts", "app.js");
const scratch = mkdtempSync(join(tmpdir(), "smc-synth-"));

/** Runs the cdktf `app` command, as `npm run synth` and `cdktf synth` do, from `cwd` (Node.js options first). */
function runApp(cwd: string, env: Record<string, string>, nodeOptions: readonly string[] = []): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [...nodeOptions, APP], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    encoding: "utf8",
  });
}

/** Every file under `dir`, relative path -> content. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, "utf8");
    }
  };
  walk(dir);
  return out;
}

/**
 * The app command's JSON synthesis of the example in `one`, made once and read by several tests. It runs with
 * --throw-deprecation, so it also proves that a synth calls no deprecated Node.js API.
 */
let exampleSynth: SpawnSyncReturns<string> | undefined;
function exampleRun(): SpawnSyncReturns<string> {
  if (exampleSynth === undefined) {
    const cwd = join(scratch, "one");
    mkdirSync(cwd, { recursive: true });
    exampleSynth = runApp(cwd, { SESSIONS_CONFIG: EXAMPLE_CONFIG, CDKTF_OUTDIR: "out" }, ["--throw-deprecation"]);
  }
  return exampleSynth;
}

/** The directory holding exampleRun()'s output, `out`. */
function jsonOutput(): string {
  expect(exampleRun().status).toBe(0);
  return join(scratch, "one");
}

/** An earlier synthesis of the example in `cwd`/out: a copy of the one jsonOutput() made (a synth takes longer). */
function earlierOutput(cwd: string): void {
  mkdirSync(cwd, { recursive: true });
  cpSync(join(jsonOutput(), "out"), join(cwd, "out"), { recursive: true });
}

/**
 * Synthesizes `config` into `outdir` in this process, as the app command does but without its start-up; with `hcl`,
 * through SYNTH_HCL_OUTPUT as `cdktf synth --hcl` sets it. A synth in this process writes from one thread.
 */
async function synthHere(config: Config, outdir: string, hcl = false): Promise<Awaited<ReturnType<typeof synthesize>>> {
  const before = process.env.SYNTH_HCL_OUTPUT;
  if (hcl) process.env.SYNTH_HCL_OUTPUT = "true";
  try {
    return await synthesize(config, outdir);
  } finally {
    if (before === undefined) delete process.env.SYNTH_HCL_OUTPUT;
    else process.env.SYNTH_HCL_OUTPUT = before;
  }
}

/** An HCL synthesis of the example: the one the JSON-to-HCL switch test left, or a new one. */
async function hclOutput(): Promise<string> {
  const cwd = join(scratch, "switch");
  if (!existsSync(join(cwd, "out", "stacks", "log-archive", "cdk.tf"))) {
    mkdirSync(cwd, { recursive: true });
    await synthHere(exampleConfig(), join(cwd, "out"), true);
  }
  return cwd;
}

beforeAll(() => {
  // Build the bundle once, so the runs below do not race to rebuild it.
  const build = spawnSync(process.execPath, [join(ROOT, "scripts", "build.js")], { encoding: "utf8" });
  expect(build.status).toBe(0);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the app command", () => {
  test("synthesizes identical files from different working directories, free of machine paths, without Terraform", () => {
    const [a, b] = ["one", "two/nested"].map((d, i) => {
      const cwd = join(scratch, d);
      mkdirSync(cwd, { recursive: true });
      // The second run has no Terraform on PATH: cdktf's importFrom would run `terraform version`, and the
      // example adopts analytics' document with an import block.
      const run = i === 0 ? exampleRun() : runApp(cwd, { SESSIONS_CONFIG: EXAMPLE_CONFIG, CDKTF_OUTDIR: "out", PATH: "/nonexistent" });
      // On success the app prints one line per stack and nothing else; the Node.js runtime's own notices are not
      // its output.
      expect(appStderr(run.stderr)).toBe("");
      expect(run.stdout).toBe(
        [
          "log-archive         account 111111111111   18 resources",
          "workload-payments   account 222222222222  132 resources",
          "workload-analytics  account 333333333333   52 resources",
          "workload-batch      account 444444444444   48 resources",
          "organization        account 101010101010    6 resources",
          "identity-center     account 101010101010   16 resources",
          "just-in-time        account 555555555555    1 resource",
          "",
        ].join("\n"),
      );
      expect(run.status).toBe(0);
      return tree(join(cwd, "out"));
    });
    expect(Object.keys(a).sort()).toEqual([
      "manifest.json",
      "stacks/identity-center/cdk.tf.json",
      "stacks/just-in-time/cdk.tf.json",
      "stacks/log-archive/cdk.tf.json",
      "stacks/organization/cdk.tf.json",
      expect.stringMatching(/^stacks\/workload-analytics\/assets\/monitoring-us-east-1_watchdog_code_[0-9A-F]{8}\/[0-9A-F]{32}\/watchdog\.zip$/),
      "stacks/workload-analytics/cdk.tf.json",
      expect.stringMatching(/^stacks\/workload-batch\/assets\/monitoring-eu-west-1_watchdog_code_[0-9A-F]{8}\/[0-9A-F]{32}\/watchdog\.zip$/),
      "stacks/workload-batch/cdk.tf.json",
      expect.stringMatching(/^stacks\/workload-payments\/assets\/monitoring-eu-central-1_watchdog_code_[0-9A-F]{8}\/[0-9A-F]{32}\/watchdog\.zip$/),
      expect.stringMatching(/^stacks\/workload-payments\/assets\/monitoring-eu-west-1_watchdog_code_[0-9A-F]{8}\/[0-9A-F]{32}\/watchdog\.zip$/),
      "stacks/workload-payments/cdk.tf.json",
    ]);
    expect(b).toEqual(a);
    // The counts printed are the resources written.
    const counts = ["log-archive", "workload-payments", "workload-analytics", "workload-batch", "organization", "identity-center", "just-in-time"].map((stack) => {
      const resources = JSON.parse(a[`stacks/${stack}/cdk.tf.json`]).resource;
      return Object.values<object>(resources).reduce((n, byName) => n + Object.keys(byName).length, 0);
    });
    expect(counts).toEqual([18, 132, 52, 48, 6, 16, 1]);
    expect(JSON.parse(a["stacks/workload-analytics/cdk.tf.json"]).import).toHaveLength(1);
    const machinePaths = [ROOT, scratch, tmpdir(), homedir(), "/home/", "/root/", "/work/", "/tmp/"];
    for (const [file, text] of Object.entries(a)) {
      for (const p of machinePaths) expect({ file, leaks: text.includes(p) ? p : undefined }).toEqual({ file, leaks: undefined });
    }
    for (const stack of ["log-archive", "workload-analytics", "workload-payments"]) {
      expect(JSON.parse(a[`stacks/${stack}/cdk.tf.json`]).terraform.required_version).toBe(">= 1.10");
    }
    expect(JSON.parse(a["stacks/log-archive/cdk.tf.json"]).terraform.backend).toEqual({
      local: { path: "../../../terraform.log-archive.tfstate" },
    });
  });

  test("several threads write the same files as one, byte for byte", async () => {
    // Three workload accounts: six stacks, two for each of three threads.
    const config = join(scratch, "generated.json");
    writeFileSync(config, JSON.stringify(organization(3)));
    const files = (dir: string): Record<string, string> =>
      Object.fromEntries(Object.keys(tree(dir)).map((f) => [f, createHash("sha256").update(readFileSync(join(dir, f))).digest("hex")]));
    // One thread: synthesize() in this process; three: the app command, each thread running the bundle.
    const oneThread = await synthHere(loadConfig(config), join(scratch, "threads-1", "out"));
    const one = { stdout: `${synthSummary(oneThread.stacks).join("\n")}\n`, files: files(join(scratch, "threads-1", "out")) };
    const cwd3 = join(scratch, "threads-3");
    mkdirSync(cwd3, { recursive: true });
    const run = runApp(cwd3, { SESSIONS_CONFIG: config, CDKTF_OUTDIR: "out", SYNTH_THREADS: "3" });
    expect(appStderr(run.stderr)).toBe("");
    expect(run.status).toBe(0);
    const three = { stdout: run.stdout, files: files(join(cwd3, "out")) };
    expect(Object.keys(JSON.parse(readFileSync(join(cwd3, "out", "manifest.json"), "utf8")).stacks)).toHaveLength(6);
    expect(Object.keys(one.files)).toEqual(expect.arrayContaining(["manifest.json", join("stacks", "workload-w002", "cdk.tf.json")]));
    expect(three).toEqual(one);

    const cwd = join(scratch, "threads-0");
    mkdirSync(cwd, { recursive: true });
    const refused = runApp(cwd, { SESSIONS_CONFIG: config, CDKTF_OUTDIR: "out", SYNTH_THREADS: "0" });
    expect(refused.status).toBe(1);
    expect(appStderr(refused.stderr)).toBe("synth failed: SYNTH_THREADS must be a whole number of threads, 1 or more, not 0\n(set DEBUG=1 for a stack trace)\n");
    expect(existsSync(join(cwd, "out"))).toBe(false);
  });

  test("a bad config: every problem on stderr, exit 1, no stack trace and no output written", () => {
    const cwd = join(scratch, "bad");
    mkdirSync(cwd, { recursive: true });
    const bad = readFileSync(EXAMPLE_CONFIG, "utf8")
      .replace('accountId: "333333333333"', 'accountId: "3333"')
      .replace("idleTimeoutMinutes: 20", "idleTimeoutMinutes: 90");
    writeFileSync(join(cwd, "bad.yaml"), bad);
    const run = runApp(cwd, { SESSIONS_CONFIG: "bad.yaml", CDKTF_OUTDIR: "out" });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.split("\n")[0]).toBe("bad.yaml: 2 problems");
    expect(run.stderr).toContain('workloads[1].accountId: must be 12 digits (got "3333")');
    expect(run.stderr).toContain("sessionDefaults.idleTimeoutMinutes: Too big");
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(readdirSync(cwd)).toEqual(["bad.yaml"]);
  });

  test("a failed synth leaves an earlier output exactly as it was", () => {
    const cwd = join(scratch, "keep");
    earlierOutput(cwd);
    const before = tree(join(cwd, "out"));
    writeFileSync(join(cwd, "bad.yaml"), "organization: {}\n");
    expect(runApp(cwd, { SESSIONS_CONFIG: "bad.yaml", CDKTF_OUTDIR: "out" }).status).toBe(1);
    expect(tree(join(cwd, "out"))).toEqual(before);
    expect(readdirSync(cwd).sort()).toEqual(["bad.yaml", "out"]);
  });

  test("a stack removed from the config loses its synthesized files", async () => {
    const cwd = join(scratch, "removed");
    earlierOutput(cwd);
    const fewer = readFileSync(EXAMPLE_CONFIG, "utf8").replace(/\n  - name: analytics[\s\S]*?\n(?=deployment:)/, "\n");
    await synthHere(parseConfig(fewer), join(cwd, "out"));
    expect(Object.keys(JSON.parse(readFileSync(join(cwd, "out", "manifest.json"), "utf8")).stacks)).toEqual([
      "log-archive",
      "organization",
      "workload-payments",
    ]);
    expect(readdirSync(join(cwd, "out", "stacks", "workload-analytics"))).toEqual([]);
  });

  test("switching to HCL replaces cdk.tf.json, so Terraform never loads both", async () => {
    const cwd = join(scratch, "switch");
    earlierOutput(cwd);
    const { stacks } = await synthHere(exampleConfig(), join(cwd, "out"), true);
    // The same summary as a JSON synth: the counts come from the stacks' JSON form.
    expect(synthSummary(stacks)[1]).toBe("workload-payments   account 222222222222  132 resources");
    expect(readdirSync(join(cwd, "out", "stacks", "log-archive")).sort()).toEqual(["cdk.tf", "metadata.json"]);
    expect(readFileSync(join(cwd, "out", "stacks", "log-archive", "cdk.tf"), "utf8")).toMatch(
      /^terraform \{\n  required_version = ">= 1\.10"\n  required_providers \{$/m,
    );
  });
});

test("the synth summary aligns names and counts, and says resource for one", () => {
  expect(
    synthSummary([
      { name: "log-archive", accountId: "111111111111", resources: 1 },
      { name: "workload-a", accountId: "222222222222", resources: 1234 },
    ]),
  ).toEqual(["log-archive  account 111111111111     1 resource", "workload-a   account 222222222222  1234 resources"]);
});

describe("deploy order", () => {
  test("every workload, the organization and the just-in-time stack depend on log-archive, and identity-center on the workloads it references, in the manifest the CLI reads", () => {
    const manifest = JSON.parse(readFileSync(join(jsonOutput(), "out", "manifest.json"), "utf8"));
    expect(Object.fromEntries(Object.entries<any>(manifest.stacks).map(([name, s]) => [name, s.dependencies]))).toEqual({
      // Its permission sets reference customer managed policies workload-analytics and workload-batch create.
      "identity-center": ["log-archive", "workload-analytics", "workload-batch"],
      "just-in-time": ["log-archive"],
      "log-archive": [],
      organization: ["log-archive"],
      "workload-analytics": ["log-archive"],
      "workload-batch": ["log-archive"],
      "workload-payments": ["log-archive"],
    });
  });

  test("the dependencies change no stack's Terraform", () => {
    const config = exampleConfig();
    const ordered = buildStacks(Testing.app({ stackTraces: false }), config);
    const app = Testing.app({ stackTraces: false });
    const unordered = [
      new LogArchiveStack(app, config),
      ...config.workloads.map((w) => new WorkloadStack(app, config, w)),
      new OrganizationStack(app, config, config.organizationGuardrails!),
      new JustInTimeStack(app, config, config.justInTime!),
    ];
    const synth = (stacks: readonly (TerraformStack | undefined)[]) => stacks.map((s) => Testing.synth(s!));
    expect(synth([ordered.logArchive, ...ordered.workloads, ordered.organization, ordered.justInTime])).toEqual(synth(unordered));
    expect(unordered.every((s) => s.dependencies.length === 0)).toBe(true);
  });
});

describe("HCL output", () => {
  const stacksOf = (cwd: string): string[] => readdirSync(join(cwd, "out", "stacks")).sort();

  test("keeps the import block that adopts analytics' SSM-SessionManagerRunShell, as the JSON output has it", async () => {
    const hcl = await hclOutput();
    const json = jsonOutput();
    expect(stacksOf(hcl)).toEqual(["identity-center", "just-in-time", "log-archive", "organization", "workload-analytics", "workload-batch", "workload-payments"]);
    for (const stack of stacksOf(hcl)) {
      const blocks = hclBlocks(readFileSync(join(hcl, "out", "stacks", stack, "cdk.tf"), "utf8"));
      const imports = blocks.filter((b) => b.type === "import").map((b) => b.attributes);
      const expected = JSON.parse(readFileSync(join(json, "out", "stacks", stack, "cdk.tf.json"), "utf8")).import ?? [];
      expect([stack, imports]).toEqual([stack, expected.map((i: any) => ({ to: i.to, id: JSON.stringify(i.id), provider: i.provider }))]);
    }
    const analytics = hclBlocks(readFileSync(join(hcl, "out", "stacks", "workload-analytics", "cdk.tf"), "utf8"));
    const [adoption] = analytics.filter((b) => b.type === "import");
    expect(adoption.attributes).toEqual({
      to: expect.stringMatching(/^aws_ssm_document\.session-us-east-1_preferences_[0-9A-F]{8}$/),
      id: '"SSM-SessionManagerRunShell"',
      provider: "aws",
    });
    // `to` names the preferences document of this HCL, and `provider` its default provider, in us-east-1.
    const [type, name] = adoption.attributes.to.split(".");
    const target = analytics.find((b) => b.type === "resource" && b.labels[0] === type && b.labels[1] === name);
    expect(target?.attributes).toMatchObject({ name: '"SSM-SessionManagerRunShell"', document_type: '"Session"' });
    expect(target?.attributes.provider).toBe("aws");
    const providers = analytics.filter((b) => b.type === "provider" && b.labels[0] === "aws" && b.attributes.alias === undefined);
    expect(providers.map((p) => p.attributes.region)).toEqual(['"us-east-1"']);
  });

  test("keeps each stack's Terraform JSON outside the stacks' directories, and npm run report reads it", async () => {
    const hcl = await hclOutput();
    const json = jsonOutput();
    expect(readdirSync(join(hcl, "out", "json")).sort()).toEqual(stacksOf(hcl).map((s) => `${s}.json`));
    for (const stack of stacksOf(hcl)) {
      expect(JSON.parse(readFileSync(join(hcl, "out", "json", `${stack}.json`), "utf8"))).toEqual(
        JSON.parse(readFileSync(join(json, "out", "stacks", stack, "cdk.tf.json"), "utf8")),
      );
    }
    expect(loadSynthesizedStacks(join(hcl, "out"))).toEqual(loadSynthesizedStacks(join(json, "out")));
    // The review's synthesis inputs are equal; the report itself (its simulation takes seconds) runs once, to
    // prove it accepts an HCL synthesis.
    const run = await runReport({ CDKTF_OUTDIR: join(hcl, "out"), SESSIONS_CONFIG: EXAMPLE_CONFIG });
    expect(run).toMatchObject({ code: 0, err: "" });
    expect(readFileSync(join(hcl, "out", "review.md"), "utf8")).toContain("941 access checks, all as intended");
    // The simulation of every check: seconds, more on a busy machine.
  }, 30_000);

  test("a JSON synth after an HCL one drops the kept JSON, and the report reads cdk.tf.json again", async () => {
    const cwd = join(scratch, "back");
    mkdirSync(cwd, { recursive: true });
    cpSync(join(await hclOutput(), "out"), join(cwd, "out"), { recursive: true });
    rmSync(join(cwd, "out", "json", "log-archive.json"));
    expect(() => loadSynthesizedStacks(join(cwd, "out"))).toThrow(
      `log-archive: ${join(cwd, "out", "json", "log-archive.json")} not found: synthesize again (npm run synth)`,
    );
    await synthHere(exampleConfig(), join(cwd, "out"));
    expect(existsSync(join(cwd, "out", "json"))).toBe(false);
    expect(loadSynthesizedStacks(join(cwd, "out")).map((s) => s.name)).toEqual(stacksOf(cwd));
  });

  test("an import id is a string literal: a template sequence in it stays text", () => {
    expect(importHcl({ to: "aws_ssm_document.d", id: 'a"${b}%{c}', provider: "aws.eu-west-1" })).toBe(
      ['import {', "  to = aws_ssm_document.d", '  id = "a\\"$${b}%%{c}"', "  provider = aws.eu-west-1", "}"].join("\n"),
    );
    expect(hclBlocks(importHcl({ to: "aws_ssm_document.d", id: "x" }))).toEqual([{ type: "import", labels: [], attributes: { to: "aws_ssm_document.d", id: '"x"' } }]);
  });
});

describe("Terraform reads the output", () => {
  const terraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
  if (!terraform) {
    // A visible note rather than a silent pass.
    console.warn("SKIPPED: terraform is not on PATH, so `terraform fmt -check` and the parse check did not run.");
  }
  const withTerraform = terraform ? test : test.skip;

  /** Terraform parses the stack: where no provider can be downloaded, init stops only at that. */
  function expectTerraformParses(stackDir: string): void {
    const init = spawnSync("terraform", ["init", "-backend=false", "-input=false", "-no-color"], {
      cwd: stackDir,
      encoding: "utf8",
      env: { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" },
      timeout: 60_000,
    });
    const text = init.stdout + init.stderr;
    const errors = text.match(/^Error: .*$/gm) ?? [];
    expect(errors.filter((e) => !/provider packages|install provider/i.test(e))).toEqual([]);
    expect(text.match(/^Warning: (?!Unable to open CLI configuration).*$/gm) ?? []).toEqual([]);
  }

  withTerraform("cdktf synth --hcl output passes terraform fmt -check and parses without warnings", async () => {
    const cwd = await hclOutput();
    const fmt = spawnSync("terraform", ["fmt", "-check", "-recursive", "-no-color", "out"], { cwd, encoding: "utf8" });
    expect(fmt.stdout).toBe("");
    expect(fmt.status).toBe(0);
    for (const stack of readdirSync(join(cwd, "out", "stacks"))) expectTerraformParses(join(cwd, "out", "stacks", stack));
  });

  withTerraform("Terraform itself turns every policy and document into the text the tests assert on", () => {
    // The other tests read policies through terraformLiteral (a copy of Terraform's unescaping). Here Terraform
    // evaluates every policy and document string of the example, references replaced by a marker, as outputs.
    const cwd = jsonOutput();
    mkdirSync(join(cwd, "tf"), { recursive: true });
    const texts: Record<string, string> = {};
    for (const stack of readdirSync(join(cwd, "out", "stacks"))) {
      const config = JSON.parse(readFileSync(join(cwd, "out", "stacks", stack, "cdk.tf.json"), "utf8"));
      for (const [type, resources] of Object.entries<Record<string, any>>(config.resource)) {
        for (const [name, body] of Object.entries<Record<string, any>>(resources)) {
          for (const attr of ["policy", "assume_role_policy", "content"]) {
            if (typeof body[attr] === "string") texts[`${stack}__${type}__${name}__${attr}`.replace(/[^\w-]/g, "_")] = body[attr];
          }
        }
      }
    }
    const marker = (t: string) => t.replace(/\$\{aws_[a-z0-9_]+\.[^}]+\}/g, "REF");
    const outputs = Object.fromEntries(Object.entries(texts).map(([k, t]) => [k, { value: marker(t) }]));
    writeFileSync(join(cwd, "tf", "main.tf.json"), JSON.stringify({ output: outputs }));
    const tf = (...args: string[]) =>
      spawnSync("terraform", args, { cwd: join(cwd, "tf"), encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
    expect(tf("init", "-input=false", "-no-color").status).toBe(0);
    expect(tf("apply", "-auto-approve", "-input=false", "-no-color").status).toBe(0);
    const evaluated = JSON.parse(tf("output", "-json").stdout);
    expect(Object.keys(evaluated).length).toBeGreaterThan(10);
    for (const [k, t] of Object.entries(texts)) expect(evaluated[k].value).toBe(marker(terraformLiteral(t)));
    const all = Object.values(evaluated).map((o: any) => o.value as string).join("\n");
    expect(all).toContain('session/${aws:userid}-*"');
    expect(all).toContain('"ssm:resourceTag/aws:ssmmessages:session-id": "${aws:userid}"');
    expect(all).toContain('/${aws:PrincipalAccount}/*"');
    expect(all).not.toContain("$${");
  });

  withTerraform("HCL output gives Terraform the same single-line strings as JSON output (backslashes included)", async () => {
    // Every top-level `name = "…"` of every resource in the HCL, evaluated by Terraform as an output, must equal
    // the JSON output's value for the same resource and argument (Terraform unescapes both the same way).
    const hcl = await hclOutput();
    const json = jsonOutput();
    const dir = join(hcl, "hcl-strings");
    mkdirSync(dir, { recursive: true });
    const outputs: string[] = [];
    const expected: Record<string, string> = {};
    for (const stack of readdirSync(join(hcl, "out", "stacks"))) {
      const tfJson = JSON.parse(readFileSync(join(json, "out", "stacks", stack, "cdk.tf.json"), "utf8"));
      let resource: [string, string] | undefined;
      // Nested blocks by depth, each with its position among same-named blocks (egress { … } twice, say).
      let blocks: [string, number][] = [];
      let seen = new Map<string, number>();
      for (const line of readFileSync(join(hcl, "out", "stacks", stack, "cdk.tf"), "utf8").split("\n")) {
        const opens = line.match(/^resource "([\w]+)" "([\w-]+)" \{$/);
        if (opens) [resource, blocks, seen] = [[opens[1], opens[2]], [], new Map()];
        else if (line === "}") resource = undefined;
        const indent = line.length - line.trimStart().length;
        const block = line.match(/^\s+([a-z_]+) \{$/);
        if (block) {
          const parent = blocks.slice(0, indent / 2 - 1);
          const where = JSON.stringify([...parent, block[1]]);
          const index = seen.get(where) ?? 0;
          seen.set(where, index + 1);
          blocks = [...parent, [block[1], index]];
        }
        const attr = line.match(/^(\s+)([a-z_]+)\s*= ("(?:[^"\\]|\\.)*")$/);
        if (resource === undefined || attr === null || attr[3].includes("${")) continue;
        const inside = blocks.slice(0, attr[1].length / 2 - 1);
        const path = [...inside.map(([name, i]) => `${name}${i}`), attr[2]];
        let value: any = tfJson.resource[resource[0]][resource[1]];
        for (const [name, i] of inside) value = Array.isArray(value?.[name]) ? value[name][i] : value?.[name];
        value = value?.[attr[2]];
        if (typeof value !== "string") continue; // a map entry or list element: not a resource argument
        const key = `${stack}__${resource[1]}__${resource[0]}__${path.join("__")}`.replace(/[^\w-]/g, "_");
        outputs.push(`output "${key}" {\n  value = ${attr[3]}\n}`);
        expected[key] = terraformLiteral(value);
      }
    }
    expect(Object.keys(expected).some((k) => k.includes("alarm_description"))).toBe(true);
    expect(Object.keys(expected).some((k) => k.includes("metric_filter") && k.endsWith("pattern"))).toBe(true);
    writeFileSync(join(dir, "main.tf"), outputs.join("\n"));
    const tf = (...args: string[]) =>
      spawnSync("terraform", args, { cwd: dir, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
    expect(tf("init", "-input=false", "-no-color").status).toBe(0);
    expect(tf("apply", "-auto-approve", "-input=false", "-no-color").status).toBe(0);
    const evaluated = JSON.parse(tf("output", "-json").stdout);
    expect(Object.fromEntries(Object.entries<any>(evaluated).map(([k, o]) => [k, o.value]))).toEqual(expected);
  });

  withTerraform("the JSON output parses without warnings", () => {
    const cwd = jsonOutput();
    for (const stack of readdirSync(join(cwd, "out", "stacks"))) expectTerraformParses(join(cwd, "out", "stacks", stack));
  });
});

describe("deprecated Node.js APIs", () => {
  test("appStderr drops the runtime's warnings and keeps everything the command printed", () => {
    const warning = "(node:42) [DEP0205] DeprecationWarning: `module.register()` is deprecated.\n(Use `node --trace-deprecation ...` to show where the warning was created)\n";
    expect(appStderr(`${warning}bad.yaml: 1 problem\n  (node:1) is not a field\n${warning}`)).toBe("bad.yaml: 1 problem\n  (node:1) is not a field\n");
  });


  test("a synth calls none: it runs with --throw-deprecation", () => {
    const run = exampleRun();
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  test("cdktf's TerraformOutput loses its util.isArray call, in the bundle and under jest, and nothing else changes", () => {
    const file = require.resolve("cdktf/lib/terraform-output.js");
    const source = readFileSync(file, "utf8");
    expect(TERRAFORM_OUTPUT_FILE.test(file)).toBe(true);
    expect(source).toMatch(/\(0, util_\d+\.isArray\)\(object\)/);
    const patched = withoutUtilIsArray(source);
    expect(patched).not.toMatch(/isArray\)/);
    expect(patched.replace("Array.isArray(object)", "")).toBe(source.replace(/\(0, util_\d+\.isArray\)\(object\)/, ""));
    expect(readFileSync(join(ROOT, "dist", "main.js"), "utf8")).not.toMatch(/util_\d+\.isArray/);
    const { TerraformOutput } = require("cdktf/lib/terraform-output");
    expect(String(TerraformOutput.prototype.isITerraformAddressable)).toContain("!Array.isArray(object)");
  });
});

describe("the bundle", () => {
  test("leaves archiver out, and can still load cdktf's archiver when something zips", () => {
    const bundle = readFileSync(join(ROOT, "dist", "main.js"), "utf8");
    // esbuild may rename the binding (createRequire2) when another module uses the name.
    expect(bundle).toMatch(/createRequire\d*\(require\.resolve\("cdktf"\)\)\("archiver"\)/);
    expect(bundle).not.toContain("ArchiverError");
    // Token stack traces are recorded only under DEBUG.
    expect(bundle).toContain("if (!process.env.DEBUG) exports2.captureStackTrace = () => [];");
    const archiver = createRequire(require.resolve("cdktf"))("archiver");
    expect(typeof archiver("zip").append).toBe("function");
  });

  test.each([
    ["main.ts", "SOURCES"],
    ["scripts/report.ts", "REPORT_SOURCES"],
  ])("is rebuilt when any file it is built from changes: every local import of %s is under %s", (entry, list) => {
    const SOURCES = (require(join(ROOT, "scripts", "build.js")) as Record<string, string[]>)[list];
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      for (const [, spec] of text.matchAll(/from "(\.{1,2}\/[^"]+)"/g)) {
        const base = join(dirname(file), spec);
        visit([`${base}.ts`, join(base, "index.ts")].find((f) => existsSync(f))!);
      }
    };
    visit(join(ROOT, entry));
    const sources = [...seen].map((f) => relative(ROOT, f).split(sep)).map((p) => (p[0] === "scripts" ? p.join("/") : p[0]));
    expect([...new Set(sources)].filter((d) => !SOURCES.includes(d))).toEqual([]);
  });

  test("holds none of the AGPL review tooling: the synth path never imports review/ or @cloud-copilot", () => {
    expect(readFileSync(join(ROOT, "dist", "main.js"), "utf8")).not.toMatch(/cloud-copilot|iam-simulate/);
    const sources = ["main.ts", ...["config", "modules", "stacks"].flatMap((dir) => readdirSync(join(ROOT, dir), { recursive: true }).map((f) => join(dir, String(f))))];
    for (const file of sources.filter((f) => f.endsWith(".ts"))) {
      expect([file, readFileSync(join(ROOT, file), "utf8").match(/from "(\.\.?\/)+review|@cloud-copilot/)]).toEqual([file, null]);
    }
  });
});

describe("HCL clean-up", () => {
  test("unwraps interpolation-only strings and quoted references, but never inside a heredoc", () => {
    const hcl = [
      'resource "x" "y" {',
      '  bucket   = "${aws_s3_bucket.b.id}"',
      '  provider = "aws.eu-central-1"',
      "  policy   = <<EOF",
      '{ "Resource": "${aws_kms_key.k.arn}", "provider": "aws" }',
      "EOF",
      "  depends_on = [",
      '    "aws_s3_bucket.b",',
      "  ]",
      '  name = "${var.prefix}-x"',
      "}",
    ].join("\n");
    expect(unwrapInterpolationOnly(hcl).split("\n")).toEqual([
      'resource "x" "y" {',
      "  bucket   = aws_s3_bucket.b.id",
      "  provider = aws.eu-central-1",
      "  policy   = <<EOF",
      '{ "Resource": "${aws_kms_key.k.arn}", "provider": "aws" }',
      "EOF",
      "  depends_on = [",
      "    aws_s3_bucket.b,",
      "  ]",
      '  name = "${var.prefix}-x"',
      "}",
    ]);
  });
});

describe("cdktf Testing matchers agree with the parsed assertions", () => {
  const app = Testing.app({ stackTraces: false });
  const { logArchive, workloads } = buildStacks(app, exampleConfig());

  test("log archive: the bucket cannot be force-destroyed and the provider guards the account", () => {
    const synth = Testing.synth(logArchive);
    expect(synth).toHaveResourceWithProperties(S3Bucket, { force_destroy: false, lifecycle: { prevent_destroy: true } });
    expect(synth).toHaveProviderWithProperties(AwsProvider, { allowed_account_ids: ["111111111111"] });
  });

  test("each workload has a Session document named SSM-SessionManagerRunShell", () => {
    for (const stack of workloads) {
      expect(Testing.synth(stack)).toHaveResourceWithProperties(SsmDocument, {
        name: "SSM-SessionManagerRunShell",
        document_type: "Session",
      });
    }
  });
});

test("the README's quick start and test command are the ones package.json and cdktf.json run", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  expect(readme).toContain("npm ci && npm run synth");
  expect(readme).toMatch(/^npm test$/m);
  const scripts = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts;
  expect(scripts.synth).toBe("node scripts/app.js");
  expect(JSON.parse(readFileSync(join(ROOT, "cdktf.json"), "utf8")).app).toBe(scripts.synth);
  expect(existsSync(join(ROOT, "sessions.yaml"))).toBe(true);
});

test("docs/alerts.md's session-event alert is what the rule's template gives for a StartSession event", () => {
  // EventBridge replaces each <field> with the event's value; an event without errorCode leaves <error> empty.
  const event: Record<string, string> = {
    event: "StartSession",
    time: "2026-11-23T09:12:05Z",
    account: "222222222222",
    region: "eu-west-1",
    who: "arn:aws:iam::222222222222:user/session-manager/bob.example",
    from: "198.51.100.7",
    target: "i-0a1b2c3d4e5f67890",
    document: "AWS-StartSSHSession",
    startedSession: "bob.example-07e9d5a1c3b2f4e68",
  };
  expect(Object.keys(SESSION_EVENT_FIELDS)).toEqual(expect.arrayContaining(Object.keys(event)));
  const text = sessionEventTemplate().replace(/<([A-Za-z]+)>/g, (_, field: string) => event[field] ?? "");
  expect(readFileSync(join(ROOT, "docs", "alerts.md"), "utf8")).toContain(["```text", text, "```"].join("\n"));
});
