import { parse } from "yaml";
import { JUST_IN_TIME_STACK, workloadStackName } from "../config/naming";
import type { Config, WorkloadConfig } from "../config/types";
import { authorize, parsePolicies } from "../modules/policies/cedar";
import { applicableManualPolicies, AUTO_APPROVAL_RESOURCE, describeTags, groupRef, MAX_NODE_SCOPES, nodeScopes, type NodeTags } from "../modules/policies/just-in-time";
import { unescapeTemplateSequences } from "../modules/terraform-json";
import type { ResolvedStack } from "./resolve";

/**
 * What just-in-time node access decides, evaluated from the synthesized stacks: for each workload in just-in-time
 * mode, each of its access groups asking for each kind of node its access groups reach (every combination of
 * their instanceTags), the auto-approval policy and the organization's deny-access policy are evaluated with Cedar,
 * as Systems Manager evaluates them, then the manual approval policies are matched as Systems Manager picks them.
 */

export type ApprovalDecision = "auto-approved" | "manual approval" | "denied";

export interface ApprovalOutcome {
  readonly workload: string;
  /** The requester: an access group of the workload. */
  readonly group: string;
  readonly nodeTags: Readonly<Record<string, string>>;
  readonly decision: ApprovalDecision;
  /** The auto-approval rules that approved it. */
  readonly autoRules: readonly string[];
  /** The deny rules that kept it from auto-approval. */
  readonly deniedBy: readonly string[];
  /** The manual approval policy that applies, with its approvers. */
  readonly manual?: { readonly policy: string; readonly approvers: readonly string[]; readonly hours: number };
}

/** A policy text's statements and the rule each came from (the `// rule` line above it). */
export function ruleStatements(text: string): { rule: string; text: string }[] {
  if (text.trim() === "") return [];
  const statements = parsePolicies(text).policies;
  const rules = [...text.matchAll(/^\/\/ (\S+)\n(?=permit|forbid|@)/gm)].map((m) => m[1]);
  return statements.map((s, i) => ({ rule: rules.length === statements.length ? rules[i] : `statement ${i + 1}`, text: s }));
}

interface ManualPolicy {
  readonly name: string;
  readonly accessDurationHours: number;
  readonly nodeTargets: "all nodes" | Record<string, string[]>;
  readonly approvers: readonly { readonly name: string }[];
}

/** The synthesized policies of a workload: its auto-approval document, its manual approval output. */
function workloadPolicies(stack: ResolvedStack): { auto: string; manual: ManualPolicy[] } {
  const cfn = Object.values<Record<string, any>>(stack.terraform.resource?.aws_cloudformation_stack ?? {});
  const contents = cfn
    .map((c) => parse(unescapeTemplateSequences(String(c.template_body))) as Record<string, any>)
    .map((t) => t.Resources?.[AUTO_APPROVAL_RESOURCE]?.Properties?.Content as string | undefined)
    .filter((c): c is string => c !== undefined);
  // Every region of the account gets the same policy; the first stands for them.
  return { auto: contents[0] ?? "", manual: (stack.terraform.output?.["manual-approval-policies"]?.value ?? []) as ManualPolicy[] };
}

export function approvalOutcomes(config: Config, stacks: readonly ResolvedStack[]): ApprovalOutcome[] {
  const jit = config.justInTime;
  if (jit === undefined) return [];
  const jitStack = stacks.find((s) => s.name === JUST_IN_TIME_STACK);
  const denyLines = (jitStack?.terraform.output?.["deny-access-policy"]?.value ?? []) as string[];
  const denyText = denyLines.length === 0 ? "" : `${denyLines.join("\n")}\n`;
  const deny = ruleStatements(denyText);

  const out: ApprovalOutcome[] = [];
  for (const workload of config.workloads.filter((w) => w.accessMode === "just-in-time")) {
    const stack = stacks.find((s) => s.name === workloadStackName(workload.name));
    if (stack === undefined) continue;
    const { auto: autoText, manual } = workloadPolicies(stack);
    const auto = ruleStatements(autoText);
    const statements = [...auto, ...deny];
    const manualPolicies = manual.map((m) => ({ ...m, nodeTags: m.nodeTargets === "all nodes" ? undefined : (m.nodeTargets as NodeTags) }));
    for (const group of workload.accessGroups) {
      const ref = groupRef(config, group.name, workload);
      const id = ref !== undefined && "groupId" in ref ? ref.groupId : undefined;
      for (const nodeTags of nodeScopes(workload.accessGroups)) {
        out.push(outcome(workload, group.name, id, nodeTags, statements, auto.length, manualPolicies));
      }
    }
  }
  return out;
}

