import { stringify } from "yaml";
import { autoApprovalDocumentName } from "../../config/naming";
import type { Config, WorkloadConfig } from "../../config/types";
import type { ManualApprovalConfig } from "../../config/schema";
import { GROUP_TYPE, JIT_ACTION, parsePolicies } from "./cedar";

/**
 * Just-in-time node access policies as data: the structured rules of the config compiled to Cedar statements, one
 * function each, so that the stacks, the config checks and the review read the same text.
 */

/** Node tags as rules and access groups write them: every key must match one of its values. */
export type NodeTags = Readonly<Record<string, readonly string[]>>;

/** One compiled statement and the rule it came from. */
export interface CedarStatement {
  /** The config rule's name; `cedar` for a raw statement of the escape hatch. */
  readonly rule: string;
  readonly text: string;
}

/** A Cedar string literal. */
export const cedarString = (text: string): string => JSON.stringify(text);

const group = (id: string): string => `${GROUP_TYPE}::${cedarString(id)}`;

/** `resource` carries, for every key, one of its values; keys in sorted order, so the text is stable. */
export function nodeTagCondition(tags: NodeTags): string {
  return Object.keys(tags)
    .sort()
    .map((key) => {
      const values = tags[key].map((v) => `resource.getTag(${cedarString(key)}) == ${cedarString(v)}`);
      return `resource.hasTag(${cedarString(key)}) && ${values.length === 1 ? values[0] : `(${values.join(" || ")})`}`;
    })
    .join(" && ");
}

function statement(effect: "permit" | "forbid", principal: string, condition: string): string {
  return `${effect} (\n  ${principal},\n  action == ${JIT_ACTION},\n  resource\n)\nwhen { ${condition} };`;
}

/** The auto-approval statements of a workload: one permit per rule and requester group. */
export function autoApprovalStatements(
  rules: readonly { readonly name: string; readonly requesters: readonly string[]; readonly nodeTags: NodeTags }[],
  groupId: (name: string) => string,
): CedarStatement[] {
  return rules.flatMap((r) =>
    r.requesters.map((g) => ({ rule: r.name, text: statement("permit", `principal in ${group(groupId(g))}`, nodeTagCondition(r.nodeTags)) })),
  );
}

/**
 * The organization's deny-access statements: one forbid per rule. `groups` narrows a rule to their members;
 * `exceptGroups` leaves their members out (the team that owns the nodes).
 */
export function denyStatements(
  rules: readonly { readonly name: string; readonly nodeTags: NodeTags; readonly groups?: readonly string[]; readonly exceptGroups?: readonly string[] }[],
  groupId: (name: string) => string,
): CedarStatement[] {
  return rules.flatMap((r) => {
    const members = (names: readonly string[]): string => names.map((n) => `principal in ${group(groupId(n))}`).join(" || ");
    const except = r.exceptGroups === undefined ? "" : ` && !(${members(r.exceptGroups)})`;
    const condition = `${nodeTagCondition(r.nodeTags)}${except}`;
    if (r.groups === undefined) return [{ rule: r.name, text: statement("forbid", "principal", condition) }];
    return r.groups.map((g) => ({ rule: r.name, text: statement("forbid", `principal in ${group(groupId(g))}`, condition) }));
  });
}

/** A policy document's content: each statement under a comment naming its rule. */
export function cedarPolicyText(statements: readonly CedarStatement[]): string {
  return statements.map((s) => `// ${s.rule}\n${s.text}`).join("\n\n") + "\n";
}

/** Whether a node with `tags` carries any key-value pair of a manual approval policy's node targets. */
export function manualTargets(nodeTags: NodeTags | undefined, tags: Readonly<Record<string, string>>): boolean {
  if (nodeTags === undefined) return true;
  return Object.entries(nodeTags).some(([key, values]) => tags[key] !== undefined && values.includes(tags[key]));
}

/**
 * The manual approval policies that apply to a node, as Systems Manager picks them: the tag-specific ones that
 * target it, else the one for all nodes. More than one means a request for the node fails.
 */
export function applicableManualPolicies<T extends { readonly nodeTags?: NodeTags }>(policies: readonly T[], tags: Readonly<Record<string, string>>): T[] {
  const specific = policies.filter((p) => p.nodeTags !== undefined && manualTargets(p.nodeTags, tags));
  return specific.length > 0 ? specific : policies.filter((p) => p.nodeTags === undefined);
}

/** The most node tag sets enumerated per workload; the review says when a workload has more. */
export const MAX_NODE_SCOPES = 256;

/**
 * The nodes the access groups of a workload reach, as tag sets: for each group, every choice of one value per key
 * of its instanceTags. Sorted and without repeats; at most MAX_NODE_SCOPES.
 */
export function nodeScopes(groups: readonly { readonly instanceTags: NodeTags }[]): Record<string, string>[] {
  const seen = new Map<string, Record<string, string>>();
  for (const g of groups) {
    const keys = Object.keys(g.instanceTags).sort();
    const visit = (i: number, tags: Record<string, string>): void => {
      if (seen.size >= MAX_NODE_SCOPES) return;
      if (i === keys.length) {
        seen.set(JSON.stringify(tags), tags);
        return;
      }
      for (const value of g.instanceTags[keys[i]]) visit(i + 1, { ...tags, [keys[i]]: value });
    };
    visit(0, {});
  }
  return [...seen].sort(([a], [b]) => a.localeCompare(b)).map(([, tags]) => tags);
}

