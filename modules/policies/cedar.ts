/**
 * Cedar at synth: the just-in-time node access schema, validation of policy sets against it, and evaluation of one
 * access request. Uses @cedar-policy/cedar-wasm, Cedar's own engine compiled to WebAssembly, loaded on first use so
 * that configs without just-in-time access never pay for it.
 */
import { remembered } from "./cedar-cache";

/**
 * The schema just-in-time node access policies are validated against.
 *
 * What AWS documents (Systems Manager User Guide: "Statement structure and built-in operators for auto-approval and
 * deny-access policies", and the auto-approval and deny-access examples): the action is always
 * `AWS::SSM::Action::"getTokenForInstanceAccess"`; principals are tested with `principal in
 * AWS::IdentityStore::Group::"<group id>"` and optional Identity Center user attributes (`principal has
 * costCenter`, `organization`, `division`, `employeeNumber` appear in AWS's examples); nodes are tested with
 * `resource.hasTag("Key")` and `resource.getTag("Key")`, Cedar entity tags of type String. AWS documents no context
 * attributes, so the context is empty: a rule cannot depend on the time of the request.
 *
 * What AWS does not publish: a schema file, and the entity type names of the principal and of the node. The names
 * below (`AWS::IdentityStore::User`, `AWS::EC2::Instance`) are placeholders that no generated policy names; a raw
 * Cedar policy that names a principal or node type itself is validated against these placeholders.
 */
export const JIT_CEDAR_SCHEMA = `namespace AWS::IdentityStore {
  entity Group;
  entity User in [Group] {
    costCenter?: String,
    division?: String,
    employeeNumber?: String,
    organization?: String,
  };
}

namespace AWS::EC2 {
  entity Instance tags String;
}

namespace AWS::SSM {
  action getTokenForInstanceAccess appliesTo {
    principal: [AWS::IdentityStore::User],
    resource: [AWS::EC2::Instance],
    context: {},
  };
}
`;

export const JIT_ACTION = 'AWS::SSM::Action::"getTokenForInstanceAccess"';
export const GROUP_TYPE = "AWS::IdentityStore::Group";
const USER_TYPE = "AWS::IdentityStore::User";
const NODE_TYPE = "AWS::EC2::Instance";

type CedarWasm = typeof import("@cedar-policy/cedar-wasm/nodejs");
let engine: CedarWasm | undefined;
function cedar(): CedarWasm {
  // The Node.js build reads its .wasm file next to itself; the synth bundle keeps the package external.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  engine ??= require("@cedar-policy/cedar-wasm/nodejs") as CedarWasm;
  return engine;
}

/** The engine's answers, remembered between runs (see cedar-cache.ts): the engine loads only for a new question. */
const engineCalls = {
  policySetTextToParts: (text: string) => remembered("policySetTextToParts", text, () => cedar().policySetTextToParts(text)),
  policyToJson: (policy: string) => remembered("policyToJson", policy, () => cedar().policyToJson(policy)),
  validate: (call: Parameters<CedarWasm["validate"]>[0]) => remembered("validate", call, () => cedar().validate(call)),
  isAuthorized: (call: Parameters<CedarWasm["isAuthorized"]>[0]) => remembered("isAuthorized", call, () => cedar().isAuthorized(call)),
};

/** The statements of a policy set text, in order; problems when it does not parse. */
export function parsePolicies(text: string): { policies: string[]; problems: string[] } {
  const parts = engineCalls.policySetTextToParts(text);
  if (parts.type === "failure") return { policies: [], problems: parts.errors.map(describe) };
  return { policies: parts.policies, problems: parts.policy_templates.length > 0 ? ["templates (?principal, ?resource) are not approval policies"] : [] };
}

/**
 * Problems of a policy set against the just-in-time schema, each with the validator's message: empty when it
 * parses and validates. `effect` requires every statement to be a permit (auto-approval) or a forbid (deny-access).
 */
export function validatePolicies(text: string, effect: "permit" | "forbid"): string[] {
  const { policies, problems } = parsePolicies(text);
  if (problems.length > 0) return problems.map((p) => `does not parse: ${p}`);
  if (policies.length === 0) return ["holds no statement"];
  const out: string[] = [];
  policies.forEach((p, i) => {
    const json = engineCalls.policyToJson(p);
    if (json.type === "success" && json.json.effect !== effect) {
      out.push(`statement ${i + 1} is a ${json.json.effect}: ${effect === "permit" ? "an auto-approval policy holds permit statements only" : "a deny-access policy holds forbid statements only"}`);
    }
  });
  const answer = engineCalls.validate({ schema: JIT_CEDAR_SCHEMA, policies: { staticPolicies: Object.fromEntries(policies.map((p, i) => [`policy${i}`, p])) }, validationSettings: { mode: "strict" } });
  if (answer.type === "failure") return [...out, ...answer.errors.map((e) => `does not validate: ${describe(e)}`)];
  return [
    ...out,
    ...answer.validationErrors.map(
      (e) => `statement ${Number(e.policyId.replace(/^policy/, "")) + 1} does not validate against the just-in-time schema: ${describe(e.error).replace(/^for policy `[^`]+`, /, "")}`,
    ),
  ];
}

/** One request to evaluate: a person in some Identity Center groups asks for a node with some tags. */
export interface NodeRequest {
  /** Entity ids of the person's groups (the ids the policies name). */
  readonly groups: readonly string[];
  readonly nodeTags: Readonly<Record<string, string>>;
}

/** The decision, and the statements that made it (indexes into the policy set's statements, in order). */
export interface CedarDecision {
  readonly decision: "allow" | "deny";
  readonly reasons: readonly number[];
}

/** Evaluates one request against policy statements, as Systems Manager does for an access request. */
export function authorize(statements: readonly string[], request: NodeRequest): CedarDecision {
  const policies = Object.fromEntries(statements.map((s, i) => [`s${i}`, s]));
  const group = (id: string) => ({ type: GROUP_TYPE, id });
  const answer = engineCalls.isAuthorized({
    principal: { type: USER_TYPE, id: "requester" },
    action: { type: "AWS::SSM::Action", id: "getTokenForInstanceAccess" },
    resource: { type: NODE_TYPE, id: "node" },
    context: {},
    schema: JIT_CEDAR_SCHEMA,
    validateRequest: true,
    policies: { staticPolicies: policies },
    entities: [
      { uid: { type: USER_TYPE, id: "requester" }, attrs: {}, parents: request.groups.map(group) },
      ...request.groups.map((id) => ({ uid: group(id), attrs: {}, parents: [] })),
      { uid: { type: NODE_TYPE, id: "node" }, attrs: {}, parents: [], tags: { ...request.nodeTags } },
    ],
  });
  if (answer.type === "failure") throw new Error(`Cedar evaluation failed: ${answer.errors.map(describe).join("; ")}`);
  const errors = answer.response.diagnostics.errors;
  if (errors.length > 0) throw new Error(`Cedar evaluation failed: ${errors.map((e) => `${e.policyId}: ${describe(e.error)}`).join("; ")}`);
  return { decision: answer.response.decision, reasons: answer.response.diagnostics.reason.map((id) => Number(id.slice(1))).sort((a, b) => a - b) };
}

function describe(e: { message: string; help?: string | null }): string {
  return e.help ? `${e.message} (${e.help})` : e.message;
}
