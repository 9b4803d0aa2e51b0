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
import { requestContext, type Organization, type Persona, type RequestOptions } from "./personas";
import type { PolicyJson, PolicyKind, ResolvedControlPolicy, ResolvedPolicy, ResolvedStack } from "./resolve";
import { installSimulatorCaches } from "./simulator-caches";
import type { SimulationThreads } from "./threads";

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
  const { simulation, target } = simulationOf(model, persona, request);
  return simulateJob(jobOf(simulation, target, persona, request));
}

/**
 * Evaluates every request, in order, and says how many simulations that took. With `deduplicate` (the default),
 * requests that differ only in the accounts of their principal and resource (and the principal's unique id, derived
 * from its ARN) are evaluated once: alike workload accounts ask the same questions. See simulationKey for why that
 * gives the same outcomes; a test compares both ways on a generated organization whose workloads differ.
 * With `threads`, the distinct questions are shared out between this thread and the others (see threads.ts).
 */
export async function evaluateAll(
  model: AccessModel,
  requests: readonly { readonly persona: Persona; readonly request: AccessRequest }[],
  options: { readonly deduplicate?: boolean; readonly threads?: SimulationThreads } = {},
): Promise<{ outcomes: Outcome[]; simulations: number }> {
  // Every request's question first: a request whose key an earlier one has is answered from that one's outcome.
  // A repeat keeps only what renames that outcome back, not its input: a large organization has hundreds of
  // thousands of them.
  const jobs: SimulationJob[] = [];
  const firstKeys: (SimulationKey["normalize"] | undefined)[] = [];
  const known = new Map<string, number>();
  type Step = { readonly job: number; readonly restore?: SimulationKey["restore"]; readonly repeat?: { readonly persona: Persona; readonly request: AccessRequest } };
  const plan = requests.map(({ persona, request }): Step => {
    const { simulation, target } = simulationOf(model, persona, request);
    const key = options.deduplicate === false ? undefined : simulationKey(model, simulation, target, persona);
    const earlier = key && known.get(key.text);
    if (key && earlier !== undefined) return { job: earlier, restore: key.restore, repeat: { persona, request } };
    const job = jobs.push(jobOf(simulation, target, persona, request)) - 1;
    firstKeys.push(key?.normalize);
    if (key) known.set(key.text, job);
    return { job };
  });
  known.clear();
  const answers = options.threads ? await options.threads.run(jobs, simulateJob) : await inOrder(jobs);
  let simulations = jobs.length;
  // Each answer normalized once, when a repeat first needs it; null: it holds a placeholder already, and cannot be
  // renamed back unambiguously, so its repeats are asked again.
  const normalized: (string | null | undefined)[] = new Array(jobs.length);
  const outcomes: Outcome[] = [];
  for (const step of plan) {
    const answer = answers[step.job]!;
    if (step.repeat === undefined) {
      outcomes.push(answer);
      continue;
    }
    if (normalized[step.job] === undefined) {
      const json = JSON.stringify(answer);
      normalized[step.job] = json.includes("‹") ? null : firstKeys[step.job]!(json);
    }
    const shared = normalized[step.job];
    if (shared === null) {
      const { persona, request } = step.repeat;
      const { simulation, target } = simulationOf(model, persona, request);
      outcomes.push(await simulateJob(jobOf(simulation, target, persona, request)));
      simulations += 1;
      continue;
    }
    outcomes.push(JSON.parse(step.restore!(shared!)) as Outcome);
  }
  return { outcomes, simulations };
}

async function inOrder(jobs: readonly SimulationJob[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const job of jobs) outcomes.push(await simulateJob(job));
  return outcomes;
}

/** One question for the simulator, with what its outcome and its errors name: all of it can go to another thread. */
export interface SimulationJob {
  /** The simulator's input, before renaming for the simulator (see forSimulator). */
  readonly simulation: Simulation;
  /** The kind of the resource's policy, which names it in the outcome. */
  readonly resourcePolicy?: PolicyKind;
  /** The request, for errors: `<action> on <resource> by <persona>`. */
  readonly action: string;
  readonly resource: string;
  readonly who: string;
}

