// Removes the run's temporary directory (see global-setup.js).
"use strict";
const { rmSync } = require("node:fs");

module.exports = () => {
  const dir = process.env.SESSION_MANAGER_TESTS_TMPDIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
};
