import { checkStack, complianceReport, complianceWarnings, covers, RULES, type Finding } from "../compliance/engine";
import { scpExemptPrincipals, workloadStackName } from "../config/naming";
import { resources } from "../compliance/terraform";
import type { Config } from "../config/types";
import { accessChecks, accessModel, type AccessCheck } from "./checks";
import { changesSection } from "./diff";
import { lintPolicies, type LintFinding } from "./lint";
import type { ResolvedStack } from "./resolve";
import { evaluateAll, type Outcome } from "./simulate";
import type { SimulationThreads } from "./threads";
import { approvalOutcomes, approvalSection } from "./just-in-time";

/**
 * The review report for a pull request: what the stacks contain, the session settings each account gets, who can
 * do what (evaluated, not read), and policy lint. Deterministic: the same cdktf.out gives the same text.
 */

export interface ReviewResult {
  readonly markdown: string;
  readonly findings: readonly LintFinding[];
  /** Checks whose outcome differs from the intended model. */
  readonly surprises: readonly { readonly check: AccessCheck; readonly outcome: Outcome }[];
  readonly checks: number;
}

/** A synthesis to compare with: its stacks and the config they were synthesized from. */
export interface ReviewBase {
  readonly config: Config;
  readonly stacks: readonly ResolvedStack[];
}

/**
 * The review of `stacks`; with `base`, headed by what changed against it (see diff.ts). `onlyStack` evaluates
 * the access checks of one stack only (tests); `threads` shares the simulations out (see threads.ts).
 */
export async function buildReview(
  config: Config,
  stacks: readonly ResolvedStack[],
  base?: ReviewBase,
  onlyStack?: string,
  threads?: SimulationThreads,
): Promise<ReviewResult> {
  const { findings, results } = await evaluateStacks(config, stacks, onlyStack, threads);
  const surprises = results.filter((r) => !asIntended(r.check, r.outcome));
  const compliance = stacks.flatMap((s) =>
    checkStack(config, s.name, s.terraform, config.workloads.find((w) => workloadStackName(w.name) === s.name)),
  );
  const policies = stacks.reduce((n, s) => n + s.policies.length, 0);

  const out: string[] = [];
  out.push("## Session Manager access review", "");
  const verdict =
    findings.length > 0
      ? `**${findings.length} lint finding${findings.length === 1 ? "" : "s"}: access not evaluated**`
      : surprises.length > 0
        ? `**${surprises.length} of ${results.length} access checks differ from the intended model**`
        : `${results.length} access checks, all as intended`;
  out.push(`${stacks.length} stacks · ${policies} policies linted · ${verdict}`, "");
  const blocks = matrixBlocks(results);
  const sections = { stacks: stackRows(stacks), settings: settingsRows(stacks), alerts: alertsRows(stacks), matrix: matrixLines(blocks) };
  const alike = alikeGroups(config, stacks, sections);
  if (base !== undefined) {
    const before = await evaluateStacks(base.config, base.stacks, onlyStack, threads);
    if (before.findings.length > 0) out.push(`_The base has ${before.findings.length} lint findings: its access was not evaluated, so every decision counts as changed._`, "");
    out.push(...collapseChanges(changesSection(before, { stacks, results }), config, stacks, alike));
  }
  if (surprises.length > 0) {
    out.push("### ❗ Differs from the intended model", "", "| Stack | Region | Who | Attempt | Intended | Evaluated |", "|---|---|---|---|---|---|");
    for (const { check, outcome } of surprises) {
      out.push(`| ${check.stack} | ${check.region} | ${check.column} | ${check.row} | ${check.expect}${check.sid ? ` by ${check.sid}` : ""} | ${cell(outcome)} |`);
    }
    out.push("");
  }
  out.push(
    ...alikeSection(alike),
    ...stackTable(stacks, sections.stacks, alike),
    ...settingsTable(stacks, sections.settings, alike),
    ...alertsTable(stacks, sections.alerts, alike),
    ...complianceSection(config, compliance),
    ...organizationSection(config, stacks),
    ...approvalSection(approvalOutcomes(config, stacks)),
    ...matrix(blocks, alike),
    ...lintSection(findings),
  );
  return { markdown: `${out.join("\n").trimEnd()}\n`, findings, surprises, checks: results.length };
}

