// The cdktf `app` command and `npm run synth`: rebuilds dist/main.js when any source is newer, then runs it.
"use strict";
const { build, OUTFILE, SOURCES } = require("./build");
require("./fresh-bundle").runFresh(OUTFILE, SOURCES, build);
