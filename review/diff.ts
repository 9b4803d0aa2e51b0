import type { AccessCheck } from "./checks";
import type { PolicyJson, ResolvedStack } from "./resolve";
import type { Outcome } from "./simulate";

/**
 * What a change does, against a base synthesis (`npm run report -- --base <dir>`): access decisions that changed,
 * policy statements added, removed or changed, resources added, removed or replaced, and session settings changed.
 * Pure: two syntheses and their evaluated checks in, markdown lines out.
 */

export interface Evaluated {
  readonly stacks: readonly ResolvedStack[];
  /** Every access check with its outcome; empty when lint findings stopped the evaluation. */
  readonly results: readonly { readonly check: AccessCheck; readonly outcome: Outcome }[];
}

/**
 * Arguments whose change makes Terraform destroy and recreate the resource, for the resource types whose
 * replacement loses something: the transcript and access-log buckets (their objects), the keys (everything they
 * encrypt) and the Session documents (the preferences every session reads). A heuristic over a short list, not the
 * provider's schema: a replacement forced by an argument not listed here shows as a change of nothing.
 */
export const FORCES_REPLACEMENT: Readonly<Record<string, readonly string[]>> = {
  aws_s3_bucket: ["bucket", "bucket_prefix", "object_lock_enabled"],
  aws_kms_key: ["customer_master_key_spec", "key_usage"],
  aws_ssm_document: ["name"],
};

export function changesSection(base: Evaluated, head: Evaluated): string[] {
  const access = accessChanges(base, head);
  const statements = statementChanges(base.stacks, head.stacks);
  const resources = resourceChanges(base.stacks, head.stacks);
  const settings = settingChanges(base.stacks, head.stacks);
  const out = ["### What changed", ""];
  if (access.length + statements.length + resources.length + settings.length === 0) {
    return [...out, "No change in access, policies, resources or settings against the base.", ""];
  }
  if (access.length > 0) {
    out.push("**Access**", "", "| Stack | Region | Who | Attempt | Before | After |", "|---|---|---|---|---|---|", ...access, "");
  }
  const quiet = quietChecks(base, head);
  if (quiet > 0) out.push(`${quiet} check${quiet === 1 ? "" : "s"} new or gone, denied either way: the matrix below has them.`, "");
  if (statements.length > 0) out.push("**Policy statements**", "", ...statements, "");
  if (resources.length > 0) out.push("**Resources**", "", ...resources, "");
  if (settings.length > 0) out.push("**Session settings**", "", ...settings, "");
  return out;
}

const key = (c: AccessCheck): string => JSON.stringify([c.stack, c.region, c.column, c.row]);

/** `✅ allowed`, `⛔ <Sid>` or `➖ <reason>`, as the matrix shows a decision; `—` where the check does not exist. */
function cell(o: Outcome | undefined): string {
  if (o === undefined) return "—";
  return o.decision === "Allowed" ? "✅ allowed" : o.decision === "ExplicitlyDenied" ? `⛔ ${o.deciders.map((d) => d.sid).join(", ")}` : `➖ ${o.reason}`;
}

/**
 * Matrix cells whose decision changed, newly allowed first, in bold. A check that only one side has (a new group's,
 * a removed group's) counts when it is allowed there: a new denial of a new member changes no access.
 */
export function accessChanges(base: Evaluated, head: Evaluated): string[] {
  const before = new Map(base.results.map((r) => [key(r.check), r]));
  const after = new Map(head.results.map((r) => [key(r.check), r]));
  const rows: { allowed: boolean; line: string }[] = [];
  for (const k of new Set([...after.keys(), ...before.keys()])) {
    const b = before.get(k);
    const a = after.get(k);
    if (b?.outcome.decision === a?.outcome.decision) continue;
    if ((b ?? a)!.outcome.decision !== "Allowed" && (b === undefined || a === undefined)) continue;
    const { stack, region, column, row } = (a ?? b)!.check;
    const allowed = a?.outcome.decision === "Allowed";
    const [attempt, now] = allowed ? [`**${row}**`, `**${cell(a?.outcome)}**`] : [row, cell(a?.outcome)];
    rows.push({ allowed, line: `| ${stack} | ${region} | ${column} | ${attempt} | ${cell(b?.outcome)} | ${now} |` });
  }
  // A stable sort: within each kind, the order of the head's matrix, then the base's.
  return [...rows.filter((r) => r.allowed), ...rows.filter((r) => !r.allowed)].map((r) => r.line);
}

