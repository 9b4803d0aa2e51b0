// @cloud-copilot/iam-simulate is AGPL-3.0: it is a devDependency, imported only here, by the tests and the review
// report. Nothing on the synth path (main.ts, config/, modules/, stacks/) may import this file.
import { getDenialReasons, getGrantReasons, runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import {
  createValidatedPolicy,
  validateIdentityPolicy,
  validateResourceControlPolicy,
  validateResourcePolicy,
  validateServiceControlPolicy,
  type ValidatedPolicy,
  type ValidationError,
} from "@cloud-copilot/iam-policy";
import { dirname, join } from "node:path";
import { requestContext, type Organization, type Persona, type RequestOptions } from "./personas";
import type { PolicyJson, PolicyKind, ResolvedPolicy, ResolvedStack } from "./resolve";

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

export interface AccessRequest {
  readonly action: string;
  /** A concrete ARN: simulations of wildcards would prove something weaker. */
  readonly resource: string;
  readonly options?: RequestOptions;
  /**
   * An S3 request that lands on a bucket of the same name owned by an account outside the organization, whose
   * policy lets anyone write: a name squatted before the log archive created it.
   */
  readonly squattedBucket?: boolean;
  /**
   * Evaluate with the organization stack's SCPs (for principals of member accounts) and RCPs (for resources of
   * member accounts), as attached to the accounts' root or OU. @default false: the accounts' own policies alone
   */
  readonly organizationPolicies?: boolean;
}

/** One deciding statement: its Sid and where it lives (`identity <policy name>`, `bucket policy`, `key policy`, `trust policy`). */
export interface Decider {
  readonly sid: string;
  readonly policy: string;
}

export interface Outcome {
  readonly decision: Decision;
  /** A few words for a reviewer: which statements decided, or which policy had no allow. */
  readonly reason: string;
  /** Statements that denied explicitly (ExplicitlyDenied) or that granted (Allowed). */
  readonly deciders: readonly Decider[];
}

/** The resolved organization the simulator evaluates against. */
export interface AccessModel {
  readonly organization: Organization;
  readonly stacks: readonly ResolvedStack[];
}

/** Where a request lands: the owning account and the resource policy AWS consults, if any. */
interface Target {
  readonly accountId: string;
  readonly policy?: ResolvedPolicy;
}

/**
 * Evaluates one request with AWS's policy logic: identity policies, the resource's policy (bucket, key or trust
 * policy, looked up in the synthesized stacks), same- and cross-account rules. Validation errors are thrown, never
 * read as a denial.
 */
export async function evaluate(model: AccessModel, persona: Persona, request: AccessRequest): Promise<Outcome> {
  const target = targetOf(model.stacks, persona, request);
  const contextVariables = requestContext(persona, model.organization, request.action, request.resource, request.options, target.accountId);
  const simulation = forSimulator({
    request: {
      principal: persona.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: target.accountId },
      contextVariables,
    },
    identityPolicies: persona.policies.map((p) => ({ name: p.name, policy: p.policy })),
    ...controlPolicies(model, persona, target.accountId, request.organizationPolicies === true),
    resourcePolicy: target.policy?.document,
  });
  const result = await runSimulation(simulation, { simulationMode: "Strict" });
  if (result.resultType === "error") {
    throw new Error(`simulation of ${request.action} on ${request.resource} by ${persona.label} failed: ${JSON.stringify(result.errors)}`);
  }
  if (result.resultType !== "single") throw new Error(`${request.resource}: requests must name one concrete resource`);
  const ignored = result.result.ignoredContextKeys ?? [];
  if (ignored.length > 0) throw new Error(`${request.action} on ${request.resource}: the simulator ignored ${ignored.join(", ")}`);

  const analysis = result.result.analysis;
  const decision = result.overallResult as Decision;
  const resourceLabel = policyLabel(target.policy?.kind);
  const label = (type: string, name?: string): string => (type === "resource" ? resourceLabel : name ? `${type} ${name}` : type);
  if (decision === "Allowed") {
    const deciders = getGrantReasons(analysis).map((g) => ({
      sid: g.statementId ?? `#${g.statementIndex}`,
      policy: label(g.policyType, "policyIdentifier" in g ? g.policyIdentifier : undefined),
    }));
    return { decision, deciders, reason: describe(deciders) };
  }
  const denials = getDenialReasons(analysis);
  if (decision === "ExplicitlyDenied") {
    const deciders = denials.flatMap((d) =>
      d.denialType === "Explicit" ? [{ sid: d.statementId ?? `#${d.statementIndex}`, policy: label(d.policyType, d.policyIdentifier) }] : [],
    );
    return { decision, deciders, reason: describe(deciders) };
  }
  const where = [...new Set(denials.map((d) => label(d.policyType)))];
  return { decision, deciders: [], reason: `no allow in ${where.join(" or ") || "any policy"}` };
}

/** AWS's default SCP: SCPs only deny here, so every level keeps it, as Organizations attaches it. */
const FULL_AWS_ACCESS = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

