// `npm run init`: a minimal config file for a new organization, from a few command-line arguments. The file holds
// only what has no default; everything else takes the documented default (docs/configuration.md).
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { ConfigError, formatProblem, type Problem } from "./errors";
import { validateConfig } from "./load";

export const INIT_USAGE = [
  "usage: npm run init -- --org <o-…> --log-account <12 digits> --workload <name>:<account>:<region>[,<region>…] …",
  "  --org           the AWS Organizations id, o-…",
  "  --log-account   the central logging account",
  "  --log-region    region of the transcript bucket (default: the first workload's first region)",
  "  --workload      a workload account; repeat for each (at least one)",
  "  --prefix        prefix of the bucket, key aliases and IAM names (default: ssm)",
  "  --out           the file to write (default: sessions.yaml); an existing file is never overwritten",
].join("\n");

/** The access group every workload starts with, and the instance tag its members may reach. */
export const STARTER_GROUP = { name: "operators", tagKey: "SessionAccess", tagValue: "operators" } as const;

export const DEFAULT_PREFIX = "ssm";

export type InitResult = { readonly ok: true; readonly out: string; readonly text: string } | { readonly ok: false; readonly message: string };

/**
 * The config file text for `args`, or every problem with them. `schemaPath` is the JSON Schema's path relative to
 * the file written, for the editor comment on its first line.
 */
export function initConfig(args: readonly string[], schemaPath: (out: string) => string): InitResult {
  // Not strict, so that every unknown option and missing value is reported at once, not only the first.
  const options = {
    org: { type: "string" },
    "log-account": { type: "string" },
    "log-region": { type: "string" },
    workload: { type: "string", multiple: true },
    prefix: { type: "string" },
    out: { type: "string" },
  } as const;
  const { values, positionals, tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  const problems: Problem[] = [];
  /** Flags already reported: the config's own problems with the same values would only repeat them. */
  const reported = new Set<string>();
  const report = (flag: string, problem: Omit<Problem, "path">) => {
    reported.add(flag);
    problems.push({ path: flag, ...problem });
  };
  const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    if (!(token.name in options)) report(token.rawName, { message: "is not an option" });
    // Without strict parsing, `--out --org` would take "--org" as the file name.
    else if (token.value === undefined || (!token.inlineValue && token.value.startsWith("--"))) {
      report(token.rawName, { message: "needs a value" });
      delete (values as Record<string, unknown>)[token.name];
    }
  }
  for (const positional of positionals) report(positional, { message: "is not an option: values follow their flag, such as --org o-…" });
  for (const flag of ["--org", "--log-account"]) {
    if (str(values[flag.slice(2)]) === undefined && !reported.has(flag)) report(flag, { message: "is required" });
  }
  const workloadArgs = ((values.workload ?? []) as (string | boolean)[]).filter((w): w is string => typeof w === "string");
  if (workloadArgs.length === 0) report("--workload", { message: "is required: name it once per workload account" });
  const workloads = workloadArgs.map((spec) => {
    const parts = spec.split(":");
    if (parts.length !== 3 || parts.some((p) => p === "")) {
      report(`--workload ${spec}`, { message: "must be <name>:<account>:<region>[,<region>…]" });
    }
    const [name, accountId, regions] = parts;
    return {
      name,
      accountId,
      regions: (regions ?? "").split(",").filter((r) => r !== ""),
      accessGroups: [
        { name: STARTER_GROUP.name, instanceTags: { [STARTER_GROUP.tagKey]: [STARTER_GROUP.tagValue] } },
      ],
    };
  });
  const logRegion = str(values["log-region"]) ?? workloads[0]?.regions[0];
  // Taken from the first workload, a bad region is reported there; none at all means no --workload, said above.
  if (values["log-region"] === undefined) reported.add("--log-region");
  const config = {
    organization: { id: str(values.org), namePrefix: str(values.prefix) ?? DEFAULT_PREFIX },
    logArchive: { accountId: str(values["log-account"]), region: logRegion },
    workloads,
  };

  // The config's own validation says what is wrong with each value, named by the flag it came from.
  try {
    validateConfig(config, "the arguments");
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const p of e.problems) {
      const flag = flagOf(p.path, workloadArgs);
      if (!reported.has(flag)) problems.push({ ...p, path: `${flag} (${p.path})` });
    }
  }
  if (problems.length > 0) {
    const head = `npm run init: ${problems.length} problem${problems.length === 1 ? "" : "s"}`;
    return { ok: false, message: [head, ...problems.map(formatProblem), INIT_USAGE].join("\n") };
  }

  const out = str(values.out) ?? "sessions.yaml";
  return { ok: true, out, text: render(config, schemaPath(out)) };
}

/** The command-line flag a config path came from. */
function flagOf(path: string, workloadArgs: readonly string[]): string {
  if (path.startsWith("organization.id")) return "--org";
  if (path.startsWith("organization.namePrefix")) return "--prefix";
  if (path.startsWith("logArchive.accountId")) return "--log-account";
  if (path.startsWith("logArchive.region")) return "--log-region";
  const workload = path.match(/^workloads\[(\d+)\]/);
  if (workload) return `--workload ${workloadArgs[Number(workload[1])]}`;
  if (path.startsWith("workloads")) return "--workload";
  return "(arguments)";
}

function render(config: object, schema: string): string {
  return [
    `# yaml-language-server: $schema=${schema}`,
    "#",
    "# Written by `npm run init`. Everything not named here takes its default (docs/configuration.md): Object Lock",
    "# on the transcripts for retentionDays, MFA required, a 20-minute idle timeout and 60-minute sessions.",
    `# Members of each workload's "${STARTER_GROUP.name}" group reach instances tagged ${STARTER_GROUP.tagKey}=${STARTER_GROUP.tagValue}.`,
    "",
    // A blank line before each top-level section, as in the shipped example.
    stringify(config, { lineWidth: 0 }).trimEnd().replace(/\n(?=[a-z])/g, "\n\n"),
    "",
  ].join("\n");
}