function jobOf(simulation: Simulation, target: Target, persona: Persona, request: AccessRequest): SimulationJob {
  return { simulation, resourcePolicy: target.policy?.kind, action: request.action, resource: request.resource, who: persona.label };
}

/** The simulator's input for one request (policies as the model holds them, not yet prepared), and its target. */
function simulationOf(model: AccessModel, persona: Persona, request: AccessRequest): { simulation: Simulation; target: Target } {
  const target = targetOf(indexOf(model.stacks), persona, request);
  const contextVariables = requestContext(persona, model.organization, request.action, request.resource, request.options, target.accountId);
  const simulation: Simulation = {
    request: {
      principal: persona.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: target.accountId },
      contextVariables,
    },
    identityPolicies: persona.policies.map((p) => ({ name: p.name, policy: p.policy })),
    ...controlPolicies(model, persona, target.accountId, request.organizationPolicies === true),
    resourcePolicy: target.policy?.document,
  };
  return { simulation, target };
}

/** Runs one question through the simulator (in whichever thread has it). */
export async function simulateJob(job: SimulationJob): Promise<Outcome> {
  const simulation = forSimulator(job.simulation);
  const result = await runSimulation(simulation, { simulationMode: "Strict" });
  if (result.resultType === "error") {
    throw new Error(`simulation of ${job.action} on ${job.resource} by ${job.who} failed: ${JSON.stringify(result.errors)}`);
  }
  if (result.resultType !== "single") throw new Error(`${job.resource}: requests must name one concrete resource`);
  const ignored = result.result.ignoredContextKeys ?? [];
  if (ignored.length > 0) throw new Error(`${job.action} on ${job.resource}: the simulator ignored ${ignored.join(", ")}`);

  const analysis = result.result.analysis;
  const decision = result.overallResult as Decision;
  const resourceLabel = policyLabel(job.resourcePolicy);
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
  const { scps, rcps } = indexOf(model.stacks);
  if (!apply || (scps === undefined && rcps === undefined)) return { serviceControlPolicies: [], resourceControlPolicies: [] };
  const org = model.organization;
  const member = (account: string | undefined): boolean =>
    account !== undefined && org.accountIds.has(account) && account !== org.managementAccountId;
  return {
    serviceControlPolicies: persona.kind !== "service" && member(persona.accountId) ? [scps!] : [],
    resourceControlPolicies: member(resourceAccount) ? [rcps!] : [],
  };
}

type ControlLevel = Simulation["serviceControlPolicies"][number];

/** One level of SCPs or RCPs: every policy of the type, at its first target (see controlPolicies). */
function controlLevel(all: readonly ResolvedControlPolicy[], type: ResolvedControlPolicy["type"]): ControlLevel {
  const policies = all.filter((p) => p.type === type);
  return { orgIdentifier: policies[0]?.targets[0] ?? "r-root", policies: policies.map((p) => ({ name: p.name, policy: p.document })) };
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

// The simulator's caches (see simulator-caches.ts). The resource types of an ARN depend on its shape, which
// iam-data's patterns name by variables (${Account}, ${KeyId}): ARNs that differ only in their account ids and
// made-up key ids share it.
installSimulatorCaches((resource) => resource.replace(ACCOUNT_ID, "000000000000").replace(SYNTHETIC_ID, (id) => id.replace(/[0-9a-f]/g, "0")));

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

/** Texts that `rename` may change (a few more: it is only a quick test): most context keys and values are none. */
const RENAMEABLE = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)+:(?:aud|sub)$|kms:EncryptionContext:|ec2:osuser$|arn:[^:]+:[^:]+:[^:]*::)/i;

const rename = (text: string): string =>
  !RENAMEABLE.test(text)
    ? text
    : text
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

