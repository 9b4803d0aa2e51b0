// Runs a bundle of scripts/build.js, rebuilding it first when any of its sources is newer. Checking a few dozen
// mtimes costs milliseconds; rebuilding only when needed keeps every run fast and never stale.
"use strict";
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require("node:fs");
const Module = require("node:module");
const { basename, dirname, join } = require("node:path");
const vm = require("node:vm");
const { crc32 } = require("node:zlib");

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

/** What Node.js wraps a CommonJS module's source in: the script below is compiled in the same. */
const WRAPPER = ["(function (exports, require, module, __filename, __dirname) { ", "\n});"];
/** A kept cache's header: the CRC-32 of the bundle, of the code, and whether the run that kept it succeeded. */
const HEADER = 9;

/**
 * Compiles `file` as Node.js compiles a CommonJS module, with the compiled code an earlier run kept in `dir`.
 * Node.js's own compile cache keeps a module's code as it is right after loading, which is little more than its
 * top level: every function a synth then calls was compiled again on every run. This cache is written when the
 * process exits (`save`), so it holds every function the run compiled. It is used only for the same bytes (a
 * CRC-32 of the file heads it: V8 itself checks no more than the source's length), only as it was written (a CRC-32
 * of the code: V8 accepts code with changed bytes) and the same Node.js (V8 refuses another version's or other
 * flags' code, and the file is named by version).
 * The bundles require what they leave out: a script compiled this way has no import() (Node.js's way to give it
 * one is experimental and says so on every run).
 * Returns the module's function, whether kept code was used and whether a run that succeeded kept it, and
 * `save(succeeded)`, which writes the code compiled so far.
 */
function compileWithCache(file, dir) {
  const bytes = readFileSync(file);
  const sum = crc32(bytes);
  const cacheFile = join(dir, `${basename(file)}-${process.version}-${process.arch}.code`);
  let kept;
  let complete = false;
  try {
    const data = readFileSync(cacheFile);
    if (data.length > HEADER && data.readUInt32LE(0) === sum && data.readUInt32LE(4) === crc32(data.subarray(HEADER))) {
      kept = data.subarray(HEADER);
      complete = data[8] === 1;
    }
  } catch {
    // none yet
  }
  const script = new vm.Script(WRAPPER[0] + bytes.toString("utf8") + WRAPPER[1], {
    filename: file,
    cachedData: kept,
    // Stack traces give the bundle's own columns on its first line, as Node.js's loader does.
    columnOffset: -WRAPPER[0].length,
  });
  const save = (succeeded) => {
    const partial = `${cacheFile}.${process.pid}.partial`;
    try {
      mkdirSync(dir, { recursive: true });
      const code = script.createCachedData();
      const header = Buffer.alloc(HEADER);
      header.writeUInt32LE(sum, 0);
      header.writeUInt32LE(crc32(code), 4);
      header[8] = succeeded ? 1 : 0;
      writeFileSync(partial, Buffer.concat([header, code]));
      renameSync(partial, cacheFile);
    } catch {
      // A cache that cannot be written (a read-only checkout) only costs the next run its compiling.
      try {
        rmSync(partial, { force: true });
      } catch {
        // never written: its directory is missing or is not one
      }
    }
  };
  const accepted = kept !== undefined && !script.cachedDataRejected;
  return { run: script.runInThisContext(), accepted, complete: accepted && complete, save };
}

/**
 * Runs `file` as `require(file)` would, with the compiled code of earlier runs (see compileWithCache). A run that
 * found no code it could use keeps its own, whatever its exit code (a report with findings exits 1 after all its
 * work); a run that succeeds also replaces code kept by one that failed, which may have compiled little (a refused
 * config stops a synth before its stacks). NODE_DISABLE_COMPILE_CACHE turns this cache off too.
 */
function runWithCache(file, dir) {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) {
    require(file);
    return;
  }
  const { run, accepted, complete, save } = compileWithCache(file, dir);
  if (!complete) process.once("exit", (code) => (!accepted || code === 0) && save(code === 0));
  const module = new Module(file, require.main);
  module.filename = file;
  run.call(module.exports, module.exports, Module.createRequire(file), module, file, dirname(file));
}

/** Loads `outfile`, after `build()` when it is missing or older than any of `sources` (paths from the root). */
function runFresh(outfile, sources, build) {
  const cache = join(root, "node_modules", ".cache", "session-manager-cdktf");
  // V8 keeps the compiled code of the modules the bundle leaves in node_modules, and of the bundle in the synth's
  // threads, between runs (Node.js 22.1 and later). The cache is checked against the file's contents, so a
  // rebuilt bundle compiles again. NODE_COMPILE_CACHE chooses another directory; set here, it also reaches the
  // synth's threads.
  const compileCache = Module.enableCompileCache?.(process.env.NODE_COMPILE_CACHE ?? join(cache, "compile"));
  if (compileCache?.directory !== undefined) process.env.NODE_COMPILE_CACHE = compileCache.directory;
  const run = () => runWithCache(outfile, join(cache, "code"));

  if (isStale(outfile, sources)) {
    build()
      .then(run)
      .catch(() => {
        process.exitCode = 1; // esbuild has printed the errors
      });
  } else {
    run();
  }
}

module.exports = { compileWithCache, isStale, runFresh, runWithCache };