/** Lint, then (without findings) every access check evaluated, alike checks once (see evaluateAll). */
export async function evaluateStacks(
  config: Config,
  stacks: readonly ResolvedStack[],
  onlyStack?: string,
  threads?: SimulationThreads,
): Promise<{ stacks: readonly ResolvedStack[]; findings: LintFinding[]; results: { check: AccessCheck; outcome: Outcome }[] }> {
  const model = accessModel(config, stacks);
  const findings = await lintPolicies(stacks.flatMap((s) => s.policies));
  // Lint comes first: a policy with findings would make the simulation prove the wrong thing.
  const results: { check: AccessCheck; outcome: Outcome }[] = [];
  if (findings.length === 0) {
    const checks = accessChecks(config, model, onlyStack);
    const { outcomes } = await evaluateAll(model, checks, { threads });
    checks.forEach((check, i) => results.push({ check, outcome: outcomes[i]! }));
  }
  return { stacks, findings, results };
}

const asIntended = (check: AccessCheck, outcome: Outcome): boolean =>
  outcome.decision === check.expect && (check.sid === undefined || outcome.deciders.some((d) => d.sid === check.sid));

/**
 * Workload stacks that the report would show the same way apart from their stack and workload name, account id and
 * regions, in the order of the stacks: each group of two or more is shown once, by its first stack, so a large
 * organization of similar accounts fits a pull request comment (65,536 characters) without cutting.
 */
export interface AlikeGroup {
  /** The group's number in the report, from 1. */
  readonly n: number;
  readonly members: readonly ResolvedStack[];
  /** The members' workload names, in the same order. */
  readonly workloads: readonly string[];
}

/** Each workload stack's group of alike stacks, by stack name; stacks alike with no other are not in it. */
type Alike = ReadonlyMap<string, AlikeGroup>;

/** Rows of one section, per stack name. */
type Rows = ReadonlyMap<string, readonly string[]>;

function alikeGroups(config: Config, stacks: readonly ResolvedStack[], sections: Record<string, Rows>): Alike {
  const workloads = new Map(config.workloads.map((w) => [workloadStackName(w.name), w.name]));
  const bySignature = new Map<string, ResolvedStack[]>();
  const workloadOf = (stack: ResolvedStack): string => workloads.get(stack.name)!;
  for (const stack of stacks) {
    const workload = workloads.get(stack.name);
    if (workload === undefined) continue;
    const text = Object.values(sections).flatMap((rows) => rows.get(stack.name) ?? []).join("\n");
    const signature = anonymize(text, stack, workload);
    bySignature.set(signature, [...(bySignature.get(signature) ?? []), stack]);
  }
  const groups = [...bySignature.values()].filter((members) => members.length > 1);
  const alike = new Map<string, AlikeGroup>();
  groups.forEach((members, i) => members.forEach((m) => alike.set(m.name, { n: i + 1, members, workloads: members.map(workloadOf) })));
  return alike;
}

