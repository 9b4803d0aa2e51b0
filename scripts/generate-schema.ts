// Writes sessions.schema.json from the zod definition, and the README's compliance rule table from the rules.
// Tests fail when either committed file is out of date.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withRuleTable } from "../compliance/table";
import { renderJsonSchema } from "../config/json-schema";

const root = join(__dirname, "..");
writeFileSync(join(root, "sessions.schema.json"), renderJsonSchema());
const readme = join(root, "README.md");
writeFileSync(readme, withRuleTable(readFileSync(readme, "utf8")));
