// jest: cdktf loads archiver (about 200 modules) at start-up only to zip TerraformAssets of type ARCHIVE, which
// these stacks do not use, and every test file would load it again. As in the app bundle (scripts/build.js), tests
// get a stand-in that loads the real archiver the first time something zips. Its path is spelled out: jest maps
// every `archiver` request, createRequire's included, to this file.
"use strict";
const { existsSync } = require("node:fs");
const { dirname, join } = require("node:path");
const nested = join(dirname(require.resolve("cdktf/package.json")), "node_modules", "archiver");
const real = () => require(existsSync(nested) ? nested : join(__dirname, "..", "node_modules", "archiver"));
module.exports = (...args) => real()(...args);