/** `text` without what tells one workload stack from its alikes: its names, account id and regions. */
function anonymize(text: string, stack: ResolvedStack, workload: string): string {
  let out = text.split(stack.name).join("‹stack›").replace(new RegExp(`\\b${escapeRegExp(workload)}\\b`, "g"), "‹workload›");
  out = out.split(stack.accountId).join("‹account›");
  stack.regions.forEach((region, i) => (out = out.split(region).join(`‹region ${i}›`)));
  return out;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** How a shown stack is named in tables: with its group, when it stands for others. */
function stackLabel(alike: Alike, stack: string): string {
  const group = alike.get(stack);
  return group === undefined ? stack : `${stack} and ${group.members.length - 1} alike (group ${group.n})`;
}

function alikeSection(alike: Alike): string[] {
  const groups = [...new Map([...alike.values()].map((g) => [g.n, g])).values()];
  if (groups.length === 0) return [];
  const out = [
    "### Workloads alike",
    "",
    "Each group's workload stacks show the same resources, settings and access apart from their names, account ids and regions: the changes, the tables and the matrix show each group once, by its first stack, whose account id and regions stand for each member's.",
    "",
  ];
  for (const g of groups) {
    out.push(`- **group ${g.n}**, ${g.members.length} stacks: ${g.members.map((m) => `${m.name} (${m.accountId}, ${m.regions.join(", ")})`).join(", ")}`);
  }
  return [...out, ""];
}

/**
 * Lines of the changes section about one workload stack each (a table row, a list item) that read the same for
 * several stacks once their stack and workload names and account ids are masked: shown once, naming the others, or
 * their group when they are exactly one. A change made to every alike workload is then one line, not one per
 * account. Regions are not masked: a line says which region changed.
 */
function collapseChanges(lines: readonly string[], config: Config, stacks: readonly ResolvedStack[], alike: Alike): string[] {
  const byName = new Map(stacks.map((s) => [s.name, s]));
  const workloads = config.workloads
    .map((w) => ({ workload: w.name, stack: workloadStackName(w.name), accountId: byName.get(workloadStackName(w.name))?.accountId ?? w.accountId }))
    // Longest first, so workload-a-b is not taken for workload-a.
    .sort((a, b) => b.stack.length - a.stack.length)
    .map((w) => ({ ...w, mention: new RegExp(`(^|[^A-Za-z0-9-])${escapeRegExp(w.stack)}([^A-Za-z0-9-]|$)`), word: new RegExp(`\\b${escapeRegExp(w.workload)}\\b`, "g") }));
  const entries: ({ line: string; stack: string; members: string[] } | string)[] = [];
  const seen = new Map<string, { line: string; stack: string; members: string[] }>();
  for (const line of lines) {
    const w = workloads.find((x) => x.mention.test(line));
    if (w === undefined) {
      entries.push(line);
      continue;
    }
    const key = line.split(w.stack).join("‹stack›").replace(w.word, "‹workload›").split(w.accountId).join("‹account›");
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      earlier.members.push(w.stack);
      continue;
    }
    const entry = { line, stack: w.stack, members: [w.stack] };
    seen.set(key, entry);
    entries.push(entry);
  }
  return entries.map((e) => {
    if (typeof e === "string" || e.members.length === 1) return typeof e === "string" ? e : e.line;
    const group = alike.get(e.stack);
    const exactly = group !== undefined && group.members.length === e.members.length && group.members.every((m) => e.members.includes(m.name));
    const label = exactly
      ? `${e.stack} and ${e.members.length - 1} alike (group ${group.n})`
      : `${e.stack} and ${e.members.length - 1} more (${e.members.slice(1).join(", ")})`;
    return e.line.replace(e.stack, label);
  });
}

/** A section's rows, each stack's in stack order, alike stacks shown once with their group. */
function shownRows(stacks: readonly ResolvedStack[], rows: Rows, alike: Alike): string[] {
  return stacks
    .filter((s) => isShown(alike, s.name))
    .flatMap((s) => (rows.get(s.name) ?? []).map((row) => (alike.has(s.name) ? row.replace(`| ${s.name}`, `| ${stackLabel(alike, s.name)}`) : row)));
}

/** Whether the report shows this stack: every stack but the second and later members of a group. */
const isShown = (alike: Alike, stack: string): boolean => {
  const group = alike.get(stack);
  return group === undefined || group.members[0]!.name === stack;
};

function stackRows(stacks: readonly ResolvedStack[]): Rows {
  return new Map(
    stacks.map((s) => {
      const counts = Object.entries(s.resourceCounts).map(([type, n]) => `${type.replace(/^aws_/, "")} ${n}`);
      const total = Object.values(s.resourceCounts).reduce((a, b) => a + b, 0);
      return [s.name, [`| ${s.name} | ${s.accountId} | ${s.regions.join(", ")} | ${total} | ${counts.join(", ")} |`]];
    }),
  );
}

