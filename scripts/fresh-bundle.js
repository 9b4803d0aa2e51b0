// Runs a bundle of scripts/build.js, rebuilding it first when any of its sources is newer. Checking a few dozen
// mtimes costs milliseconds; rebuilding only when needed keeps every run fast and never stale.
"use strict";
const { existsSync, readdirSync, statSync } = require("node:fs");
const { join } = require("node:path");

const root = join(__dirname, "..");

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((m, e) => Math.max(m, newestMtime(join(path, e))), st.mtimeMs);
}

/** Whether `outfile` is missing or older than any of `sources` (paths from the root). */
function isStale(outfile, sources) {
  return !existsSync(outfile) || sources.some((s) => existsSync(join(root, s)) && newestMtime(join(root, s)) > statSync(outfile).mtimeMs);
}

/** Loads `outfile`, after `build()` when it is missing or older than any of `sources` (paths from the root). */
function runFresh(outfile, sources, build) {
  // V8 keeps the bundle's compiled code between runs (Node.js 22.1 and later): compiling the 3 MB app bundle was
  // about a tenth of a synth of the example. The cache is checked against the file's contents, so a rebuilt bundle
  // compiles again. NODE_COMPILE_CACHE chooses another directory; set here, it also reaches the synth's threads.
  const compileCache = require("node:module").enableCompileCache?.(
    process.env.NODE_COMPILE_CACHE ?? join(root, "node_modules", ".cache", "session-manager-cdktf", "compile"),
  );
  if (compileCache?.directory !== undefined) process.env.NODE_COMPILE_CACHE = compileCache.directory;

  if (isStale(outfile, sources)) {
    build()
      .then(() => require(outfile))
      .catch(() => {
        process.exitCode = 1; // esbuild has printed the errors
      });
  } else {
    require(outfile);
  }
}

module.exports = { isStale, runFresh };
