// Writes sessions.schema.json from the zod definition, and the generated tables of docs/: the config reference
// (docs/configuration.md) from the same definition, the compliance rule table (docs/compliance-rules.md) from the
// rules. Tests fail when any of them is out of date.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RULE_TABLE_PAGE, withRuleTable } from "../compliance/table";
import { renderJsonSchema } from "../config/json-schema";
import { CONFIG_REFERENCE_PAGE, withConfigReference } from "../config/reference";

const root = join(__dirname, "..");
writeFileSync(join(root, "sessions.schema.json"), renderJsonSchema());
for (const [page, render] of [
  [RULE_TABLE_PAGE, withRuleTable],
  [CONFIG_REFERENCE_PAGE, withConfigReference],
] as const) {
  const file = join(root, page);
  writeFileSync(file, render(readFileSync(file, "utf8")));
}
