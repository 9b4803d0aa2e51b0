// jest globalTeardown: removes what __tests__/global-setup.js made.
"use strict";
const { rmSync } = require("node:fs");

module.exports = async () => {
  if (process.env.SMC_SHARED_DIR !== undefined) rmSync(process.env.SMC_SHARED_DIR, { recursive: true, force: true });
};
