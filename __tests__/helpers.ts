import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import { parse } from "yaml";
import { validateConfig } from "../config/load";
import type { Config } from "../config/types";
import type { PolicyDocument, Statement } from "../modules/policies/iam";
import type { ResolvedStack } from "../review/resolve";
import { buildStacks } from "../stacks";

export const ROOT = join(__dirname, "..");
export const EXAMPLE_CONFIG = join(ROOT, "sessions.yaml");

/** The shipped example, parsed but not validated: tests change a copy and validate it. */
export function exampleRaw(): Record<string, any> {
  return parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
}

export function exampleConfig(): Config {
  return validateConfig(exampleRaw(), "sessions.yaml");
}

/** A synthesized stack: the parsed cdk.tf.json. */
export type Synth = Record<string, any>;

/** Synthesizes every stack of `config` and returns them by stack name. */
export function synthAll(config: Config): Record<string, Synth> {
  const app = Testing.app({ stackTraces: false });
  const { logArchive, workloads } = buildStacks(app, config);
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

/**
 * A deep copy of resolved stacks with `edit` applied to every policy statement, wherever it lives (stack policies,
 * principals, buckets, keys). `edit` returns the statement to keep, a changed one, or undefined to drop it.
 */
export function editStatements(
  stacks: readonly ResolvedStack[],
  edit: (statement: Record<string, any>) => Record<string, any> | undefined,
): ResolvedStack[] {
  const copy = JSON.parse(JSON.stringify(stacks)) as ResolvedStack[];
  const walk = (node: any): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== "object" || node === null) return;
    const doc = node.document;
    if (doc?.Statement !== undefined) {
      doc.Statement = asList(doc.Statement).flatMap((s: any) => {
        const edited = edit(s);
        return edited === undefined ? [] : [edited];
      });
    }
    Object.values(node).forEach(walk);
  };
  walk(copy);
  return copy;
}

/**
 * A process's stderr without the Node.js runtime's own warnings (`(node:1234) [DEP…] …` and the hint line after
 * each): what the command itself printed. A newer Node.js may deprecate something a dependency calls; that is not
 * the command's output.
 */
export function appStderr(stderr: string): string {
  return stderr.replace(/^\(node:\d+\) .*\n(?:\(Use `node --trace-.*\n)?/gm, "");
}
