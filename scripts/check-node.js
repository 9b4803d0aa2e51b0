// Runs before `npm test`: stops with one clear line on a Node.js older than the supported floor (package.json
// engines), rather than run the suite with the AWS SDK's end-of-support warning in it. Node 20 reached its end of
// life on 2026-04-30.
"use strict";
const { engines } = require("../package.json");

const floor = engines.node.replace(/^>=/, "");
const [major, minor] = process.versions.node.split(".").map(Number);
const [floorMajor, floorMinor = 0] = floor.split(".").map(Number);
if (major < floorMajor || (major === floorMajor && minor < floorMinor)) {
  console.error(
    `session-manager-cdktf needs Node.js ${floor} or later; this is ${process.version}. ` +
      `Install Node.js 22 or 24, or run it once through npm: npx -y -p node@22 npm test`,
  );
  process.exit(1);
}