function outcome(
  workload: WorkloadConfig,
  group: string,
  id: string | undefined,
  nodeTags: Record<string, string>,
  statements: readonly { rule: string; text: string }[],
  autoCount: number,
  manual: readonly (ManualPolicy & { nodeTags?: NodeTags })[],
): ApprovalOutcome {
  const base = { workload: workload.name, group, nodeTags };
  const decision = id === undefined ? { decision: "deny" as const, reasons: [] } : authorize(statements.map((s) => s.text), { groups: [id], nodeTags });
  const rules = (indexes: readonly number[]): string[] => [...new Set(indexes.map((i) => statements[i].rule))];
  if (decision.decision === "allow") {
    return { ...base, decision: "auto-approved", autoRules: rules(decision.reasons.filter((i) => i < autoCount)), deniedBy: [] };
  }
  const deniedBy = rules(decision.reasons.filter((i) => i >= autoCount));
  const applicable = applicableManualPolicies(manual, nodeTags);
  if (applicable.length === 1) {
    const m = applicable[0];
    return { ...base, decision: "manual approval", autoRules: [], deniedBy, manual: { policy: m.name, approvers: m.approvers.map((a) => a.name), hours: m.accessDurationHours } };
  }
  return { ...base, decision: "denied", autoRules: [], deniedBy };
}

/** The review's section: one row per requester group and node. */
export function approvalSection(outcomes: readonly ApprovalOutcome[]): string[] {
  if (outcomes.length === 0) return [];
  const out = [
    "### Just-in-time approvals",
    "",
    "Each access group of a just-in-time workload requesting each kind of node its access groups reach, evaluated with Cedar from the synthesized auto-approval and deny-access policies, then matched against the manual approval policies.",
    "",
    "| Workload | Requester | Node | Outcome | Decided by |",
    "|---|---|---|---|---|",
  ];
  const capped = [...new Set(outcomes.map((o) => o.workload))].filter(
    (w) => new Set(outcomes.filter((o) => o.workload === w).map((o) => describeTags(o.nodeTags))).size >= MAX_NODE_SCOPES,
  );
  if (capped.length > 0) out.splice(4, 0, `_${capped.join(", ")}: ${MAX_NODE_SCOPES} kinds of node or more; the first ${MAX_NODE_SCOPES} are shown._`, "");
  for (const o of outcomes) {
    const denied = o.deniedBy.length > 0 ? `auto-approval denied by ${o.deniedBy.join(", ")}` : "";
    const by =
      o.decision === "auto-approved"
        ? `${o.autoRules.join(", ")} (one hour)`
        : o.decision === "manual approval"
          ? [denied, `${o.manual!.policy}: ${o.manual!.approvers.join(", ")}, up to ${o.manual!.hours} h`].filter(Boolean).join("; ")
          : [denied, "no approval policy applies"].filter(Boolean).join("; ");
    const icon = o.decision === "auto-approved" ? "✅" : o.decision === "manual approval" ? "🙋" : "⛔";
    out.push(`| ${o.workload} | ${o.group} | ${describeTags(o.nodeTags)} | ${icon} ${o.decision} | ${by} |`);
  }
  out.push("");
  return out;
}
