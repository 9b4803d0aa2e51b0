// `npm run validate`: terraform validate on every synthesized stack, against a local AWS provider plugin.
//
// It downloads no provider. When a local plugin directory holds one (/opt/tf-plugins by default, where a CI image may
// carry AWS provider 5.x; set TF_PLUGIN_DIR for another), the stacks are validated against its schema: every
// resource type, attribute name and type must exist. The stacks pin provider 6.25, so this is a schema check of the
// 5.x subset they use, not proof of 6.x behaviour. Without terraform or a plugin it says so and exits 0.
//
// Validating loads the provider (~4 s), so all stacks go into one configuration, one module each, and are
// validated in one run. Import blocks are only allowed in the root module, so they are hoisted there.
//
// The organization stack (SCPs and RCPs) is also planned, offline: `terraform test` with `mock_provider "aws"` and
// `command = plan` needs no credentials, and the local provider's schema checks the policy types it accepts.
"use strict";
const { spawnSync } = require("node:child_process");
const { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

const root = join(__dirname, "..");
const pluginDir = process.env.TF_PLUGIN_DIR || "/opt/tf-plugins";
const awsDir = join(pluginDir, "registry.terraform.io", "hashicorp", "aws");
const versions = existsSync(awsDir) ? readdirSync(awsDir).sort() : [];
const hasTerraform = spawnSync("terraform", ["version"]).status === 0;
if (!hasTerraform || versions.length === 0) {
  console.log(`SKIPPED: terraform validate needs terraform on PATH and an AWS provider under ${awsDir}.`);
  process.exit(0);
}
const version = versions[versions.length - 1];

/**
 * Values the stacks need that the local provider predates, replaced by the nearest it knows, each announced: the
 * schema is still checked, the value itself is left to the pinned provider. nodejs24.x arrived in provider 6.19;
 * Lambda no longer creates nodejs20.x functions, so the stacks cannot use an older runtime.
 */
const NEWER_THAN_LOCAL_PROVIDER = [{ type: "aws_lambda_function", argument: "runtime", value: "nodejs24.x", stand_in: "nodejs22.x", since: "6.19" }];
const notes = new Set();
function substituteNewerValues(config) {
  if (!version.startsWith("5.")) return;
  for (const s of NEWER_THAN_LOCAL_PROVIDER) {
    for (const body of Object.values(config.resource?.[s.type] ?? {})) {
      if (body[s.argument] !== s.value) continue;
      body[s.argument] = s.stand_in;
      notes.add(`note: ${s.type}.${s.argument} = ${s.value} needs provider ${s.since}+; validated as ${s.stand_in} against ${version}`);
    }
  }
}

/** `terraform test` of one stack against a mocked provider: a plan, no credentials, and the SCP/RCP size limit asserted. */
function planOffline(dir, env) {
  const planDir = join(dir, "..", "..", "plan-organization");
  mkdirSync(join(planDir, "tests"), { recursive: true });
  writeFileSync(join(planDir, "main.tf.json"), readFileSync(join(dir, "main.tf.json")));
  writeFileSync(
    join(planDir, "tests", "plan.tftest.hcl"),
    [
      'mock_provider "aws" {}',
      "",
      'run "plans_offline" {',
      "  command = plan",
      "  assert {",
      '    condition     = alltrue([for name, size in output.policy-sizes : size <= 5120])',
      '    error_message = "an SCP or RCP is over 5,120 characters"',
      "  }",
      "}",
      "",
    ].join("\n"),
  );
  const tf = (...args) => spawnSync("terraform", args, { cwd: planDir, env, encoding: "utf8" });
  const init = tf("init", "-backend=false", "-input=false", `-plugin-dir=${pluginDir}`, "-no-color");
  const test = init.status === 0 ? tf("test", "-no-color") : init;
  if (test.status !== 0) {
    console.error(test.stdout + test.stderr);
    console.error(`terraform test (mock aws provider ${version}) failed to plan the organization stack`);
    process.exit(1);
  }
  console.log(`terraform test (mock aws provider ${version}, command = plan): organization plans offline`);
}

const work = mkdtempSync(join(tmpdir(), "smc-validate-"));
try {
  const env = { ...process.env, CDKTF_OUTDIR: join(work, "out"), CHECKPOINT_DISABLE: "1" };
  const synth = spawnSync(process.execPath, [join(root, "scripts", "app.js")], { cwd: root, env, stdio: "inherit" });
  if (synth.status !== 0) process.exit(synth.status ?? 1);

  const combined = { terraform: { required_providers: { aws: { source: "hashicorp/aws", version } } }, module: {}, import: [] };
  const stacksDir = join(work, "out", "stacks");
  for (const stack of readdirSync(stacksDir)) {
    const config = JSON.parse(readFileSync(join(stacksDir, stack, "cdk.tf.json"), "utf8"));
    config.terraform.required_providers.aws.version = version;
    delete config.terraform.backend;
    substituteNewerValues(config);
    for (const imp of config.import ?? []) combined.import.push({ id: imp.id, to: `module.${stack}.${imp.to}` });
    delete config.import;
    mkdirSync(join(work, "validate", stack), { recursive: true });
    writeFileSync(join(work, "validate", stack, "main.tf.json"), JSON.stringify(config, null, 2));
    combined.module[stack] = { source: `./${stack}` };
  }
  writeFileSync(join(work, "validate", "main.tf.json"), JSON.stringify(combined, null, 2));

  const tf = (...args) => spawnSync("terraform", args, { cwd: join(work, "validate"), env, encoding: "utf8" });
  const init = tf("init", "-backend=false", "-input=false", `-plugin-dir=${pluginDir}`, "-no-color");
  if (init.status !== 0) {
    console.error(init.stdout + init.stderr);
    process.exit(1);
  }
  for (const note of notes) console.log(note);
  const result = JSON.parse(tf("validate", "-json", "-no-color").stdout);
  const stacks = Object.keys(combined.module).join(", ");
  for (const d of result.diagnostics) console.log(`${d.severity}: ${d.summary}: ${d.detail} (${d.range?.filename ?? ""})`);
  if (!result.valid || result.diagnostics.length > 0) {
    console.error(`terraform validate (aws provider ${version}) failed for ${stacks}`);
    process.exit(1);
  }
  console.log(`terraform validate (aws provider ${version} from ${pluginDir}): ${stacks} valid`);
  if (combined.module.organization !== undefined) planOffline(join(work, "validate", "organization"), env);
} finally {
  rmSync(work, { recursive: true, force: true });
}