function stackTable(stacks: readonly ResolvedStack[], rows: Rows, alike: Alike): string[] {
  return ["### Stacks", "", "| Stack | Account | Regions | Resources | By type |", "|---|---|---|--:|---|", ...shownRows(stacks, rows, alike), ""];
}

function settingsTable(stacks: readonly ResolvedStack[], byStack: Rows, alike: Alike): string[] {
  const rows = shownRows(stacks, byStack, alike);
  if (rows.length === 0) return [];
  return [
    "### Session settings",
    "",
    "| Stack | Region | Idle / max (min) | S3 transcripts | CloudWatch | Session key | Run As | Linux shell profile |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
  ];
}

function settingsRows(stacks: readonly ResolvedStack[]): Rows {
  const byStack = new Map<string, string[]>();
  for (const stack of stacks) {
    const rows: string[] = [];
    byStack.set(stack.name, rows);
    const runAsTags = stack.users
      .filter((u) => u.tags.SSMSessionRunAs !== undefined)
      .map((u) => `${u.name}→${u.tags.SSMSessionRunAs}`);
    // Tunnel documents (sessionType Port) carry no preferences: no transcript, key or Run As of their own.
    const preferences = stack.documents.filter((d) => d.documentType === "Session" && d.content.sessionType !== "Port");
    for (const doc of [...preferences].sort((a, b) => stack.regions.indexOf(a.region) - stack.regions.indexOf(b.region))) {
      const i = doc.content.inputs ?? {};
      const keyOf = (arn: unknown): string => stack.keys.find((k) => k.arn === arn)?.aliases[0] ?? String(arn ?? "none");
      const s3 = i.s3BucketName ? `${i.s3BucketName}/${i.s3KeyPrefix ?? ""}${i.s3EncryptionEnabled ? ", encryption enforced" : ", **encryption not enforced**"}` : "**off**";
      const cw = i.cloudWatchLogGroupName
        ? `${i.cloudWatchLogGroupName}${i.cloudWatchEncryptionEnabled ? ", encryption enforced" : ", **not encrypted**"}${i.cloudWatchStreamingEnabled ? ", streaming" : ", on session end"}`
        : "off";
      const runAs = i.runAsEnabled ? `${i.runAsDefaultUser}${runAsTags.length > 0 ? ` (tags: ${runAsTags.join(", ")})` : ""}` : "**off** (ssm-user)";
      const shell = i.shellProfile?.linux ? `\`${i.shellProfile.linux}\`` : "—";
      rows.push(
        `| ${stack.name}${doc.imported ? " (adopted)" : ""} | ${doc.region} | ${i.idleSessionTimeout ?? "—"} / ${i.maxSessionDuration ?? "—"} | ${s3} | ${cw} | ${keyOf(i.kmsKeyId)} | ${runAs} | ${shell} |`,
      );
    }
  }
  return byStack;
}

/** Alerts and enforcement per account and region, read from what synth wrote. */
function alertsTable(stacks: readonly ResolvedStack[], byStack: Rows, alike: Alike): string[] {
  const rows = shownRows(stacks, byStack, alike);
  if (rows.length === 0) return [];
  return [
    "### Alerts and enforcement",
    "",
    "| Stack | Region | Alert topic | Session events | Forbidden-command alarms | Watchdog |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
  ];
}