/** Checks only one side has, denied there: left out of the access table, counted. */
function quietChecks(base: Evaluated, head: Evaluated): number {
  const before = new Set(base.results.map((r) => key(r.check)));
  const after = new Set(head.results.map((r) => key(r.check)));
  const only = [...base.results.filter((r) => !after.has(key(r.check))), ...head.results.filter((r) => !before.has(key(r.check)))];
  return only.filter((r) => r.outcome.decision !== "Allowed").length;
}

type Statement = Record<string, unknown>;
const statementsOf = (doc: PolicyJson): Statement[] => (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]);
/** A statement's name in the diff: its Sid, or its effect and actions when it has none. */
const statementId = (s: Statement): string =>
  typeof s.Sid === "string" && s.Sid !== "" ? s.Sid : `${String(s.Effect)} ${JSON.stringify(s.Action ?? s.NotAction)}`;

/** Per policy-carrying resource: the statements added, removed, and changed (with the elements that changed). */
export function statementChanges(base: readonly ResolvedStack[], head: readonly ResolvedStack[]): string[] {
  // By stack and resource address: a policy whose name changes (a renamed bucket's) is the same resource.
  const policies = (stacks: readonly ResolvedStack[]) =>
    new Map(stacks.flatMap((s) => s.policies.map((p) => [`${s.name} \`${p.address}\``, p] as const)));
  const before = policies(base);
  const after = policies(head);
  const lines: string[] = [];
  for (const address of new Set([...after.keys(), ...before.keys()])) {
    const [old, now] = [before.get(address), after.get(address)];
    const names = [...new Set([old?.name, now?.name].filter((n) => n !== undefined))].join(" → ");
    const where = `${address} (${names})`;
    const b = new Map(statementsOf(old?.document ?? { Statement: [] }).map((s) => [statementId(s), s]));
    const a = new Map(statementsOf(now?.document ?? { Statement: [] }).map((s) => [statementId(s), s]));
    const added = [...a.keys()].filter((id) => !b.has(id));
    const removed = [...b.keys()].filter((id) => !a.has(id));
    const changed = [...a.keys()]
      .filter((id) => b.has(id))
      .map((id) => {
        const elements = [...new Set([...Object.keys(a.get(id)!), ...Object.keys(b.get(id)!)])];
        return [id, elements.flatMap((e) => valueChanges(e, b.get(id)![e], a.get(id)![e]))] as const;
      })
      .filter(([, elements]) => elements.length > 0);
    const parts = [
      ...(added.length > 0 ? [`added ${added.map((id) => `\`${id}\``).join(", ")}`] : []),
      ...(removed.length > 0 ? [`**removed** ${removed.map((id) => `\`${id}\``).join(", ")}`] : []),
      ...(changed.length > 0 ? [`changed ${changed.map(([id, e]) => `\`${id}\` (${e.join(", ")})`).join(", ")}`] : []),
    ];
    if (parts.length > 0) lines.push(`- ${where}: ${parts.join("; ")}`);
  }
  return lines;
}

/**
 * What changed in one element of a statement, as `path: +added −removed` per leaf whose values changed (arrays
 * read as sets, as IAM reads them); at most three, then `…`.
 */
function valueChanges(element: string, before: unknown, after: unknown): string[] {
  const leaves = (v: unknown, path: string, out: Map<string, Set<string>>): Map<string, Set<string>> => {
    if (Array.isArray(v)) v.forEach((x) => leaves(x, path, out));
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) leaves(x, `${path}.${k}`, out);
    else if (v !== undefined) out.set(path, (out.get(path) ?? new Set()).add(typeof v === "string" ? v : JSON.stringify(v)));
    return out;
  };
  const b = leaves(before, element, new Map());
  const a = leaves(after, element, new Map());
  const changes: string[] = [];
  for (const path of [...new Set([...b.keys(), ...a.keys()])].sort()) {
    const added = [...(a.get(path) ?? [])].filter((x) => !b.get(path)?.has(x));
    const removed = [...(b.get(path) ?? [])].filter((x) => !a.get(path)?.has(x));
    if (added.length + removed.length === 0) continue;
    changes.push(`${path}: ${[...added.map((x) => `+${x}`), ...removed.map((x) => `−${x}`)].join(" ")}`);
  }
  return changes.length > 3 ? [...changes.slice(0, 3), "…"] : changes;
}

/** JSON with sorted keys, and arrays as sets: IAM does not care about the order of values. */
function canonical(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted).map((x) => JSON.stringify(x)).sort()
      : v !== null && typeof v === "object"
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]))
        : v;
  return JSON.stringify(sorted(value));
}

/**
 * Per stack: resources added, removed, and replaced (see FORCES_REPLACEMENT). A removed or replaced resource with
 * `prevent_destroy` is flagged: Terraform refuses that plan, and the data it protects would be lost.
 */
export function resourceChanges(base: readonly ResolvedStack[], head: readonly ResolvedStack[]): string[] {
  const lines: string[] = [];
  const stacks = [...new Set([...head.map((s) => s.name), ...base.map((s) => s.name)])];
  for (const name of stacks) {
    const b = resourcesOf(base.find((s) => s.name === name));
    const a = resourcesOf(head.find((s) => s.name === name));
    const guarded = (body: Record<string, any>): string => (body.lifecycle?.prevent_destroy === true ? " ⚠️ **prevent_destroy**: Terraform refuses to destroy it" : "");
    for (const address of [...a.keys()].filter((x) => !b.has(x))) lines.push(`- ${name}: added \`${address}\``);
    for (const address of [...b.keys()].filter((x) => !a.has(x))) lines.push(`- ${name}: **removed** \`${address}\`${guarded(b.get(address)!)}`);
    for (const [address, body] of a) {
      const old = b.get(address);
      if (old === undefined) continue;
      const forcing = (FORCES_REPLACEMENT[address.split(".")[0]] ?? []).filter((arg) => canonical(old[arg]) !== canonical(body[arg]));
      if (forcing.length === 0) continue;
      const what = forcing.map((arg) => `${arg}: ${show(old[arg])} → ${show(body[arg])}`).join(", ");
      lines.push(`- ${name}: **replaced** \`${address}\` (${what})${guarded(old)}`);
    }
  }
  return lines;
}

