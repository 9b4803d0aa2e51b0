// A generated organization, for measuring synth and the review at scale: `node scripts/organization.js <n> <file>`
// writes a config of `n` workload accounts, each in two regions, cloned from the example's first workload (the one
// with every feature on). Every fifth workload is of a second kind (no SSH for its developers, another team's
// instances), so the organization is not n copies of one account.
"use strict";
const { readFileSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { parse } = require("yaml");

/** The raw (unvalidated) config of an organization of `n` workloads. */
function organization(n, example = join(__dirname, "..", "sessions.yaml")) {
  const raw = parse(readFileSync(example, "utf8"));
  const template = raw.workloads[0];
  raw.workloads = Array.from({ length: n }, (_, i) => {
    const w = structuredClone(template);
    w.name = `w${String(i).padStart(3, "0")}`;
    w.accountId = String(500000000000 + i);
    if (i % 5 === 4) {
      const developers = w.accessGroups[1];
      developers.allowSsh = false;
      developers.instanceTags.Team = ["platform"];
    }
    return w;
  });
  return raw;
}

module.exports = { organization };
if (require.main === module) {
  const [n, file] = process.argv.slice(2);
  if (!/^\d+$/.test(n ?? "") || file === undefined) {
    console.error("usage: node scripts/organization.js <number of workloads> <config file to write>");
    process.exit(1);
  }
  writeFileSync(file, `${JSON.stringify(organization(Number(n)), null, 2)}\n`);
}