/** `Key=value, Key=value`, as the review writes a node. */
export const describeTags = (tags: Readonly<Record<string, string>>): string =>
  Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k]}`)
    .join(", ");

/** The raw statements of a Cedar escape hatch (config checks have validated them), each as rule `cedar`. */
export function rawStatements(text: string | undefined): CedarStatement[] {
  if (text === undefined || text.trim() === "") return [];
  return parsePolicies(text).policies.map((p) => ({ rule: "cedar", text: p.trim() }));
}

/** An Identity Center group as config gives it: by display name or by group id. */
export type GroupRef = { readonly displayName: string } | { readonly groupId: string };

/**
 * The Identity Center group a rule's group name stands for. A requester is an access group of the workload: its own
 * identityCenterGroup when it is an Identity Center access group, else the entry of justInTime.groups of that name;
 * an approver or a deny rule's group is an entry of justInTime.groups.
 */
export function groupRef(
  config: Config,
  name: string,
  workload?: { readonly accessGroups: readonly { readonly name: string; readonly identityCenterGroup?: GroupRef }[] },
): GroupRef | undefined {
  const own = workload?.accessGroups.find((g) => g.name === name)?.identityCenterGroup;
  return own ?? config.justInTime?.groups.find((g) => g.name === name)?.identityCenterGroup;
}

/** The Identity Store group id Cedar names a group by (config checks require one wherever Cedar names a group). */
export function identityStoreGroupId(config: Config, name: string, workload?: Parameters<typeof groupRef>[2]): string {
  const ref = groupRef(config, name, workload);
  if (ref === undefined || !("groupId" in ref)) throw new Error(`no Identity Store group id for ${name}`);
  return ref.groupId;
}

/** The manual approval policies of a workload as an output: what to enter in the console, per policy. */
export function manualApprovalOutput(config: Config, policies: readonly ManualApprovalConfig[]): Record<string, unknown>[] {
  return policies.map((p) => ({
    name: p.name,
    accessDurationHours: p.accessDurationHours,
    nodeTargets: p.nodeTags === undefined ? "all nodes" : Object.fromEntries(Object.keys(p.nodeTags).sort().map((k) => [k, [...p.nodeTags![k]]])),
    approvers: p.approvers.map((a) => ({ name: a, identityCenterGroup: config.justInTime?.groups.find((g) => g.name === a)?.identityCenterGroup })),
  }));
}

/** The organization's deny-access policy, compiled: the deny rules, then the raw statements. */
export function denyAccessPolicyText(config: Config): string {
  const jit = config.justInTime;
  if (jit === undefined) return "";
  const statements = [...denyStatements(jit.denyRules, (n) => identityStoreGroupId(config, n)), ...rawStatements(jit.denyCedar)];
  return statements.length === 0 ? "" : cedarPolicyText(statements);
}

/** A workload's auto-approval policy, compiled: its rules, then the raw statements. */
export function autoApprovalPolicyText(config: Config, workload: WorkloadConfig): string {
  const statements = [
    ...autoApprovalStatements(workload.justInTime.autoApprove, (n) => identityStoreGroupId(config, n, workload)),
    ...rawStatements(workload.justInTime.cedar),
  ];
  return statements.length === 0 ? "" : cedarPolicyText(statements);
}

/**
 * The template as the stack's template_body: YAML, the Cedar text as a literal block. No backslash escapes: cdktf's
 * HCL output drops one level of them from a JSON template's \" inside a string.
 */
export function autoApprovalTemplateBody(prefix: string, cedar: string): string {
  return stringify(autoApprovalTemplate(prefix, cedar), { blockQuote: "literal", lineWidth: 0 });
}

/** The CloudFormation resource that holds the auto-approval policy document, in the stack's template. */
export const AUTO_APPROVAL_RESOURCE = "AutoApprovalPolicy";

/**
 * The CloudFormation template of an auto-approval policy: one AWS::SSM::Document of type AutoApprovalPolicy whose
 * content is the Cedar text. CloudFormation's AWS::SSM::Document takes the AutoApprovalPolicy type and reads a
 * document back with ssm:GetDocument only; the AWS provider's aws_ssm_document calls DescribeDocumentPermission,
 * which documents of this type reject (hashicorp/terraform-provider-aws#45569), so it can neither read nor destroy
 * them. Once that issue is fixed, an aws_ssm_document can take the document over: add DeletionPolicy Retain to the
 * resource and apply, remove the stack, then import the document into an aws_ssm_document.
 */
export function autoApprovalTemplate(prefix: string, cedar: string): Record<string, unknown> {
  return {
    Description: "Just-in-time node access: this account and region's auto-approval policy (session-manager-cdktf)",
    Resources: {
      [AUTO_APPROVAL_RESOURCE]: {
        Type: "AWS::SSM::Document",
        Properties: {
          Name: autoApprovalDocumentName(prefix),
          DocumentType: "AutoApprovalPolicy",
          // Cedar is text: neither JSON nor YAML.
          DocumentFormat: "TEXT",
          Content: cedar,
          UpdateMethod: "NewVersion",
        },
      },
    },
  };
}