/**
 * The SCPs and RCPs a request meets. SCPs bind principals of member accounts, never AWS services or the management
 * account; RCPs bind resources of member accounts. Every policy is attached to every target, and the review assumes
 * the targets hold every account of the config, so one level stands for the account's path from the root.
 */
function controlPolicies(
  model: AccessModel,
  persona: Persona,
  resourceAccount: string,
  apply: boolean,
): Pick<Simulation, "serviceControlPolicies" | "resourceControlPolicies"> {
  const all = model.stacks.flatMap((s) => s.controlPolicies);
  if (!apply || all.length === 0) return { serviceControlPolicies: [], resourceControlPolicies: [] };
  const org = model.organization;
  const member = (account: string | undefined): boolean =>
    account !== undefined && org.accountIds.has(account) && account !== org.managementAccountId;
  const level = (type: string) => {
    const policies = all.filter((p) => p.type === type);
    return { orgIdentifier: policies[0]?.targets[0] ?? "r-root", policies: policies.map((p) => ({ name: p.name, policy: p.document })) };
  };
  const scps = level("SERVICE_CONTROL_POLICY");
  return {
    serviceControlPolicies:
      persona.kind !== "service" && member(persona.accountId)
        ? [{ ...scps, policies: [{ name: "FullAWSAccess", policy: FULL_AWS_ACCESS }, ...scps.policies] }]
        : [],
    resourceControlPolicies: member(resourceAccount) ? [level("RESOURCE_CONTROL_POLICY")] : [],
  };
}

const describe = (deciders: readonly Decider[]): string => deciders.map((d) => `${d.sid} (${d.policy})`).join(" + ");

const policyLabel = (kind: PolicyKind | undefined): string =>
  kind === "bucket"
    ? "bucket policy"
    : kind === "key"
      ? "key policy"
      : kind === "trust"
        ? "trust policy"
        : kind === "topic"
          ? "topic policy"
          : "resource policy";

