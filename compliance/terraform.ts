import { unescapeTemplateSequences } from "../modules/terraform-json";

/**
 * Reading a stack's Terraform JSON (what `stack.toTerraform()` returns and synth writes to cdk.tf.json) for the
 * rules: resources with their construct path and region, and policy documents parsed as AWS will read them.
 */

export type TerraformJson = Record<string, any>;

export interface Resource {
  readonly type: string;
  /** Terraform address, `type.name`. */
  readonly address: string;
  /** Construct path, from the stack down. */
  readonly path: string;
  /** Region of the resource's provider. */
  readonly region: string;
  readonly body: Record<string, any>;
}

/** What the rules read of each stack while one rule pack runs (see sharedReadings), by stack JSON and reading. */
let readings: WeakMap<TerraformJson, Map<string, unknown>> | undefined;

/**
 * Runs `check` with the readings of a stack that several rules make (identityPolicies, sessionDocuments) made once
 * per stack: parsing every policy and document again for each rule was a third of the rule pack. The JSON must not
 * change while `check` runs, as the rules only read it.
 */
export function sharedReadings<T>(check: () => T): T {
  const outer = readings;
  readings = new WeakMap();
  try {
    return check();
  } finally {
    readings = outer;
  }
}

/** `read(tf)`, made once per stack within sharedReadings. */
function reading<T>(tf: TerraformJson, what: string, read: (tf: TerraformJson) => T): T {
  if (readings === undefined) return read(tf);
  let byWhat = readings.get(tf);
  if (byWhat === undefined) readings.set(tf, (byWhat = new Map()));
  if (!byWhat.has(what)) byWhat.set(what, read(tf));
  return byWhat.get(what) as T;
}

/** IAM's wildcard matching (`*` any run of characters, `?` one), compiled once per pattern. */
const wildcards = new Map<string, RegExp>();
export function wildcardMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const key = `${ignoreCase ? "i" : "-"}${pattern}`;
  let re = wildcards.get(key);
  if (re === undefined) {
    re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, ignoreCase ? "i" : "");
    wildcards.set(key, re);
  }
  return re.test(value);
}

export function resources(tf: TerraformJson, type: string): Resource[] {
  return Object.entries(tf.resource?.[type] ?? {}).map(([name, body]) => resourceOf(tf, type, name, body as Record<string, any>));
}