function alertsRows(stacks: readonly ResolvedStack[]): Rows {
  const byStack = new Map<string, string[]>();
  for (const stack of stacks) {
    const rows: string[] = [];
    byStack.set(stack.name, rows);
    const tf = stack.terraform;
    const inRegion = (type: string, region: string) => resources(tf, type).filter((r) => r.region === region);
    for (const region of stack.regions) {
      if (stack.documents.length === 0) continue; // the log-archive stack
      const topic = stack.topics.find((t) => t.region === region);
      const key = topic && stack.keys.find((k) => k.arn === topic.keyArn)?.aliases[0];
      const subscriptions = inRegion("aws_sns_topic_subscription", region).map((r) => `${r.body.protocol} ${redact(String(r.body.endpoint))}`);
      const alerts = topic ? `${topic.name}${key ? ` (${key})` : " **(not encrypted)**"}; ${subscriptions.length > 0 ? subscriptions.join(", ") : "no subscriptions"}` : "off";
      const events = inRegion("aws_cloudwatch_event_rule", region).some((r) => typeof r.body.event_pattern === "string" && r.body.event_pattern.includes("StartSession")) ? "on" : "off";
      const filters = inRegion("aws_cloudwatch_log_metric_filter", region).map((r) => String(r.body.metric_transformation?.name ?? r.body.name));
      const fn = inRegion("aws_lambda_function", region)[0];
      const env = fn?.body.environment?.variables ?? {};
      const schedule = inRegion("aws_cloudwatch_event_rule", region).find((r) => typeof r.body.schedule_expression === "string")?.body.schedule_expression;
      const watchdog = fn
        ? `${env.DRY_RUN === "false" ? "**enforce**: ends" : "dry run: alerts on"} sessions older than ${env.MAX_SESSION_MINUTES} min, ${schedule ?? "unscheduled"}`
        : "off";
      rows.push(`| ${stack.name} | ${region} | ${alerts} | ${events} | ${filters.length > 0 ? filters.join(", ") : "off"} | ${watchdog} |`);
    }
  }
  return byStack;
}

/** An https endpoint without the user:password SNS allows in it: the report is posted on pull requests. */
export const redact = (endpoint: string): string => endpoint.replace(/^(https?:\/\/)[^/@]*@/i, "$1…@");

/** `✅ allowed`, `⛔ <Sid>` (explicit deny) or `➖ no allow in <policy>` (implicit deny). */
const cell = (o: Outcome): string =>
  o.decision === "Allowed" ? "✅ allowed" : o.decision === "ExplicitlyDenied" ? `⛔ ${o.deciders.map((d) => d.sid).join(", ")}` : `➖ ${o.reason}`;

/** One stack's access matrix: its summary line, the table head and one row per attempt. */
interface MatrixBlock {
  readonly summary: string;
  readonly head: readonly string[];
  readonly rows: readonly { readonly attempt: string; readonly cells: string }[];
}

function matrixBlocks(results: readonly { check: AccessCheck; outcome: Outcome }[]): Map<string, MatrixBlock> {
  const blocks = new Map<string, MatrixBlock>();
  // Grouped in one pass, by stack and then by row and column: filtering every result for each stack and cell grew
  // with the square of the accounts.
  const byStack = groupBy(results, (r) => r.check.stack);
  for (const [stack, mine] of byStack) {
    const rows = [...new Set(mine.map((r) => r.check.row))];
    const columns = [...new Set(mine.map((r) => r.check.column))];
    const regions = [...new Set(mine.map((r) => r.check.region))];
    const bad = mine.filter((r) => !asIntended(r.check, r.outcome)).length;
    const byCell = groupBy(mine, (r) => `${r.check.row}\u0000${r.check.column}`);
    blocks.set(stack, {
      summary: `${mine.length} checks in ${regions.join(", ")}, ${bad === 0 ? "all as intended" : `<b>${bad} not as intended</b>`}`,
      head: [`| Attempt | ${columns.join(" | ")} |`, `|---|${columns.map(() => "---").join("|")}|`],
      rows: rows.map((row) => {
        const cells = columns.map((column) => {
          const here = byCell.get(`${row}\u0000${column}`) ?? [];
          if (here.length === 0) return "";
          const texts = here.map((r) => `${asIntended(r.check, r.outcome) ? "" : "❗ "}${cell(r.outcome)}`);
          // One text when every region agrees; otherwise each region's.
          return new Set(texts).size === 1 ? texts[0] : here.map((r, i) => `${r.check.region}: ${texts[i]}`).join("<br>");
        });
        return { attempt: row, cells: cells.join(" | ") };
      }),
    });
  }
  return blocks;
}

