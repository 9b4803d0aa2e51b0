// A generated organization, for measuring synth and the review at scale: `node scripts/organization.js <n> <file>`
// writes a config of `n` workload accounts, each in two regions, cloned from the example's first workload (the one
// with every feature on). Every fifth workload is of a second kind (no SSH for its developers, another team's
// instances), so the organization is not n copies of one account. With `--distinct`, every workload's instance and
// bastion tags carry its own suffix (`payments-7`), so each account asks the review its own questions.
"use strict";
const { readFileSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { parse } = require("yaml");

/** The raw (unvalidated) config of an organization of `n` workloads; `distinct`: every account tagged its own way. */
function organization(n, example = join(__dirname, "..", "sessions.yaml"), distinct = false) {
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
    if (distinct) {
      const own = (value) => `${value}-${i}`;
      for (const group of w.accessGroups) for (const key of Object.keys(group.instanceTags ?? {})) group.instanceTags[key] = group.instanceTags[key].map(own);
      const bastion = w.connectivity?.bastion;
      for (const key of Object.keys(bastion?.tags ?? {})) bastion.tags[key] = own(bastion.tags[key]);
    }
    return w;
  });
  return raw;
}

module.exports = { organization };
if (require.main === module) {
  const [n, file, flag] = process.argv.slice(2);
  if (!/^\d+$/.test(n ?? "") || file === undefined || (flag !== undefined && flag !== "--distinct")) {
    console.error("usage: node scripts/organization.js <number of workloads> <config file to write> [--distinct]");
    process.exit(1);
  }
  writeFileSync(file, `${JSON.stringify(organization(Number(n), undefined, flag === "--distinct"), null, 2)}\n`);
}
