// `npm run check:cdktn`: does this project work on CDK Terrain (cdktn), the maintained fork of cdktf?
//
// In a temporary copy of the project it swaps cdktf and @cdktf/provider-aws for the CDK Terrain packages below,
// rewrites the imports, synthesizes the example config and runs the test suite. It then compares every synthesized
// file with the cdktf synthesis of the same config, and prints only the differences and test failures that the
// lists below do not explain. Exit 0 when there are none. The project itself is not changed: cdktf stays the default.
//
// Needs Node.js 22.11 or later (@cdktn/provider-aws's engines); on an older node it reruns itself under Node 22 from
// the npm registry. Needs the npm registry, for the cdktn packages.
"use strict";
const { spawnSync } = require("node:child_process");
const { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join, relative } = require("node:path");

/** The CDK Terrain packages tried, pinned exactly (looked up with npm view on 2026-11-29). */
const CDKTN = {
  cdktn: "0.24.0",
  "@cdktn/provider-aws": "25.7.0", // pins the Terraform AWS provider 6.66.0
  constructs: "10.7.2", // cdktn 0.24 needs constructs >=10.6.0 <10.8.0
};
const REPLACED = ["cdktf", "@cdktf/provider-aws"];

/**
 * Differences between the cdktf and the cdktn synthesis that are expected, each with why. `file` and `path` (the
 * JSON path inside the file, dot-separated) are regular expressions; a difference matching both is explained.
 */
const EXPECTED_DIFFERENCES = [
  {
    file: /cdk\.tf\.json$/,
    path: /^terraform\.required_providers\.aws\.version$/,
    why: "@cdktn/provider-aws 25.7 pins the AWS provider 6.66.0, @cdktf/provider-aws 21.22 pins 6.25.0",
  },
  { file: /cdk\.tf\.json$/, path: /^\/\/\.metadata\.version$/, why: "the library version recorded in the stack metadata" },
  { file: /^manifest\.json$/, path: /^version$/, why: "the library version recorded in the manifest" },
  {
    file: /cdk\.tf\.json$/,
    path: /^terraform\.required_providers\.aws\.source$/,
    why: 'the provider source spelled out, "hashicorp/aws" for "aws": Terraform reads both as registry.terraform.io/hashicorp/aws',
  },
];

/**
 * Tests that are expected to fail on cdktn, each with why: they check how this project works around cdktf 0.21
 * internals that CDK Terrain changed.
 */
const EXPECTED_TEST_FAILURES = [
  {
    name: /leaves archiver out, and can still load cdktf's archiver/,
    why: "cdktn zips with fflate and has no archiver dependency, so there is no archiver to load lazily",
  },
  {
    name: /cdktf's TerraformOutput loses its util\.isArray call/,
    why: "cdktn's TerraformOutput already calls Array.isArray: there is nothing to rewrite",
  },
  {
    name: /Testing's synth and synthesize\(\) agree on the function/,
    why:
      "cdktn's Testing.app turns on its future flags, canonical asset hashes among them, which an App does not: the watchdog zip's folder is named by another hash in a Testing synth only (the synthesized stacks agree)",
  },
  {
    name: /writes what (cdktf's )?json-stable-stringify writes|refuses a circular structure and the options cdktf does not pass|writes each stack of the example as cdktf itself writes it, unpatched/,
    why:
      "the bundle replaces cdktf 0.21's JSON writer (json-stable-stringify) and rewrites its resolver; these tests compare with cdktf's own writer, and cdktn has no json-stable-stringify (its bundle is built unpatched: the rewrite names cdktf's files)",
  },
  {
    name: /workspaces stack synthesizes with the others/,
    why:
      "@cdktf/provider-tfe has no CDK Terrain release (no @cdktn/provider-tfe on npm): its provider is a cdktf construct, which cdktn's App cannot prepare (_resetResolveDiscoveredProviderFeatureUsage is not a function), so the optional workspaces stack needs cdktf",
  },
];

const root = join(__dirname, "..");
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 11)) {
  if (process.env.CHECK_CDKTN_NODE_FROM_NPX) throw new Error(`expected Node.js >= 22.11 from npx, got ${process.version}`);
  console.log(`check:cdktn: Node.js ${process.version} is older than 22.11; running under Node 22 from the npm registry`);
  const rerun = spawnSync("npx", ["-y", "-p", "node@22", "--", "node", __filename], {
    stdio: "inherit",
    env: { ...process.env, CHECK_CDKTN_NODE_FROM_NPX: "1" },
  });
  process.exit(rerun.status ?? 1);
}

