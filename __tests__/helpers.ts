import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Testing } from "cdktf";
import { parse } from "yaml";
import { ConfigError } from "../config/errors";
import { validateConfig } from "../config/load";
import type { Config } from "../config/types";
import type { PolicyDocument, Statement } from "../modules/policies/iam";
import type { ResolvedStack } from "../review/resolve";
import type { SynthesizeResult } from "../stacks/synthesize";

// The stacks (with every provider class they use) and the resolver load on first use: a test file that only checks
// configs or reads files does not load them (jest loads modules again for every file; cdktf itself is loaded by
// setup.ts for every file).
/* eslint-disable @typescript-eslint/no-require-imports */
const stacksModule = () => require("../stacks") as typeof import("../stacks");
const synthesizeModule = () => require("../stacks/synthesize") as typeof import("../stacks/synthesize");
const resolveModule = () => require("../review/resolve") as typeof import("../review/resolve");
/* eslint-enable @typescript-eslint/no-require-imports */

export const ROOT = join(__dirname, "..");
export const EXAMPLE_CONFIG = join(ROOT, "sessions.yaml");

/** Synthesizes `config` the way `npm run synth` does (JSON), into a temporary cdktf.out, and resolves it back. */
export function synthesizeAndResolve(config: Config): ResolvedStack[] {
  const outdir = mkdtempSync(join(tmpdir(), "synth-"));
  try {
    const app = new App({ outdir, stackTraces: false });
    stacksModule().buildStacks(app, config);
    app.synth();
    return resolveModule().loadSynthesizedStacks(outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

// The example is read, parsed and validated once per test file; every caller gets its own deep copy to change.
let exampleParsed: Record<string, any> | undefined;
let exampleValidated: Config | undefined;

/**
 * Synthesizes `config` into `outdir` in this process, as the app command does without its start-up (one thread);
 * with `hcl`, through SYNTH_HCL_OUTPUT as `cdktf synth --hcl` sets it.
 */
export async function synthesizeHere(config: Config, outdir: string, hcl = false): Promise<SynthesizeResult> {
  const before = process.env.SYNTH_HCL_OUTPUT;
  if (hcl) process.env.SYNTH_HCL_OUTPUT = "true";
  try {
    return await synthesizeModule().synthesize(config, outdir);
  } finally {
    if (before === undefined) delete process.env.SYNTH_HCL_OUTPUT;
    else process.env.SYNTH_HCL_OUTPUT = before;
  }
}

/** The shipped example, parsed but not validated: tests change a copy and validate it. */
export function exampleRaw(): Record<string, any> {
  exampleParsed ??= parse(readFileSync(EXAMPLE_CONFIG, "utf8")) as Record<string, any>;
  return structuredClone(exampleParsed);
}

/** The shipped example, validated: a fresh copy each time. */
export function exampleConfig(): Config {
  exampleValidated ??= validateConfig(exampleRaw(), "sessions.yaml");
  return structuredClone(exampleValidated);
}

/** The shipped example after `change`: a fresh copy each time. */
export function mutatedExample(change: (c: Record<string, any>) => void): Record<string, any> {
  const c = exampleRaw();
  change(c);
  return c;
}

/** The problems reported for a config, as `path: message` lines; fails if the config is accepted. */
export function problemsOf(raw: unknown): string[] {
  try {
    validateConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  throw new Error("config was accepted");
}

/** A synthesized stack: the parsed cdk.tf.json. */
export type Synth = Record<string, any>;

/** Synthesizes every stack of `config` and returns them by stack name. */
export function synthAll(config: Config): Record<string, Synth> {
  const app = Testing.app({ stackTraces: false });
  const { logArchive, workloads } = stacksModule().buildStacks(app, config);
  const out: Record<string, Synth> = {};
  for (const stack of [logArchive, ...workloads]) out[stack.node.id] = JSON.parse(Testing.synth(stack));
  return out;
}

/**
 * All resources of one type in a synthesized stack, as [logical id, body] pairs; with `under`, only those whose
 * construct path below the stack starts with it (e.g. `instance-role/`), read from the logical id cdktf derives
 * from the path.
 */
export function resourcesOf(stack: Synth, type: string, under = ""): [string, Record<string, any>][] {
  const prefix = under.replace(/\//g, "_");
  return Object.entries<Record<string, any>>(stack.resource?.[type] ?? {}).filter(([id]) => id.startsWith(prefix));
}

/** The single resource of a type (below `under`); fails if there is not exactly one. */
export function onlyResource(stack: Synth, type: string, under = ""): Record<string, any> {
  const all = resourcesOf(stack, type, under);
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0][1];
}

/**
 * What Terraform sends to AWS for a string argument: `$${` becomes `${` and `%%{` becomes `%{`; references to
 * resources (`${aws_...}`) stay as text. Fails on any other live template sequence, which would mean a literal
 * (an IAM variable, say) was not escaped and Terraform would try to evaluate it.
 */
export function terraformLiteral(text: string): string {
  const live = text.match(/(?<![$%])[$%]\{(?!aws_[a-z0-9_]+\.[^}]+\})[^}]*\}/g);
  if (live) throw new Error(`unescaped template sequence ${live.join(", ")} in ${text.slice(0, 120)}`);
  return text.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
}

/** Parses a policy argument as AWS will receive it. References to other resources stay as `${aws_...}` text. */
export function policyOf(text: string): PolicyDocument {
  return JSON.parse(terraformLiteral(text));
}

export function statement(doc: PolicyDocument, sid: string): Statement {
  const found = doc.Statement.filter((s) => s.Sid === sid);
  if (found.length !== 1) throw new Error(`expected one statement ${sid}, found ${found.length}`);
  return found[0];
}

export const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * IAM's matching of an ARN against a Resource pattern after policy variables are substituted: `*` any run of
 * characters, `?` one character. Enough to prove which ARNs a statement covers, not a policy evaluator.
 */
export function arnMatches(pattern: string, arn: string, vars: Record<string, string> = {}): boolean {
  const substituted = pattern.replace(/\$\{([^}]+)\}/g, (_, k: string) => {
    if (!(k in vars)) throw new Error(`no value for policy variable ${k}`);
    return vars[k];
  });
  const re = new RegExp(`^${substituted.split("").map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/]/g, "\\$&"))).join("")}$`);
  return re.test(arn);
}

