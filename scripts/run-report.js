// `npm run report`: rebuilds dist/report.js (scripts/report.ts bundled) when any source is newer, then runs it.
"use strict";
const { buildReport, REPORT_OUTFILE, REPORT_SOURCES } = require("./build");
require("./fresh-bundle").runFresh(REPORT_OUTFILE, REPORT_SOURCES, buildReport);