/**
 * The stacks' buckets, keys, topics, roles and control policies by what requests name them by, built once per
 * stack list: looking each request's target up in every stack made the report grow with the square of the accounts.
 */
interface ModelIndex {
  readonly buckets: ReadonlyMap<string, Target>;
  readonly keys: ReadonlyMap<string, ResolvedPolicy | undefined>;
  readonly topics: ReadonlyMap<string, ResolvedPolicy | undefined>;
  readonly roles: ReadonlyMap<string, ResolvedPolicy>;
  /** The SCP level (AWS's FullAWSAccess first) and the RCP level; unset when the stacks have no control policies. */
  readonly scps?: ControlLevel;
  readonly rcps?: ControlLevel;
}

const indexes = new WeakMap<readonly ResolvedStack[], ModelIndex>();
function indexOf(stacks: readonly ResolvedStack[]): ModelIndex {
  let index = indexes.get(stacks);
  if (index !== undefined) return index;
  // The first of equal names wins, as a search in stack order would find it.
  const firstBy = <K, V>(entries: [K, V][]): Map<K, V> => new Map([...entries].reverse());
  const all = stacks.flatMap((s) => s.controlPolicies);
  const scps = controlLevel(all, "SERVICE_CONTROL_POLICY");
  index = {
    buckets: firstBy(stacks.flatMap((s) => s.buckets.map((b): [string, Target] => [b.name, { accountId: s.accountId, policy: b.policy }]))),
    keys: firstBy(stacks.flatMap((s) => s.keys.map((k): [string, ResolvedPolicy | undefined] => [k.arn, k.policy]))),
    topics: firstBy(stacks.flatMap((s) => s.topics.map((t): [string, ResolvedPolicy | undefined] => [t.arn, t.policy]))),
    roles: firstBy(stacks.flatMap((s) => s.roles.map((r): [string, ResolvedPolicy] => [r.arn, r.trust]))),
    ...(all.length === 0
      ? {}
      : { scps: { ...scps, policies: [{ name: "FullAWSAccess", policy: FULL_AWS_ACCESS }, ...scps.policies] }, rcps: controlLevel(all, "RESOURCE_CONTROL_POLICY") }),
  };
  indexes.set(stacks, index);
  return index;
}

function targetOf(index: ModelIndex, persona: Persona, request: AccessRequest): Target {
  // Actions with no resource type (ssm:DescribeSessions) are requested on "*": the caller's account, no resource policy.
  if (request.resource === "*") return { accountId: persona.accountId ?? "", policy: undefined };
  const parts = request.resource.split(":");
  if (parts[0] !== "arn" || parts.length < 6) throw new Error(`${request.resource} is not an ARN`);
  const [, , service, , account] = parts;
  if (service === "s3" && request.squattedBucket) return { accountId: SQUATTER_ACCOUNT, policy: SQUATTED_BUCKET_POLICY };
  if (service === "s3") {
    const bucketName = parts.slice(5).join(":").split("/")[0];
    const bucket = index.buckets.get(bucketName);
    if (bucket === undefined) throw new Error(`no synthesized bucket ${bucketName}`);
    return bucket;
  }
  if (service === "kms" && /:key\//.test(request.resource)) {
    if (!index.keys.has(request.resource)) throw new Error(`no synthesized key ${request.resource}`);
    return { accountId: account, policy: index.keys.get(request.resource) };
  }
  if (service === "sns") {
    // A topic this project does not create has no policy the model knows: identity policies decide, same account.
    return { accountId: account, policy: index.topics.get(request.resource) };
  }
  if (service === "iam" && /^sts:assumerole/i.test(request.action)) {
    return { accountId: account, policy: index.roles.get(request.resource) };
  }
  // AWS-owned resources (documents such as AWS-StartSSHSession) have no account: identity policies alone decide.
  return { accountId: account || persona.accountId || "", policy: undefined };
}

