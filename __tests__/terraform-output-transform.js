// jest transform for cdktf's lib/terraform-output.js only: see scripts/terraform-output-patch.js.
"use strict";
const { createHash } = require("node:crypto");
const { readFileSync } = require("node:fs");
const { withoutUtilIsArray } = require("../scripts/terraform-output-patch");

const patch = readFileSync(require.resolve("../scripts/terraform-output-patch"), "utf8");

module.exports = {
  process: (source) => ({ code: withoutUtilIsArray(source) }),
  getCacheKey: (source) => createHash("sha256").update(patch).update(source).digest("hex"),
};
