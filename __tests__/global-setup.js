// jest globalSetup: what every test file may share, made or prepared once per run (docs/development.md, "Performance").
"use strict";
const { mkdtempSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

module.exports = async () => {
  // The app's and the report's bundles, rebuilt only when a source is newer, as `npm run synth` and `npm run report`
  // do: the tests that run them as processes or threads then never race to rebuild them.
  const { build, buildReport, OUTFILE, SOURCES, REPORT_OUTFILE, REPORT_SOURCES } = require("../scripts/build");
  const { isStale } = require("../scripts/fresh-bundle");
  // A failed build (esbuild has printed its errors) fails the tests that run a bundle, not the whole run.
  const fresh = (outfile, sources, make) => (isStale(outfile, sources) ? make().catch(() => undefined) : undefined);
  await Promise.all([fresh(OUTFILE, SOURCES, build), fresh(REPORT_OUTFILE, REPORT_SOURCES, buildReport)]);
  // Where the example's shared synthesis goes (__tests__/shared-example.ts); the workers inherit the variable.
  process.env.SMC_SHARED_DIR = mkdtempSync(join(tmpdir(), "smc-shared-"));
};
