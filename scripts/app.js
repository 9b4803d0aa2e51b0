// The cdktf `app` command and `npm run synth`: rebuilds dist/main.js when any source is newer, then runs it.
// Checking ~30 mtimes costs milliseconds; rebuilding only when needed keeps every synth fast and never stale.
"use strict";
const { existsSync, readdirSync, statSync } = require("node:fs");
const { join } = require("node:path");
const { OUTFILE, SOURCES } = require("./build");

const root = join(__dirname, "..");

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((m, e) => Math.max(m, newestMtime(join(path, e))), st.mtimeMs);
}

const stale =
  !existsSync(OUTFILE) ||
  SOURCES.some((s) => existsSync(join(root, s)) && newestMtime(join(root, s)) > statSync(OUTFILE).mtimeMs);
if (stale) {
  require("./build")
    .build()
    .then(() => require(OUTFILE))
    .catch(() => {
      process.exitCode = 1; // esbuild has printed the errors
    });
} else {
  require(OUTFILE);
}