/** Where policy documents sit in resolved stacks: the keys leading to each `document` that has a Statement. */
type DocumentPath = readonly (string | number)[];
const documentPaths = new WeakMap<readonly ResolvedStack[], readonly DocumentPath[]>();

/** The paths of every policy document in `stacks`, found by one walk and remembered for these stacks. */
function documentsIn(stacks: readonly ResolvedStack[]): readonly DocumentPath[] {
  let paths = documentPaths.get(stacks);
  if (paths === undefined) {
    const found: DocumentPath[] = [];
    const walk = (node: any, path: (string | number)[]): void => {
      if (typeof node !== "object" || node === null) return;
      if (Array.isArray(node)) {
        node.forEach((n, i) => walk(n, [...path, i]));
        return;
      }
      for (const [key, value] of Object.entries<any>(node)) {
        if (key === "document" && value?.Statement !== undefined) found.push([...path, key]);
        else walk(value, [...path, key]);
      }
    };
    walk(stacks, []);
    paths = found;
    documentPaths.set(stacks, paths);
  }
  return paths;
}

/**
 * Resolved stacks with `edit` applied to every policy statement, wherever it lives (stack policies, principals,
 * buckets, keys). `edit` returns the statement to keep, a changed one, or undefined to drop it; it must not change
 * the statement it is given. Only what an edit changes is copied, from the document up to its stack; everything
 * else is shared with `stacks`, which is left as it was. The documents are found once per stacks array: the access
 * proofs edit the same stacks once for every statement they name.
 */
export function editStatements(
  stacks: readonly ResolvedStack[],
  edit: (statement: Record<string, any>) => Record<string, any> | undefined,
): ResolvedStack[] {
  let out: any = stacks;
  for (const path of documentsIn(stacks)) {
    const value = path.reduce<any>((node, key) => node[key], stacks);
    const before: Record<string, any>[] = Array.isArray(value.Statement) ? value.Statement : [value.Statement];
    const after = before.flatMap((s) => {
      const edited = edit(s);
      return edited === undefined ? [] : [edited];
    });
    if (after.length === before.length && after.every((s, i) => s === before[i])) continue;
    // Copy each node on the way down once (a node already copied for an earlier document is not the original).
    const copy = (node: any, original: any): any => (node !== original ? node : Array.isArray(node) ? [...node] : { ...node });
    out = copy(out, stacks);
    let node = out;
    let original: any = stacks;
    for (const key of path.slice(0, -1)) {
      original = original[key];
      node[key] = copy(node[key], original);
      node = node[key];
    }
    node[path[path.length - 1]!] = { ...value, Statement: after };
  }
  return out;
}

