// One temporary directory per test run, removed when the run ends (global-teardown.js): every directory the tests
// and the libraries they call create under os.tmpdir() (cdktf's Testing.app makes one per app) goes in it.
"use strict";
const { mkdtempSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

module.exports = () => {
  const dir = mkdtempSync(join(tmpdir(), "session-manager-tests-"));
  // Read by os.tmpdir() in the test workers, which inherit this environment, and by the processes they start.
  process.env.TMPDIR = dir;
  process.env.SESSION_MANAGER_TESTS_TMPDIR = dir;
};
