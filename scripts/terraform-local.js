// What `npm run validate` and `npm run plan` share: the local AWS provider they run against, a fresh synthesis of
// the config, and each stack's JSON made ready for that provider.
//
// Neither downloads a provider. A local plugin directory (/opt/tf-plugins by default, where a CI image may carry AWS
// provider 5.x; set TF_PLUGIN_DIR for another) supplies them. The stacks pin provider 6.25, so against 5.x this is a
// schema check of the 5.x subset they use, not proof of 6.x behaviour. A stack that needs a provider the directory
// lacks (the workspaces stack's hashicorp/tfe, unless it is there too) is left out, said in one line.
"use strict";
const { spawnSync } = require("node:child_process");
const { cpSync, existsSync, readdirSync, readFileSync } = require("node:fs");
const { join } = require("node:path");

const root = join(__dirname, "..");

/** The newest version of every provider in a plugin directory, by source (`hashicorp/aws`). */
function pluginVersions(pluginDir) {
  const registry = join(pluginDir, "registry.terraform.io");
  const versions = {};
  const dirs = (dir) => (existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name) : []);
  for (const namespace of dirs(registry)) {
    for (const name of dirs(join(registry, namespace))) {
      const found = dirs(join(registry, namespace, name)).sort(byVersion);
      if (found.length > 0) versions[`${namespace}/${name}`] = found[found.length - 1];
    }
  }
  return versions;
}

/**
 * The providers of the plugin directory and terraform on PATH, or why they cannot be used:
 * `{ pluginDir, version, versions }` (`version` the AWS provider's, `versions` every provider's by source) or
 * `{ missing: "<one line>" }`.
 */
function localProvider(what) {
  const pluginDir = process.env.TF_PLUGIN_DIR || "/opt/tf-plugins";
  const versions = pluginVersions(pluginDir);
  const hasTerraform = spawnSync("terraform", ["version"]).status === 0;
  if (!hasTerraform || versions["hashicorp/aws"] === undefined) {
    return { missing: `SKIPPED: ${what} needs terraform on PATH and an AWS provider under ${join(pluginDir, "registry.terraform.io", "hashicorp", "aws")}.` };
  }
  return { pluginDir, version: versions["hashicorp/aws"], versions };
}

/** A provider source as the plugin directory files it: `aws` and `registry.terraform.io/hashicorp/aws` are `hashicorp/aws`. */
function sourceOf(provider) {
  const parts = provider.source.split("/");
  return parts.length === 1 ? `hashicorp/${parts[0]}` : parts.slice(-2).join("/");
}

/** The sources of a stack's required providers that `versions` lacks. */
function missingProviders(config, versions) {
  return Object.values(config.terraform?.required_providers ?? {})
    .map(sourceOf)
    .filter((source) => versions[source] === undefined);
}

function byVersion(a, b) {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/**
 * Values the stacks need that the local provider predates, replaced by the nearest it knows, each announced: the
 * schema is still checked, the value itself is left to the pinned provider. nodejs24.x arrived in provider 6.19;
 * Lambda no longer creates nodejs20.x functions, so the stacks cannot use an older runtime.
 */
const NEWER_THAN_LOCAL_PROVIDER = [{ type: "aws_lambda_function", argument: "runtime", value: "nodejs24.x", stand_in: "nodejs22.x", since: "6.19" }];

/**
 * A stack's Terraform JSON for the local providers (`versions` by source): each pinned to its local version, without a
 * backend or cloud block (nothing here touches state), with the newer values stood in. Returns the notes to print, one
 * line each. Changes `config` in place.
 */
function forLocalProvider(config, versions) {
  const notes = [];
  for (const p of Object.values(config.terraform.required_providers)) p.version = versions[sourceOf(p)];
  const version = versions["hashicorp/aws"];
  delete config.terraform.backend;
  delete config.terraform.cloud;
  if (!version.startsWith("5.")) return notes;
  for (const s of NEWER_THAN_LOCAL_PROVIDER) {
    for (const body of Object.values(config.resource?.[s.type] ?? {})) {
      if (body[s.argument] !== s.value) continue;
      body[s.argument] = s.stand_in;
      notes.push(`note: ${s.type}.${s.argument} = ${s.value} needs provider ${s.since}+; checked as ${s.stand_in} against ${version}`);
    }
  }
  return [...new Set(notes)];
}

/**
 * Synthesizes the config (SESSIONS_CONFIG, as npm run synth) as JSON into `outdir`, printing nothing on success.
 * Returns the stacks whose providers are all in `versions`, in the manifest's order: `{ name, dir, config }`,
 * `config` the parsed cdk.tf.json; each other stack is named in one line.
 */
function synthesizeInto(outdir, env, versions) {
  const synth = spawnSync(process.execPath, [join(root, "scripts", "app.js")], {
    cwd: root,
    env: { ...env, CDKTF_OUTDIR: outdir, SYNTH_HCL_OUTPUT: "false" },
    encoding: "utf8",
  });
  if (synth.status !== 0) {
    process.stderr.write(synth.stderr);
    process.exit(synth.status ?? 1);
  }
  const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
  const stacks = Object.values(manifest.stacks).map((entry) => {
    const dir = join(outdir, entry.workingDirectory);
    return { name: entry.name, dir, config: JSON.parse(readFileSync(join(outdir, entry.synthesizedStackPath), "utf8")) };
  });
  // A stack needing a provider the plugin directory lacks is left out, said once, rather than checked against
  // something it is not.
  return stacks.filter((stack) => {
    const missing = missingProviders(stack.config, versions);
    if (missing.length > 0) console.log(`${stack.name}: skipped, it needs ${missing.join(", ")}, which the local plugin directory does not have`);
    return missing.length === 0;
  });
}

/** Copies a stack's assets (the watchdog's zip), which its resources name by path relative to the stack. */
function copyAssets(stackDir, to) {
  if (existsSync(join(stackDir, "assets"))) cpSync(join(stackDir, "assets"), join(to, "assets"), { recursive: true });
}

/** Runs terraform in `cwd`, output captured. */
function terraform(cwd, env, ...args) {
  return spawnSync("terraform", args, { cwd, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
}

module.exports = { localProvider, pluginVersions, missingProviders, forLocalProvider, synthesizeInto, copyAssets, terraform, byVersion, root };
