import * as z from "zod/mini";
import { configSchema } from "./schema";

/** The JSON Schema of the config file, generated from the zod definition so the two cannot disagree. */
export function configJsonSchema(): Record<string, unknown> {
  // "input": what a person writes, so fields with defaults are optional.
  const schema = z.toJSONSchema(configSchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  return {
    ...schema,
    $id: "https://github.com/session-manager-cdktf/sessions.schema.json",
    title: "session-manager-cdktf configuration",
    description: "One AWS Organization's Session Manager setup: log archive, session defaults, workload accounts.",
  };
}

export const renderJsonSchema = (): string => `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