/** A simulation's input in a form that leaves out which accounts it is about, and how to map its outcome back. */
interface SimulationKey {
  readonly text: string;
  /** An outcome (as JSON) of this request, with its accounts and unique id left out. */
  normalize(outcome: string): string;
  /** An outcome (as JSON) stored by an equal key, with this request's accounts and unique id put in. */
  restore(outcome: string): string;
}

const ACCOUNT_ID = /(?<![0-9])[0-9]{12}(?![0-9])/g;
/** IAM unique ids as personas.ts derives them (AIDA/AROA and 17 characters). */
const UNIQUE_ID = /(?<![0-9A-Za-z])A(?:IDA|ROA)[0-9A-F]{17}(?![0-9A-Za-z])/g;
// ‹…›, spelled as escapes: the report's bundle stays ASCII, which Node.js reads as one byte per character.
const PLACEHOLDER = /\u2039[^\u203a]*\u203a/g;
/** The ids resolve.ts makes up for what AWS assigns (key and association ids, instance and policy ids). */
const SYNTHETIC_ID = /(?<![0-9A-Za-z])(?:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}|i-[0-9a-f]{17}|p-[0-9a-f]{12})(?![0-9A-Za-z])/g;

/**
 * The simulation input with the accounts the request names (the principal's, the resource's, any in the resource ARN
 * or the context, in that order), the ids resolve.ts made up for those accounts' resources (numbered in the order their stacks hold them) and the principal's unique id replaced by
 * placeholders (`‹a0›`, `‹a1›`, `‹a0:3›`, `‹u›`), everywhere: request, context, every policy and its name.
 * Two requests with equal keys are then the same input up to renaming those ids, one to one (an id of one that
 * appears elsewhere in the other's input stays literal there, so the keys would differ). AWS's evaluation, and the
 * simulator's, compare such ids only as whole strings, equal or not, or match them against wildcards; renaming
 * them cannot change a decision as long as no pattern could match part of one: so a policy with a wildcard next
 * to a character an id can hold (`arn:aws:iam::1234*`, `AROA*`), or with a numeric or date condition, is not
 * keyed, and neither is input that holds a placeholder already. Its decision, deciders and reason are the same, with the ids renamed back.
 */
function simulationKey(model: AccessModel, simulation: Simulation, target: Target, persona: Persona): SimulationKey | undefined {
  const { request } = simulation;
  const levels = [...simulation.serviceControlPolicies, ...simulation.resourceControlPolicies];
  const raw = JSON.stringify([
    request.principal,
    request.action,
    request.resource,
    request.contextVariables,
    simulation.serviceControlPolicies.length,
    target.policy?.kind ?? "",
    simulation.identityPolicies.map((p) => p.name),
    levels.map((level) => [level.orgIdentifier, level.policies.map((p) => p.name)]),
  ]);
  if (raw.includes("‹")) return undefined;
  const named = `${persona.accountId ?? ""} ${request.resource.accountId} ${raw}`;
  const accounts = [...new Set(named.match(ACCOUNT_ID) ?? [])];
  const renaming = renamingOf(model, accounts, persona.userid?.match(UNIQUE_ID)?.[0]);
  const policyId = (policy: PolicyJson | undefined): number | undefined => (policy === undefined ? -1 : normalizedPolicyId(policy, renaming));
  const policies = [
    ...simulation.identityPolicies.map((p) => policyId(p.policy as PolicyJson)),
    policyId(simulation.resourcePolicy as PolicyJson | undefined),
    ...levels.flatMap((level) => level.policies.map((p) => policyId(p.policy as PolicyJson))),
  ];
  if (policies.includes(undefined)) return undefined;
  return { text: `${renaming.normalize(raw)}\n${policies.join(",")}`, normalize: renaming.normalize, restore: renaming.restore };
}