/** The resource a `${type.name.attr}` reference points to, if it is in this stack. */
export function referenced(tf: TerraformJson, reference: unknown): Resource | undefined {
  const match = typeof reference === "string" ? reference.match(/^\$\{(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.[a-z_]+\}$/) : null;
  if (!match) return undefined;
  const body = tf.resource?.[match[1]]?.[match[2]];
  return body === undefined ? undefined : resourceOf(tf, match[1], match[2], body);
}

/** Resources of `type` whose `argument` refers to `target` (for example the bucket policy of a bucket). */
export function attachedTo(tf: TerraformJson, type: string, argument: string, target: Resource): Resource[] {
  return resources(tf, type).filter((r) => referenced(tf, r.body[argument])?.address === target.address || r.body[argument] === target.body.bucket);
}

function resourceOf(tf: TerraformJson, type: string, name: string, body: Record<string, any>): Resource {
  return { type, address: `${type}.${name}`, path: body["//"]?.metadata?.path ?? `${type}.${name}`, region: regionOf(tf, body.provider), body };
}

function regionOf(tf: TerraformJson, provider: string | undefined): string {
  const alias = provider?.startsWith("aws.") ? provider.slice(4) : undefined;
  const block = asList(tf.provider?.aws).find((p: Record<string, any>) => p.alias === alias);
  return block?.region ?? "unknown";
}

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** A policy argument as AWS reads it (Terraform escapes undone; references stay `${…}`), or undefined if not JSON. */
export function policyStatements(text: unknown): PolicyStatement[] | undefined {
  if (typeof text !== "string") return undefined;
  try {
    const doc = JSON.parse(unescapeTemplateSequences(text));
    return asList(doc?.Statement) as PolicyStatement[];
  } catch {
    return undefined;
  }
}

/** Policy arguments of identity policies, by resource type. */
const IDENTITY_POLICY_TYPES = ["aws_iam_policy", "aws_iam_role_policy", "aws_iam_group_policy", "aws_iam_user_policy"] as const;

export const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The AWS principals of a statement: `*` for the anonymous/any principal. */
export function awsPrincipals(principal: unknown): string[] {
  if (principal === "*") return ["*"];
  if (typeof principal === "object" && principal !== null) return asList((principal as { AWS?: string | string[] }).AWS);
  return [];
}

/** Whether an IAM action pattern (`*`, `s3:*`, `kms:Decrypt*`) covers `action`. */
export function actionCovers(pattern: string, action: string): boolean {
  return wildcardMatches(pattern, action, true);
}

/** Condition keys that tie a wildcard principal to known accounts or callers (lower-cased). */
export const RESTRICTING_KEYS = [
  "aws:principalorgid",
  "aws:principalaccount",
  "aws:principalarn",
  "aws:sourceaccount",
  "aws:sourcearn",
  "aws:sourceorgid",
  "kms:calleraccount",
];

/**
 * Whether a statement pins its principal with an exact match on a restricting key: StringEquals or ArnEquals,
 * with literal values (no wildcards). StringNotEquals, StringLike "*" and the like do not restrict.
 */
export function restrictsPrincipal(s: PolicyStatement): boolean {
  return Object.entries(s.Condition ?? {}).some(
    ([operator, block]) =>
      /^(StringEquals|StringEqualsIgnoreCase|ArnEquals)$/i.test(operator) &&
      Object.entries(block ?? {}).some(([key, value]) => {
        const values = asList(value as string | string[]);
        return RESTRICTING_KEYS.includes(key.toLowerCase()) && values.length > 0 && values.every((v) => typeof v === "string" && !/[*?]/.test(v));
      }),
  );
}

export interface IdentityPolicy {
  /** Construct path of the resource that carries it. */
  readonly path: string;
  /** Undefined when the policy is not a JSON document (a data source, an expression): the rules cannot read it. */
  readonly statements: PolicyStatement[] | undefined;
}

/** Every identity policy of a stack: managed, inline (role, group, user) and the inline_policy blocks of roles. */
export function identityPolicies(tf: TerraformJson): IdentityPolicy[] {
  return reading(tf, "identityPolicies", readIdentityPolicies);
}

function readIdentityPolicies(tf: TerraformJson): IdentityPolicy[] {
  return [
    ...IDENTITY_POLICY_TYPES.flatMap((type) => resources(tf, type).map((p) => ({ path: p.path, statements: policyStatements(p.body.policy) }))),
    ...resources(tf, "aws_iam_role").flatMap((r) =>
      asList(r.body.inline_policy as Record<string, unknown>[] | undefined).map((inline) => ({ path: r.path, statements: policyStatements(inline.policy) })),
    ),
  ];
}

/** Condition keys a statement tests, lower-cased. */
export const conditionKeys = (s: PolicyStatement): string[] =>
  Object.values(s.Condition ?? {}).flatMap((block) => Object.keys(block ?? {}).map((k) => k.toLowerCase()));

export const show = (value: unknown): string => (value === undefined ? "unset" : JSON.stringify(value));

export interface SessionDocument extends Resource {
  /** `content.inputs`, parsed; empty when the content is not JSON. */
  readonly inputs: Record<string, unknown>;
}

/** A document's content as AWS will read it, or undefined when it is not JSON. */
function documentContent(d: Resource): Record<string, any> | undefined {
  try {
    const content = JSON.parse(unescapeTemplateSequences(String(d.body.content)));
    return typeof content === "object" && content !== null ? content : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The Session documents of a stack that carry session preferences: SSM-SessionManagerRunShell and any other
 * Session document except tunnels (sessionType Port), since a user given another one would get its settings
 * instead. Tunnels have no transcript and no Run As; portSessionDocuments reads them.
 */
export function sessionDocuments(tf: TerraformJson): SessionDocument[] {
  return reading(tf, "sessionDocuments", readSessionDocuments);
}

function readSessionDocuments(tf: TerraformJson): SessionDocument[] {
  return resources(tf, "aws_ssm_document")
    .filter((d) => d.body.document_type === "Session")
    .map((d) => ({ d, content: documentContent(d) }))
    // Unreadable content stays in: the rules then report the missing settings.
    .filter(({ content }) => content?.sessionType !== "Port")
    .map(({ d, content }) => ({ ...d, inputs: (content?.inputs as Record<string, unknown> | undefined) ?? {} }));
}

export interface PortSessionDocument extends Resource {
  /** `content.parameters`, parsed. */
  readonly parameters: Record<string, Record<string, unknown>>;
  /** `content.properties`, parsed: what the agent connects to, with `{{ parameter }}` placeholders. */
  readonly properties: Record<string, unknown>;
}

/** The tunnel documents of a stack: Session documents of sessionType Port. */
export function portSessionDocuments(tf: TerraformJson): PortSessionDocument[] {
  return resources(tf, "aws_ssm_document")
    .filter((d) => d.body.document_type === "Session")
    .flatMap((d) => {
      const content = documentContent(d);
      if (content?.sessionType !== "Port") return [];
      return [{ ...d, parameters: content.parameters ?? {}, properties: content.properties ?? {} }];
    });
}

/**
 * The buckets of a stack that receive another bucket's S3 server access logs (the target_bucket of an
 * aws_s3_bucket_logging), except `transcriptBucket`. S3 delivers those logs only to buckets with SSE-S3 default
 * encryption and no Object Lock, so the rules hold such buckets to that; the transcript bucket is never excused,
 * whatever logs into it.
 */
export function accessLogTargets(tf: TerraformJson, transcriptBucket: string): Resource[] {
  const buckets = resources(tf, "aws_s3_bucket");
  const bucketOf = (value: unknown): Resource | undefined =>
    referenced(tf, value) ?? buckets.find((b) => typeof value === "string" && b.body.bucket === value);
  const targets = resources(tf, "aws_s3_bucket_logging").flatMap((l) => {
    const source = bucketOf(l.body.bucket);
    const target = bucketOf(l.body.target_bucket);
    return target !== undefined && target.address !== source?.address ? [target] : [];
  });
  return buckets.filter((b) => b.body.bucket !== transcriptBucket && targets.some((t) => t.address === b.address));
}

/** An SCP or RCP of the organization stack: its type, its statements as AWS reads them, and its document's size. */
export interface ControlPolicy extends Resource {
  readonly policyType: string;
  readonly statements: PolicyStatement[];
  /** Characters AWS counts: the document exactly as Terraform sends it. */
  readonly size: number;
}

export function controlPolicies(tf: TerraformJson): ControlPolicy[] {
  return resources(tf, "aws_organizations_policy").map((r) => ({
    ...r,
    policyType: String(r.body.type ?? "SERVICE_CONTROL_POLICY"),
    statements: policyStatements(r.body.content) ?? [],
    size: unescapeTemplateSequences(String(r.body.content ?? "")).length,
  }));
}

/** IAM's ArnLike: `*` any run of characters, `?` one. */
export function arnLike(pattern: string, arn: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\/]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${regex}$`).test(arn);
}

/** The issuer (URL without https://) of an OIDC provider named by a literal ARN or by a reference to one in this stack. */
export function oidcProviderHost(tf: TerraformJson, federated: unknown): string | undefined {
  if (typeof federated !== "string") return undefined;
  const literal = federated.match(/^arn:[^:]+:iam::\d{12}:oidc-provider\/(.+)$/);
  if (literal) return literal[1];
  const provider = referenced(tf, federated);
  if (provider?.type !== "aws_iam_openid_connect_provider") return undefined;
  return String(provider.body.url ?? "").replace(/^https:\/\//, "") || undefined;
}

/**
 * Whether a trust statement lets exactly one OIDC subject in: the principal is an OIDC provider and nothing else,
 * the action AssumeRoleWithWebIdentity, and the only condition StringEquals on that issuer's `aud` and `sub`, each
 * one literal value.
 */
export function trustsOneOidcSubject(tf: TerraformJson, s: PolicyStatement): boolean {
  const p = s.Principal as Record<string, unknown> | undefined;
  if (typeof p !== "object" || p === null || Object.keys(p).join() !== "Federated") return false;
  const host = oidcProviderHost(tf, p.Federated);
  if (host === undefined || asList(s.Action).join() !== "sts:AssumeRoleWithWebIdentity" || s.NotAction !== undefined) return false;
  const operators = Object.keys(s.Condition ?? {});
  if (operators.join() !== "StringEquals") return false;
  const block = s.Condition!.StringEquals ?? {};
  const literal = (key: string): boolean => {
    const values = asList(block[key] as string | string[] | undefined);
    return values.length === 1 && typeof values[0] === "string" && values[0] !== "" && !/[*?]/.test(values[0]);
  };
  return Object.keys(block).sort().join() === [`${host}:aud`, `${host}:sub`].join() && literal(`${host}:aud`) && literal(`${host}:sub`);
}

/**
 * Whether the same policy denies `action` everywhere, with no condition: an Allow of it there grants nothing
 * (a deployment role's `ssm:*` with a Deny of ssm:StartSession, say).
 */
export function deniedEverywhere(statements: readonly PolicyStatement[], action: string): boolean {
  return statements.some(
    (s) =>
      s.Effect === "Deny" &&
      s.Condition === undefined &&
      s.NotResource === undefined &&
      asList(s.Resource).includes("*") &&
      asList(s.Action).some((a) => actionCovers(a, action)),
  );
}
