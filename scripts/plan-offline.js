// `npm run plan`: a Terraform plan of every stack, offline. Per stack, `terraform test` with a `mock_provider` for
// each of its providers (aws; tfe for the workspaces stack) and a `run` block with `command = plan`: Terraform plans
// without credentials, the local providers' schemas check every argument (see terraform-local.js for which
// providers), and the plan's changes are counted per stack.
//
// Mock providers cannot import, so a stack that adopts an existing document is planned from a copy without its
// `import` blocks, and the output says so: the adopted document is then counted as created. The organization
// stack's run also asserts that every SCP and RCP fits AWS's 5,120 characters. Without terraform or a provider it
// prints one SKIPPED line and exits 0.
"use strict";
const { spawn } = require("node:child_process");
const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = require("node:fs");
const { cpus, tmpdir } = require("node:os");
const { join } = require("node:path");
const { copyAssets, forLocalProvider, localProvider, synthesizeInto, terraform } = require("./terraform-local");

/** Assertions a stack's run adds to its plan, by stack name. */
const ASSERTIONS = {
  organization: [
    {
      condition: "alltrue([for name, size in output.policy-sizes : size <= 5120])",
      error_message: "an SCP or RCP is over 5,120 characters",
    },
  ],
};

/**
 * Values a mock provider must return for data sources whose results the provider validates where they are used: it
 * invents random strings otherwise. An Identity Center group's id, which an account assignment checks the shape of.
 */
const MOCK_DATA = {
  aws_identitystore_group: { group_id: "9067b4a2e1-1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901" },
};

/**
 * The stack's configuration as the mocked plan takes it, and the import blocks left out of it. The caller's object
 * is not changed.
 */
function withoutImports(config) {
  const { import: imports = [], ...rest } = config;
  return { config: rest, imports };
}

/**
 * The test file: a mocked provider for each provider the stack requires (aws unless it names others), for the
 * default configuration and for each alias, one plan, the stack's assertions.
 */
function testFile(config, assertions = []) {
  const names = Object.keys(config.terraform?.required_providers ?? { aws: {} });
  const lines = [];
  for (const name of names) {
    const aliases = [].concat(config.provider?.[name] ?? []).map((p) => p.alias).filter((a) => a !== undefined);
    // Data source types start with their provider's local name: aws_identitystore_group is the aws provider's.
    const mocks = Object.keys(config.data ?? {})
      .filter((type) => MOCK_DATA[type] !== undefined && type.startsWith(`${name}_`))
      .flatMap((type) => [`  mock_data ${JSON.stringify(type)} {`, `    defaults = ${JSON.stringify(MOCK_DATA[type]).replace(/":/g, '" = ')}`, "  }"]);
    if (lines.length > 0) lines.push("");
    lines.push(...(mocks.length === 0 ? [`mock_provider ${JSON.stringify(name)} {}`] : [`mock_provider ${JSON.stringify(name)} {`, ...mocks, "}"]));
    for (const alias of aliases) lines.push("", `mock_provider ${JSON.stringify(name)} {`, `  alias = ${JSON.stringify(alias)}`, ...mocks, "}");
  }
  lines.push("", 'run "plan" {', "  command = plan");
  for (const a of assertions) {
    lines.push("", "  assert {", `    condition     = ${a.condition}`, `    error_message = ${JSON.stringify(a.error_message)}`, "  }");
  }
  lines.push("}", "");
  return lines.join("\n");
}

/** The changes of a plan that `terraform test -verbose` printed, counted as `terraform plan` sums them. */
function planCounts(output) {
  const counts = { add: 0, change: 0, destroy: 0, read: 0 };
  for (const [, action] of output.matchAll(/^ {2}# \S+ (will be created|will be updated in-place|must be replaced|will be destroyed|will be read during apply)/gm)) {
    if (action === "will be created") counts.add += 1;
    else if (action === "will be updated in-place") counts.change += 1;
    else if (action === "must be replaced") [counts.add, counts.destroy] = [counts.add + 1, counts.destroy + 1];
    else if (action === "will be destroyed") counts.destroy += 1;
    else counts.read += 1;
  }
  return counts;
}

/** One line of output per stack. */
function summary(name, counts, imports) {
  const line = `${name}: ${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy`;
  if (imports.length === 0) return line;
  const left = imports.map((i) => `${i.to} (${i.id})`).join(", ");
  return `${line}; planned without its import of ${left}: mock providers cannot import, so it counts as an add here`;
}

function run(cmd, args, options) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, options);
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (status) => resolve({ status, out }));
  });
}

async function main() {
  const provider = localProvider("npm run plan");
  if (provider.missing) {
    console.log(provider.missing);
    return 0;
  }
  const { pluginDir, version, versions } = provider;
  const work = mkdtempSync(join(tmpdir(), "smc-plan-"));
  try {
    const env = { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
    const stacks = synthesizeInto(join(work, "out"), env, versions);
    const notes = new Set();
    const jobs = stacks.map((stack) => {
      const dir = join(work, "plan", stack.name);
      mkdirSync(join(dir, "tests"), { recursive: true });
      const { config, imports } = withoutImports(stack.config);
      for (const note of forLocalProvider(config, versions)) notes.add(note);
      writeFileSync(join(dir, "main.tf.json"), JSON.stringify(config, null, 2));
      writeFileSync(join(dir, "tests", "plan.tftest.hcl"), testFile(config, ASSERTIONS[stack.name]));
      copyAssets(stack.dir, dir);
      return { name: stack.name, dir, imports };
    });
    for (const note of notes) console.log(note);
    // Each test loads the provider (seconds of CPU): as many at once as there are cores.
    const results = new Map();
    const queue = [...jobs];
    const worker = async () => {
      for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
        const init = terraform(job.dir, env, "init", "-backend=false", "-input=false", `-plugin-dir=${pluginDir}`, "-no-color");
        const test = init.status === 0 ? await run("terraform", ["test", "-verbose", "-no-color"], { cwd: job.dir, env }) : { status: init.status, out: init.stdout + init.stderr };
        results.set(job.name, test);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(cpus().length, jobs.length)) }, worker));
    let failed = 0;
    for (const job of jobs) {
      const { status, out } = results.get(job.name);
      if (status !== 0) {
        failed += 1;
        console.error(out.replace(/^There are some problems with the CLI configuration:\n[\s\S]*?╵\n\n/gm, ""));
        console.error(`${job.name}: the offline plan failed`);
        continue;
      }
      console.log(summary(job.name, planCounts(out), job.imports));
    }
    const done = `terraform test (mock aws provider ${version} from ${pluginDir}, command = plan)`;
    console.log(failed === 0 ? `${done}: ${jobs.length} stacks plan offline` : `${done}: ${failed} of ${jobs.length} stacks failed`);
    return failed === 0 ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}

module.exports = { withoutImports, testFile, planCounts, summary, ASSERTIONS };