/** The owner of a squatted bucket, and its policy: anyone may do anything. */
const SQUATTER_ACCOUNT = "888888888888";
const SQUATTED_BUCKET_POLICY: ResolvedPolicy = {
  stack: "(another account)",
  address: "(not synthesized)",
  constructPath: "(not synthesized)",
  kind: "bucket",
  name: "squatted bucket policy",
  document: { Version: "2012-10-17", Statement: [{ Sid: "AnyoneWrites", Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*" }] },
};

/**
 * iam-simulate works out the resource types of each request from scratch, matching the ARN against every type of
 * the action: two thirds of a simulation, the same answer for every check of the same action on the same ARN. Its
 * module exports the function as a plain property that its callers read at each call, so it is wrapped once here
 * with a cache. The version is pinned in package.json; should a release rename the module or the function, this
 * throws at load rather than silently losing the cache.
 */
function cacheResourceTypeLookup(): void {
  const modulePath = join(dirname(require.resolve("@cloud-copilot/iam-simulate")), "simulation_engine", "resourceTypes.js");
  const lookup = require(modulePath) as { getResourceTypesForAction: (service: string, action: string, resource: string) => Promise<unknown> };
  const original = lookup.getResourceTypesForAction;
  if (typeof original !== "function") throw new Error(`${modulePath} no longer exports getResourceTypesForAction`);
  if ((original as { cached?: boolean }).cached) return;
  const cache = new Map<string, Promise<unknown>>();
  const cached = (service: string, action: string, resource: string): Promise<unknown> => {
    const key = `${service}\n${action}\n${resource}`.toLowerCase();
    let found = cache.get(key);
    if (found === undefined) {
      found = original(service, action, resource);
      cache.set(key, found);
    }
    return found;
  };
  lookup.getResourceTypesForAction = Object.assign(cached, { cached: true });
}
cacheResourceTypeLookup();

/** Stands in for the empty account of AWS-owned ARNs; no real account has it. */
const AWS_OWNED = "000000000000";
/** Stands in for `ec2:osuser`, which EC2 Instance Connect defines under EC2's prefix and the simulator looks up there. */
const OS_USER = "aws:RequestTag/ec2-osuser";
/** Stands in for `kms:EncryptionContext:`: a variable key of the form the simulator accepts. */
const ENCRYPTION_CONTEXT = "aws:RequestTag/kms-encryption-context:";
/** An OIDC provider's claim key, `<issuer>:aud` or `<issuer>:sub` (the issuer a host name, no colon or slash). */
const OIDC_CLAIM = /^([a-z0-9-]+(?:\.[a-z0-9-]+)+):(aud|sub)$/i;
const OIDC_CLAIM_TAG = "aws:RequestTag/oidc-";

/**
 * iam-simulate 0.1 accepts less than AWS does in four places this project needs. Each is worked around by renaming,
 * the same way in the request and in every policy, so matching is unchanged:
 * - it drops context keys whose variable part holds a colon, such as `kms:EncryptionContext:aws:s3:arn` (it
 *   matches variable keys only at a `/`); they become `aws:RequestTag/kms-encryption-context:aws:s3:arn`, a
 *   String key like the original;
 * - it finds no resource type for ARNs without an account, such as AWS-owned documents
 *   (`arn:aws:ssm:eu-west-1::document/AWS-StartSSHSession`); the empty account becomes 000000000000 in ARNs and
 *   patterns, while the request still counts as same-account, as AWS treats it;
 * - it looks `ec2:osuser` (EC2 Instance Connect's key) up under EC2, which does not define it; it becomes
 *   `aws:RequestTag/ec2-osuser`, a String key like the original;
 * - it ignores an OIDC provider's claim keys (`token.actions.githubusercontent.com:sub`), which no service defines;
 *   each becomes `aws:RequestTag/oidc-<issuer>-<claim>`, a String key like the original.
 */
function forSimulator(simulation: Simulation): Simulation {
  return {
    ...simulation,
    request: {
      ...simulation.request,
      resource: { ...simulation.request.resource, resource: rename(simulation.request.resource.resource) },
      contextVariables: renamed(simulation.request.contextVariables),
    },
    identityPolicies: simulation.identityPolicies.map((p) => ({ name: p.name, policy: prepared(p.policy, validateIdentityPolicy) })),
    resourcePolicy: simulation.resourcePolicy === undefined ? undefined : prepared(simulation.resourcePolicy, validateResourcePolicy),
    serviceControlPolicies: simulation.serviceControlPolicies.map((l) => ({
      ...l,
      policies: l.policies.map((p) => ({ name: p.name, policy: prepared(p.policy, validateServiceControlPolicy) })),
    })),
    resourceControlPolicies: simulation.resourceControlPolicies.map((l) => ({
      ...l,
      policies: l.policies.map((p) => ({ name: p.name, policy: prepared(p.policy, validateResourceControlPolicy) })),
    })),
  };
}

const rename = (text: string): string =>
  text
    .replace(OIDC_CLAIM, (_, issuer: string, claim: string) => `${OIDC_CLAIM_TAG}${issuer}-${claim}`)
    .replace(/^kms:EncryptionContext:/i, ENCRYPTION_CONTEXT)
    .replace(/^ec2:osuser$/i, OS_USER)
    .replace(/^(arn:[^:]+:(?!s3:)[^:]+:[^:]*:)(:)/, `$1${AWS_OWNED}$2`);

const renamed = (value: any): any =>
  typeof value === "string"
    ? rename(value)
    : Array.isArray(value)
      ? value.map(renamed)
      : typeof value === "object" && value !== null
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [rename(k), renamed(v)]))
        : value;

/**
 * A policy renamed for the simulator and validated, once per policy object: the same persona policies and resource
 * policies serve hundreds of checks, and renaming and validating them again for each was a third of the report.
 */
const preparedPolicies = new WeakMap<object, ValidatedPolicy>();
function prepared(policy: PolicyJson, validate: (policy: unknown) => ValidationError[]): ValidatedPolicy {
  let ready = preparedPolicies.get(policy);
  if (ready === undefined) {
    ready = createValidatedPolicy(renamed(policy), validate);
    preparedPolicies.set(policy, ready);
  }
  return ready;
}

function targetOf(stacks: readonly ResolvedStack[], persona: Persona, request: AccessRequest): Target {
  // Actions with no resource type (ssm:DescribeSessions) are requested on "*": the caller's account, no resource policy.
  if (request.resource === "*") return { accountId: persona.accountId ?? "", policy: undefined };
  const parts = request.resource.split(":");
  if (parts[0] !== "arn" || parts.length < 6) throw new Error(`${request.resource} is not an ARN`);
  const [, , service, , account] = parts;
  if (service === "s3" && request.squattedBucket) return { accountId: SQUATTER_ACCOUNT, policy: SQUATTED_BUCKET_POLICY };
  if (service === "s3") {
    const bucketName = parts.slice(5).join(":").split("/")[0];
    for (const stack of stacks) {
      const bucket = stack.buckets.find((b) => b.name === bucketName);
      if (bucket) return { accountId: stack.accountId, policy: bucket.policy };
    }
    throw new Error(`no synthesized bucket ${bucketName}`);
  }
  if (service === "kms" && /:key\//.test(request.resource)) {
    const key = stacks.flatMap((s) => s.keys).find((k) => k.arn === request.resource);
    if (key === undefined) throw new Error(`no synthesized key ${request.resource}`);
    return { accountId: account, policy: key.policy };
  }
  if (service === "sns") {
    // A topic this project does not create has no policy the model knows: identity policies decide, same account.
    const topic = stacks.flatMap((s) => s.topics).find((t) => t.arn === request.resource);
    return { accountId: account, policy: topic?.policy };
  }
  if (service === "iam" && /^sts:assumerole/i.test(request.action)) {
    const role = stacks.flatMap((s) => s.roles).find((r) => r.arn === request.resource);
    return { accountId: account, policy: role?.trust };
  }
  // AWS-owned resources (documents such as AWS-StartSSHSession) have no account: identity policies alone decide.
  return { accountId: account || persona.accountId || "", policy: undefined };
}
