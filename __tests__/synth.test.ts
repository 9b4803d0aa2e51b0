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
import { synthSummary } from "../stacks/synthesize";
import { loadConfig, parseConfig } from "../config/load";
import { appStderr, EXAMPLE_CONFIG, exampleConfig, ROOT, synthesizeHere } from "./helpers";
import { sharedExample } from "./shared-example";
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
 * The app command's JSON synthesis of the example, made once for the whole run (shared-example.ts) and read by
 * several tests. It runs with --throw-deprecation, so it also proves that a synth calls no deprecated Node.js API.
 */
const exampleRun = sharedExample;

/** The directory holding exampleRun()'s output, `out`. */
function jsonOutput(): string {
  expect(exampleRun().status).toBe(0);
  return exampleRun().cwd;
}

/** An earlier synthesis of the example in `cwd`/out: a copy of the one jsonOutput() made (a synth takes longer). */
function earlierOutput(cwd: string): void {
  mkdirSync(cwd, { recursive: true });
  cpSync(join(jsonOutput(), "out"), join(cwd, "out"), { recursive: true });
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the app command", () => {
  test("synthesizes identical files from different working directories, free of machine paths, without Terraform", () => {
    const [a, b] = ["one", "two/nested"].map((d, i) => {
      const cwd = i === 0 ? exampleRun().cwd : join(scratch, d);
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
    const oneThread = await synthesizeHere(loadConfig(config), join(scratch, "threads-1", "out"));
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
    await synthesizeHere(parseConfig(fewer), join(cwd, "out"));
    expect(Object.keys(JSON.parse(readFileSync(join(cwd, "out", "manifest.json"), "utf8")).stacks)).toEqual([
      "log-archive",
      "organization",
      "workload-payments",
    ]);
    expect(readdirSync(join(cwd, "out", "stacks", "workload-analytics"))).toEqual([]);
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
    // Token stack traces are recorded only under DEBUG (the bundle has no spaces).
    // It runs as a compiled script (scripts/fresh-bundle.js), which has no import().
    expect(bundle).not.toMatch(/\bimport\(/);
    // Both bundles are ASCII, which Node.js reads as one byte per character (esbuild escapes strings, not patterns).
    for (const file of ["main.js", "report.js"]) expect([file, /^[\x00-\x7f]*$/.test(readFileSync(join(ROOT, "dist", file), "utf8"))]).toEqual([file, true]);
    expect(bundle).toMatch(/if\s*\(!process\.env\.DEBUG\)\s*exports2\.captureStackTrace\s*=\s*\(\)\s*=>\s*\[\]/);
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