/** The ids resolve.ts made up for the resources of an account's stacks, in the order the stacks hold them. */
const syntheticIds = new WeakMap<readonly ResolvedStack[], Map<string, readonly string[]>>();
function syntheticIdsOf(stacks: readonly ResolvedStack[], account: string): readonly string[] {
  let byAccount = syntheticIds.get(stacks);
  if (byAccount === undefined) {
    byAccount = new Map();
    syntheticIds.set(stacks, byAccount);
  }
  let ids = byAccount.get(account);
  if (ids === undefined) {
    const text = stacks.filter((s) => s.accountId === account).map((s) => JSON.stringify({ ...s, terraform: undefined }));
    ids = [...new Set(text.flatMap((t) => t.match(SYNTHETIC_ID) ?? []))];
    byAccount.set(account, ids);
  }
  return ids;
}

/** How one set of accounts and a unique id are renamed to placeholders, and back. */
interface Renaming {
  readonly signature: string;
  normalize(text: string): string;
  restore(text: string): string;
}

/** Ids an account's placeholder stands for, matched in one pass: made-up resource ids, unique ids, accounts. */
const RENAMED = new RegExp(`${SYNTHETIC_ID.source}|${UNIQUE_ID.source}|${ACCOUNT_ID.source}`, "g");

const renamings = new WeakMap<readonly ResolvedStack[], Map<string, Renaming>>();
function renamingOf(model: AccessModel, accounts: readonly string[], uniqueId: string | undefined): Renaming {
  const signature = `${accounts.join(" ")} ${uniqueId ?? ""}`;
  let known = renamings.get(model.stacks);
  if (known === undefined) {
    known = new Map();
    renamings.set(model.stacks, known);
  }
  const found = known.get(signature);
  if (found !== undefined) return found;
  const names = new Map<string, string>(accounts.map((a, i) => [a, `‹a${i}›`]));
  accounts.forEach((a, i) => syntheticIdsOf(model.stacks, a).forEach((id, n) => names.set(id, `‹a${i}:${n}›`)));
  if (uniqueId !== undefined) names.set(uniqueId, "‹u›");
  const back = new Map([...names].map(([id, placeholder]) => [placeholder, id]));
  const renaming: Renaming = {
    signature,
    normalize: (text) => text.replace(RENAMED, (id) => names.get(id) ?? id),
    restore: (text) => text.replace(PLACEHOLDER, (p) => back.get(p) ?? p),
  };
  known.set(signature, renaming);
  return renaming;
}

/** Policy ids by normalized text, and each policy's id per renaming: a policy is normalized once per renaming. */
const policyIds = new Map<string, number>();
const normalizedPolicies = new WeakMap<object, { readonly text?: string; readonly ids: Map<string, number> }>();
function normalizedPolicyId(policy: PolicyJson, renaming: Renaming): number | undefined {
  let byRenaming = normalizedPolicies.get(policy);
  if (byRenaming === undefined) {
    const text = JSON.stringify(policy);
    // Actions are matched against the request's action only, which holds no id: their wildcards (`s3:Get*`) are safe.
    const compared = JSON.stringify(asArray(policy.Statement).map(({ Action, NotAction, ...rest }) => rest));
    // A wildcard next to a character an id can hold (a digit, or a letter of AIDA/AROA and hex, in either case) could
    // match part of one.
    const keyable = !/[0-9a-fidro][*?]|[*?][0-9a-fidro]|"(?:For(?:All|Any)Values?:)?(?:Numeric|Date)[A-Za-z]*"\s*:/i.test(compared) && !text.includes("‹");
    byRenaming = { text: keyable ? text : undefined, ids: new Map() };
    normalizedPolicies.set(policy, byRenaming);
  }
  if (byRenaming.text === undefined) return undefined;
  let id = byRenaming.ids.get(renaming.signature);
  if (id === undefined) {
    const normalized = renaming.normalize(byRenaming.text);
    id = policyIds.get(normalized);
    if (id === undefined) {
      id = policyIds.size;
      policyIds.set(normalized, id);
    }
    byRenaming.ids.set(renaming.signature, id);
  }
  return id;
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
