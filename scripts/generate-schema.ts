// Writes sessions.schema.json from the zod definition. A test fails when the committed file is out of date.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderJsonSchema } from "../config/json-schema";

writeFileSync(join(__dirname, "..", "sessions.schema.json"), renderJsonSchema());