const started = Date.now();
const work = mkdtempSync(join(tmpdir(), "check-cdktn-"));
const copy = join(work, "project");

/** Runs a command; on failure prints its output and exits. */
function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, ...options });
  if (result.status !== 0 && !options.allowFailure) {
    process.stdout.write(result.stdout ?? "");
    process.stderr.write(result.stderr ?? "");
    throw new Error(`${cmd} ${args.join(" ")} failed (exit ${result.status})`);
  }
  return result;
}

/** The import rewrites: package names only, never cdktf.out, cdktf.json, CDKTF_* or @cdktf/hcl-tools. */
function rewriteImports(text) {
  return text
    .replace(/@cdktf\/provider-aws/g, "@cdktn/provider-aws")
    .replace(/(["'])cdktf\1/g, "$1cdktn$1")
    .replace(/(["'/])cdktf\/(lib|package\.json)/g, "$1cdktn/$2")
    .replace(/cdktf(\[\\+\/\]lib)/g, "cdktn$1");
}

function sourceFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => !f.startsWith("node_modules") && /\.(ts|js)$/.test(f) && !f.endsWith(".d.ts"))
    .map((f) => join(dir, f));
}

/** Every file under `dir`, by relative path. */
function files(dir) {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

/** Leaf differences between two JSON values: [path, a, b]. */
function jsonDiff(a, b, path = []) {
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => jsonDiff(a[k], b[k], [...path, k]));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [[path.join("."), a, b]];
}

try {
  // 1. The copy: the working tree as it is, without what is installed or generated.
  const skip = new Set(["node_modules", ".git", "dist", "cdktf.out"]);
  cpSync(root, copy, { recursive: true, filter: (src) => !skip.has(relative(root, src).split(/[\\/]/)[0]) });

  // 2. cdktf's synthesis of the example, by the project as it is.
  const cdktfOut = join(work, "cdktf.out");
  const synthEnv = { PATH: process.env.PATH, HOME: process.env.HOME, SESSIONS_CONFIG: join(root, "sessions.yaml") };
  run(process.execPath, [join(root, "scripts", "app.js")], { cwd: work, env: { ...synthEnv, CDKTF_OUTDIR: cdktfOut } });

  // 3. Switch the copy to CDK Terrain.
  const pkgFile = join(copy, "package.json");
  const pkg = JSON.parse(readFileSync(pkgFile, "utf8"));
  for (const name of REPLACED) delete pkg.dependencies[name];
  Object.assign(pkg.dependencies, CDKTN);
  writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
  rmSync(join(copy, "package-lock.json"));
  let rewritten = 0;
  for (const file of sourceFiles(copy)) {
    const text = readFileSync(file, "utf8");
    const next = rewriteImports(text);
    if (next !== text) {
      writeFileSync(file, next);
      rewritten += 1;
    }
  }
  console.log(`check:cdktn: ${Object.entries(CDKTN).map(([n, v]) => `${n}@${v}`).join(", ")}; imports rewritten in ${rewritten} files`);
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: copy });
  const left = sourceFiles(copy).filter((f) => /from "(cdktf|@cdktf\/provider-aws)[/"]|require\("cdktf[/"]/.test(readFileSync(f, "utf8")));
  if (left.length > 0) throw new Error(`imports of cdktf left after the rewrite: ${left.map((f) => relative(copy, f)).join(", ")}`);

  // 4. cdktn's synthesis of the same config, and the type check and tests.
  const cdktnOut = join(work, "cdktn.out");
  const synth = run(process.execPath, [join(copy, "scripts", "app.js")], { cwd: work, env: { ...synthEnv, CDKTF_OUTDIR: cdktnOut } });
  const unexplained = [];
  if (synth.stderr.trim() !== "") unexplained.push(`synth printed on stderr:\n${synth.stderr.trimEnd()}`);
  const typecheck = run("npx", ["tsc", "--noEmit", "-p", "."], { cwd: copy, allowFailure: true });
  if (typecheck.status !== 0) unexplained.push(`npm run typecheck fails:\n${typecheck.stdout.trimEnd()}`);
  const report = join(work, "jest.json");
  run(process.execPath, [join(copy, "node_modules", "jest", "bin", "jest.js"), "--ci", "--json", `--outputFile=${report}`], {
    cwd: copy,
    allowFailure: true,
  });
  const tests = JSON.parse(readFileSync(report, "utf8"));
  const failed = tests.testResults.flatMap((f) =>
    f.assertionResults.filter((t) => t.status === "failed").map((t) => `${relative(copy, f.name)}: ${t.fullName}`),
  );
  if (tests.testResults.some((f) => f.status === "failed" && f.assertionResults.length === 0)) {
    unexplained.push(...tests.testResults.filter((f) => f.assertionResults.length === 0).map((f) => `${relative(copy, f.name)} did not run: ${f.message}`));
  }
  const expectedFailures = failed.filter((t) => EXPECTED_TEST_FAILURES.some((e) => e.name.test(t)));
  unexplained.push(...failed.filter((t) => !expectedFailures.includes(t)).map((t) => `test fails: ${t}`));

  // 5. The two syntheses, file by file.
  const [a, b] = [files(cdktfOut), files(cdktnOut)];
  for (const f of a.filter((f) => !b.includes(f))) unexplained.push(`only cdktf writes ${f}`);
  for (const f of b.filter((f) => !a.includes(f))) unexplained.push(`only cdktn writes ${f}`);
  const explained = new Map();
  for (const f of a.filter((f) => b.includes(f))) {
    const [x, y] = [readFileSync(join(cdktfOut, f)), readFileSync(join(cdktnOut, f))];
    if (x.equals(y)) continue;
    if (!f.endsWith(".json")) {
      unexplained.push(`${f} differs`);
      continue;
    }
    for (const [path, from, to] of jsonDiff(JSON.parse(x.toString("utf8")), JSON.parse(y.toString("utf8")))) {
      const rule = EXPECTED_DIFFERENCES.find((e) => e.file.test(f) && e.path.test(path));
      if (rule === undefined) unexplained.push(`${f} ${path}: ${JSON.stringify(from)} -> ${JSON.stringify(to)}`);
      else explained.set(rule, [...(explained.get(rule) ?? []), `${JSON.stringify(from)} -> ${JSON.stringify(to)}`]);
    }
  }

  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`check:cdktn: ${tests.numPassedTests} tests pass, ${failed.length} fail (${expectedFailures.length} expected); ${a.length} files compared; ${seconds} s`);
  for (const [rule, seen] of explained) console.log(`  expected: ${rule.why} (${seen.length}×, ${[...new Set(seen)].join(", ")})`);
  for (const e of EXPECTED_TEST_FAILURES.filter((e) => expectedFailures.some((t) => e.name.test(t)))) {
    console.log(`  expected test failure: ${e.why}`);
  }
  if (unexplained.length > 0) {
    console.log(`check:cdktn: ${unexplained.length} unexplained:`);
    for (const u of unexplained) console.log(`  ${u}`);
    process.exitCode = 1;
  } else {
    console.log("check:cdktn: no unexplained differences");
  }
} finally {
  if (!process.env.KEEP_CHECK_CDKTN) rmSync(work, { recursive: true, force: true });
  else console.log(`check:cdktn: kept ${work}`);
}