/**
 * A process's stderr without the Node.js runtime's own warnings (`(node:1234) [DEP…] …` and the hint line after
 * each): what the command itself printed. A newer Node.js may deprecate something a dependency calls; that is not
 * the command's output.
 */
export function appStderr(stderr: string): string {
  return stderr.replace(/^\(node:\d+\) .*\n(?:\(Use `node --trace-.*\n)?/gm, "");
}

/** A top-level HCL block: its type, labels, and its own attributes (nested blocks left out), as source text. */
export interface HclBlock {
  readonly type: string;
  readonly labels: readonly string[];
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * The top-level blocks of an HCL file, read by a tokenizer that knows strings (with escapes and `${…}` holding
 * braces), heredocs and comments, so a brace or `import` inside a policy never counts. Attribute values are the
 * expression's source text; a quoted string stays quoted.
 */
export function hclBlocks(hcl: string): HclBlock[] {
  type Token = { kind: "word" | "string" | "heredoc" | "punct" | "newline"; text: string };
  const tokens: Token[] = [];
  let i = 0;
  while (i < hcl.length) {
    const c = hcl[i];
    if (c === "\n") {
      tokens.push({ kind: "newline", text: c });
      i += 1;
    } else if (/\s/.test(c)) {
      i += 1;
    } else if (c === "#" || hcl.startsWith("//", i)) {
      while (i < hcl.length && hcl[i] !== "\n") i += 1;
    } else if (hcl.startsWith("/*", i)) {
      i = hcl.indexOf("*/", i) + 2;
    } else if (hcl.startsWith("<<", i)) {
      const opener = /^<<-?([A-Za-z_]+)\n/.exec(hcl.slice(i))!;
      const end = new RegExp(`\\n[ \\t]*${opener[1]}(?=\\n|$)`, "g");
      end.lastIndex = i + opener[0].length - 1;
      const close = end.exec(hcl)!;
      tokens.push({ kind: "heredoc", text: hcl.slice(i, close.index + close[0].length) });
      i = close.index + close[0].length;
    } else if (c === '"') {
      let j = i + 1;
      let depth = 0;
      while (j < hcl.length && (hcl[j] !== '"' || depth > 0)) {
        if (hcl[j] === "\\") j += 1;
        else if (hcl.startsWith("${", j) || hcl.startsWith("%{", j)) depth += 1;
        else if (hcl[j] === "}" && depth > 0) depth -= 1;
        j += 1;
      }
      tokens.push({ kind: "string", text: hcl.slice(i, j + 1) });
      i = j + 1;
    } else if (/[\w-]/.test(c)) {
      const word = /^[\w.\-[\]*]+/.exec(hcl.slice(i))![0];
      tokens.push({ kind: "word", text: word });
      i += word.length;
    } else {
      tokens.push({ kind: "punct", text: c });
      i += 1;
    }
  }
  const blocks: HclBlock[] = [];
  let t = 0;
  const skipNewlines = () => {
    while (tokens[t]?.kind === "newline") t += 1;
  };
  /** Skips to the token after the bracket that closes the one at t. */
  const skipBalanced = () => {
    let depth = 0;
    do {
      if ("{[(".includes(tokens[t].text) && tokens[t].kind === "punct") depth += 1;
      if ("}])".includes(tokens[t].text) && tokens[t].kind === "punct") depth -= 1;
      t += 1;
    } while (depth > 0);
  };
  for (skipNewlines(); t < tokens.length; skipNewlines()) {
    const type = tokens[t++].text;
    const labels: string[] = [];
    while (tokens[t].kind === "string") labels.push(JSON.parse(tokens[t++].text));
    if (tokens[t].text !== "{") throw new Error(`expected { after ${type} ${labels.join(" ")}, got ${tokens[t].text}`);
    t += 1;
    const attributes: Record<string, string> = {};
    for (skipNewlines(); tokens[t].text !== "}"; skipNewlines()) {
      const name = tokens[t++].text;
      if (tokens[t].text === "=") {
        t += 1;
        const start = t;
        while (tokens[t].kind !== "newline" && tokens[t].text !== "}") {
          if ("{[(".includes(tokens[t].text) && tokens[t].kind === "punct") skipBalanced();
          else t += 1;
        }
        attributes[name] = tokens.slice(start, t).map((x) => x.text).join(" ");
      } else {
        while (tokens[t].kind === "string") t += 1; // a nested block's labels
        skipBalanced();
      }
    }
    t += 1;
    blocks.push({ type, labels, attributes });
  }
  return blocks;
}