const show = (v: unknown): string => (v === undefined ? "unset" : typeof v === "string" ? v : JSON.stringify(v));

function resourcesOf(stack: ResolvedStack | undefined): Map<string, Record<string, any>> {
  const out = new Map<string, Record<string, any>>();
  for (const [type, byName] of Object.entries<Record<string, Record<string, any>>>(stack?.terraform.resource ?? {})) {
    for (const [name, body] of Object.entries(byName)) out.set(`${type}.${name}`, body);
  }
  return out;
}

/** The preferences every session gets, per stack and region: each input whose value changed. */
export function settingChanges(base: readonly ResolvedStack[], head: readonly ResolvedStack[]): string[] {
  const preferences = (stacks: readonly ResolvedStack[]) =>
    new Map(
      stacks.flatMap((s) =>
        s.documents
          // Tunnel documents (sessionType Port) carry no preferences.
          .filter((d) => d.documentType === "Session" && d.content.sessionType !== "Port")
          .map((d) => [`${s.name} ${d.region}`, (d.content.inputs ?? {}) as Record<string, unknown>] as const),
      ),
    );
  const before = preferences(base);
  const after = preferences(head);
  const lines: string[] = [];
  for (const where of new Set([...after.keys(), ...before.keys()])) {
    const b = before.get(where) ?? {};
    const a = after.get(where) ?? {};
    const changed = [...new Set([...Object.keys(a), ...Object.keys(b)])]
      .sort()
      .filter((k) => canonical(a[k]) !== canonical(b[k]))
      .map((k) => `${k} ${show(b[k])} → ${show(a[k])}`);
    if (changed.length > 0) lines.push(`- ${where}: ${changed.join(", ")}`);
  }
  return lines;
}