/** The lines of each stack's matrix, for telling alike stacks apart. */
const matrixLines = (blocks: ReadonlyMap<string, MatrixBlock>): Rows =>
  new Map([...blocks].map(([stack, b]) => [stack, [`${stack}: ${b.summary}`, ...b.head, ...b.rows.map((r) => `| ${r.attempt} | ${r.cells} |`)]]));

/**
 * Rows of another stack's matrix (the organization's, the log archive's) about one workload each: a row about a
 * later member of a group of alike workloads is left out when it reads the same as the first member's, which then
 * says how many it stands for.
 */
function collapseAttempts(rows: MatrixBlock["rows"], alike: Alike): MatrixBlock["rows"] {
  const groups = [...new Map([...alike.values()].map((g) => [g.n, g])).values()];
  const byAttempt = new Map(rows.map((r) => [r.attempt, r]));
  const standsFor = new Map<string, { first: string; group: AlikeGroup; count: number }>();
  const dropped = new Set<string>();
  for (const group of groups) {
    const [first, ...others] = group.workloads;
    for (const other of others) {
      const word = new RegExp(`\\b${escapeRegExp(other!)}\\b`);
      for (const row of rows) {
        if (!word.test(row.attempt)) continue;
        const theirs = byAttempt.get(row.attempt.replace(word, first!));
        if (theirs === undefined || theirs.cells !== row.cells) continue;
        dropped.add(row.attempt);
        const entry = standsFor.get(theirs.attempt) ?? { first: first!, group, count: 0 };
        standsFor.set(theirs.attempt, { ...entry, count: entry.count + 1 });
      }
    }
  }
  return rows
    .filter((r) => !dropped.has(r.attempt))
    .map((r) => {
      const s = standsFor.get(r.attempt);
      if (s === undefined) return r;
      const label = `${s.first} and ${s.count} alike (group ${s.group.n})`;
      return { ...r, attempt: r.attempt.replace(new RegExp(`\\b${escapeRegExp(s.first)}\\b`), label) };
    });
}

function matrix(blocks: ReadonlyMap<string, MatrixBlock>, alike: Alike): string[] {
  if (blocks.size === 0) return [];
  const out = [
    "### Access matrix",
    "",
    "✅ allowed · ⛔ explicitly denied, by the named statement · ➖ implicitly denied: no statement allows it · ❗ differs from the intended model. `(*)`: an attacker who holds `*` on `*` in their own account; outsiders are in no account of the organization.",
    "",
  ];
  for (const [stack, block] of blocks) {
    if (!isShown(alike, stack)) continue;
    const rows = alike.has(stack) ? block.rows : collapseAttempts(block.rows, alike);
    out.push(`<details><summary><b>${stackLabel(alike, stack)}</b>: ${block.summary}</summary>`, "", ...block.head);
    for (const row of rows) out.push(`| ${row.attempt} | ${row.cells} |`);
    out.push("", "</details>", "");
  }
  return out;
}

/**
 * The organization's SCPs and RCPs, or, without them, what an account's own administrators and the world outside
 * the organization can still do: nothing inside an account can stop its administrators.
 */
function organizationSection(config: Config, stacks: readonly ResolvedStack[]): string[] {
  const guardrails = config.organizationGuardrails;
  const policies = stacks.flatMap((s) => s.controlPolicies);
  if (guardrails === undefined || policies.length === 0) {
    return [
      "### Organization guardrails",
      "",
      "**Not configured** (`organization.guardrails`): nothing above the accounts binds their own administrators, so these attacks remain open. The `organization` rows of the matrix prove the first ones (`(*)` allowed):",
      "",
      ...ATTACKS_OPEN_WITHOUT_ORGANIZATION.map((a) => `- ${a}`),
      "",
    ];
  }
  const rows = policies.map((p) => `| ${p.name} | ${p.type === "SERVICE_CONTROL_POLICY" ? "SCP" : "RCP"} | ${JSON.stringify(p.document).length} | ${asArray(p.document.Statement).length} | ${p.targets.join(", ")} |`);
  return [
    "### Organization guardrails",
    "",
    `Exempt from the SCPs: ${scpExemptPrincipals(config).map((p) => `\`${p}\``).join(", ")}. The \`organization\` rows of the access matrix are evaluated with these policies, assuming the targets hold every account of the config; the other rows with each account's own policies alone.`,
    "",
    "| Policy | Type | Characters (of 5,120) | Statements | Attached to |",
    "|---|---|--:|--:|---|",
    ...rows,
    "",
  ];
}

