// `npm run validate`: terraform validate on every synthesized stack, against a local AWS provider plugin (see
// terraform-local.js for which one). Every resource type, attribute name and type must exist in its schema. Without
// terraform or a plugin it says so and exits 0. `npm run plan` plans each stack offline with the same provider.
//
// Validating loads the provider (~4 s), so all stacks go into one configuration, one module each, and are
// validated in one run. Import blocks are only allowed in the root module, so they are hoisted there.
"use strict";
const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");
const { copyAssets, forLocalProvider, localProvider, synthesizeInto, terraform } = require("./terraform-local");

const provider = localProvider("terraform validate");
if (provider.missing) {
  console.log(provider.missing);
  process.exit(0);
}
const { pluginDir, version, versions } = provider;

const work = mkdtempSync(join(tmpdir(), "smc-validate-"));
try {
  const env = { ...process.env, CHECKPOINT_DISABLE: "1" };
  const combined = { terraform: { required_providers: {} }, module: {}, import: [] };
  const notes = new Set();
  for (const stack of synthesizeInto(join(work, "out"), env, versions)) {
    const { config, name } = stack;
    for (const note of forLocalProvider(config, versions)) notes.add(note);
    Object.assign(combined.terraform.required_providers, config.terraform.required_providers);
    for (const imp of config.import ?? []) combined.import.push({ id: imp.id, to: `module.${name}.${imp.to}` });
    delete config.import;
    const dir = join(work, "validate", name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "main.tf.json"), JSON.stringify(config, null, 2));
    copyAssets(stack.dir, dir);
    combined.module[name] = { source: `./${name}` };
  }
  writeFileSync(join(work, "validate", "main.tf.json"), JSON.stringify(combined, null, 2));

  const tf = (...args) => terraform(join(work, "validate"), env, ...args);
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
} finally {
  rmSync(work, { recursive: true, force: true });
}