/** What an administrator of a member account, or someone outside the organization, can do without the organization stack. */
export const ATTACKS_OPEN_WITHOUT_ORGANIZATION: readonly string[] = [
  "a workload account's administrator updates or deletes the preferences, tunnel and Command documents (logging off, ports open)",
  "schedules deletion of, disables, or re-keys the session, alert and log keys, or grants them to someone else",
  "deletes the transcript log group or its forbidden-command filters, or shortens its retention",
  "deletes the alert topic, rules and alarms, or retargets and stops the watchdog",
  "detaches the guardrail policies, rewrites access policies, or changes the instance roles' trust",
  "points Default Host Management at another role",
  "tags users, roles or sessions `SSMSessionRunAs` and so picks anyone's OS user, root included",
  "the log-archive account's administrator replaces the bucket policy, or deletes transcript versions (Object Lock `GOVERNANCE` lets `s3:BypassGovernanceRetention` do it)",
  "outsiders are kept off the log bucket and key by their resource policies only: whoever can change those policies can open them",
  "AWS services acting for another organization's resources are kept off the log bucket and key by those policies' conditions only",
];

const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Items by key, keys in order of first appearance, items in their order. */
function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  return groups;
}

/** Rule pack results: findings (synth refuses unsuppressed errors, so these are rare here), suppressions, warnings. */
function complianceSection(config: Config, findings: readonly Finding[]): string[] {
  const { suppressions, maxSessionDurationMinutes, maxIdleTimeoutMinutes, minLogRetentionDays, requireObjectLock } = config.compliance;
  const open = findings.filter((f) => f.suppressedBecause === undefined && f.severity === "error");
  const count = (n: number, what: string): string => (n === 0 ? `no ${what}s` : `**${n} ${what}${n === 1 ? "" : "s"}**`);
  const out = [
    "### Compliance",
    "",
    `${RULES.length} rules · ${count(open.length, "finding")} · ${count(suppressions.length, "suppression")} · thresholds: sessions ≤ ${maxSessionDurationMinutes} min, idle ≤ ${maxIdleTimeoutMinutes} min, log retention ≥ ${minLogRetentionDays} days, Object Lock ${requireObjectLock ? "required" : "optional"}`,
    "",
  ];
  if (open.length > 0) out.push(...open.map((f) => `- \`${f.rule}\` ${f.path}: ${f.message}`), "");
  if (suppressions.length > 0) {
    out.push("| Suppressed rule | Stack | Resource | Findings covered | Reason |", "|---|---|---|--:|---|");
    for (const s of suppressions) {
      const covered = findings.filter((f) => covers(s, f)).length;
      out.push(`| ${s.rule} | ${s.stack} | ${s.resource ?? "(whole stack)"} | ${covered} | ${s.reason.replace(/\|/g, "\\|")} |`);
    }
    out.push("");
  }
  const warnings = complianceWarnings(complianceReport(config, [findings]));
  if (warnings.length > 0) out.push(...warnings.map((w) => `- ⚠️ ${w}`), "");
  return out;
}

function lintSection(findings: readonly LintFinding[]): string[] {
  if (findings.length === 0) return ["### Policy lint", "", "No findings.", ""];
  return [
    "### Policy lint",
    "",
    "| Stack | Policy | Where | Rule | Finding |",
    "|---|---|---|---|---|",
    ...findings.map((f) => `| ${f.stack} | ${f.policy} (\`${f.constructPath}\`) | ${f.where} | ${f.rule} | ${f.message.replace(/\|/g, "\\|")} |`),
    "",
  ];
}
