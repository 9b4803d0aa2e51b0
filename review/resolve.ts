import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { synthesizedJsonPath, WORKSPACES_STACK } from "../config/naming";
import { PARTITION } from "../config/regions";
import { managedPolicy } from "./managed-policies";

/**
 * Turns synthesized stacks (`cdktf.out`) into concrete IAM JSON, as AWS would receive it after `terraform apply`:
 * Terraform's template escapes are undone and references to resources become realistic ARNs for the stack's
 * account and region. This reads the output, not the constructs, so it proves what Terraform is given.
 *
 * Synth produces one form of policy: a JSON string argument with `${resource.attr}` references and `$${`/`%%{`
 * escapes. `${jsonencode(…)}`, other expressions, template directives, `aws_iam_policy_document` data sources,
 * inline role policies and policy-bearing resources this module does not know all fail loudly, so a new form can
 * never slip past the proofs unread.
 */

export class ResolveError extends Error {}

export type PolicyKind = "identity" | "trust" | "bucket" | "key" | "topic";

/** IAM JSON, after resolution. Kept loose: the linter checks its shape. */
export interface PolicyJson {
  Version?: string;
  Statement: Record<string, any>[] | Record<string, any>;
}

export interface ResolvedPolicy {
  readonly stack: string;
  /** Terraform address of the resource that carries the policy, e.g. `aws_iam_policy.access_1234`. */
  readonly address: string;
  /** Construct path, as a reviewer finds it in the code. */
  readonly constructPath: string;
  readonly kind: PolicyKind;
  /** What AWS calls it: the policy, role or bucket name, the key ARN, or the managed policy's name. */
  readonly name: string;
  /** Customer managed policies (aws_iam_policy): the ARN, path included, that a permission set's reference names. */
  readonly arn?: string;
  readonly document: PolicyJson;
}

export interface ResolvedRole {
  readonly name: string;
  readonly arn: string;
  readonly trust: ResolvedPolicy;
  readonly policies: readonly ResolvedPolicy[];
}

export interface ResolvedGroup {
  readonly name: string;
  readonly arn: string;
  readonly policies: readonly ResolvedPolicy[];
}

export interface ResolvedUser {
  readonly name: string;
  readonly arn: string;
  /** Group names. */
  readonly groups: readonly string[];
  readonly policies: readonly ResolvedPolicy[];
  readonly tags: Readonly<Record<string, string>>;
}

export interface ResolvedBucket {
  readonly name: string;
  readonly arn: string;
  readonly policy?: ResolvedPolicy;
}

export interface ResolvedKey {
  readonly arn: string;
  readonly region: string;
  readonly aliases: readonly string[];
  readonly policy?: ResolvedPolicy;
}

export interface ResolvedTopic {
  readonly name: string;
  readonly arn: string;
  readonly region: string;
  /** The ARN of the key it is encrypted with. */
  readonly keyArn?: string;
  readonly policy?: ResolvedPolicy;
}

export interface ResolvedDocument {
  readonly name: string;
  readonly region: string;
  readonly documentType: string;
  /** The parsed content, references resolved. */
  readonly content: Record<string, any>;
  /** Adopted through an `import` block rather than created. */
  readonly imported: boolean;
}

/** An SCP or RCP of the organization stack, with the roots and OUs it is attached to. */
export interface ResolvedControlPolicy {
  readonly stack: string;
  readonly address: string;
  readonly constructPath: string;
  readonly type: "SERVICE_CONTROL_POLICY" | "RESOURCE_CONTROL_POLICY";
  readonly name: string;
  readonly document: PolicyJson;
  /** Root and OU ids. */
  readonly targets: readonly string[];
}

/**
 * An IAM Identity Center permission set with what makes up its role in each assigned account: customer managed
 * policy references (by name and path, looked up in the assigned account's stack) and the accounts it is assigned to.
 */
export interface ResolvedPermissionSet {
  readonly name: string;
  readonly address: string;
  readonly sessionDuration?: string;
  readonly customerManagedPolicies: readonly { readonly name: string; readonly path: string }[];
  readonly accounts: readonly string[];
}

export interface ResolvedStack {
  readonly name: string;
  readonly accountId: string;
  /** The default provider's region; IAM resources live there. */
  readonly homeRegion: string;
  readonly regions: readonly string[];
  /** Managed resources by Terraform type, sorted by type. */
  readonly resourceCounts: Readonly<Record<string, number>>;
  /** Every policy the stack carries, including AWS-managed policies it attaches. */
  readonly policies: readonly ResolvedPolicy[];
  readonly roles: readonly ResolvedRole[];
  readonly groups: readonly ResolvedGroup[];
  readonly users: readonly ResolvedUser[];
  readonly buckets: readonly ResolvedBucket[];
  readonly keys: readonly ResolvedKey[];
  readonly topics: readonly ResolvedTopic[];
  readonly documents: readonly ResolvedDocument[];
  /** EC2 instances the stack launches (the bastion): Name tag, region and the ARN AWS would give them. */
  readonly instances: readonly { readonly name: string; readonly region: string; readonly arn: string }[];
  /** State Manager associations: name, region and the ARN AWS would give them. */
  readonly associations: readonly { readonly name: string; readonly region: string; readonly arn: string }[];
  /** SCPs and RCPs (the organization stack only). */
  readonly controlPolicies: readonly ResolvedControlPolicy[];
  /** IAM Identity Center permission sets (the identity-center stack only). */
  readonly permissionSets: readonly ResolvedPermissionSet[];
  /** Attributes for access control: session tag key to identity store attribute (the identity-center stack only). */
  readonly accessControlAttributes: Readonly<Record<string, string>>;
  /** The stack's Terraform JSON as synthesized (cdk.tf.json), for the compliance rules. */
  readonly terraform: Readonly<Record<string, any>>;
}

/**
 * Ways of granting that the resolver does not follow. Ignoring one would leave a principal with fewer permissions
 * than AWS gives it, so a stack that uses one fails resolution instead.
 */
const UNREAD_GRANTS: Readonly<Record<string, string>> = {
  aws_iam_policy_attachment: "exclusive policy attachments",
  aws_iam_group_membership: "exclusive group memberships",
  aws_iam_role_policy_attachments_exclusive: "exclusive role policy attachments",
  aws_iam_user_policy_attachments_exclusive: "exclusive user policy attachments",
  aws_iam_group_policy_attachments_exclusive: "exclusive group policy attachments",
  aws_ssoadmin_permission_set_inline_policy: "permission set inline policies",
  aws_ssoadmin_managed_policy_attachment: "AWS managed policies in permission sets",
  aws_ssoadmin_permissions_boundary_attachment: "permission set permissions boundaries",
};

/** Policy arguments by resource type. Any other `*policy` argument is a form this module does not read. */
const POLICY_ARGUMENTS: Readonly<Record<string, { argument: string; kind: PolicyKind }>> = {
  aws_iam_policy: { argument: "policy", kind: "identity" },
  aws_iam_role_policy: { argument: "policy", kind: "identity" },
  aws_iam_group_policy: { argument: "policy", kind: "identity" },
  aws_iam_user_policy: { argument: "policy", kind: "identity" },
  aws_iam_role: { argument: "assume_role_policy", kind: "trust" },
  aws_s3_bucket_policy: { argument: "policy", kind: "bucket" },
  aws_kms_key: { argument: "policy", kind: "key" },
  aws_sns_topic_policy: { argument: "policy", kind: "topic" },
};

/** Data sources that carry no policy and grant nothing: the bastion's AMI lookup, an Identity Center group's id. */
const READ_ONLY_DATA: ReadonlySet<string> = new Set(["aws_ssm_parameter", "aws_identitystore_group"]);

/** Arguments named like policies that are not IAM policies. */
const NOT_IAM_POLICIES: ReadonlySet<string> = new Set(["aws_cloudwatch_event_target.retry_policy"]);

type Block = Record<string, any>;

/**
 * Reads `cdktf.out/manifest.json` and resolves every stack it lists, in the manifest's order: the stack's
 * cdk.tf.json, or after an HCL synth the JSON form it kept beside the HCL.
 */
export function loadSynthesizedStacks(outdir: string): ResolvedStack[] {
  // The workspaces stack manages HCP Terraform, not AWS: it grants no access and has no AWS provider to resolve.
  return synthesizedTerraform(outdir)
    .filter(({ name }) => name !== WORKSPACES_STACK)
    .map(({ name, terraform }) => resolveStack(name, terraform));
}

/** Every stack of a synthesis, in the manifest's order, as Terraform JSON. */
export function synthesizedTerraform(outdir: string): { readonly name: string; readonly terraform: Block }[] {
  const manifestFile = join(outdir, "manifest.json");
  if (!existsSync(manifestFile)) throw new ResolveError(`${manifestFile} not found: run \`npm run synth\` first`);
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { stacks: Record<string, Block> };
  return Object.values(manifest.stacks).map((entry) => {
    const name = String(entry.name);
    const file = String(entry.synthesizedStackPath).endsWith(".json")
      ? join(outdir, entry.synthesizedStackPath)
      : join(outdir, synthesizedJsonPath(name));
    if (!existsSync(file)) throw new ResolveError(`${name}: ${file} not found: synthesize again (npm run synth)`);
    return { name, terraform: JSON.parse(readFileSync(file, "utf8")) };
  });
}

/** Resolves one parsed `cdk.tf.json`. */
export function resolveStack(name: string, tf: Block): ResolvedStack {
  return new StackResolver(name, tf).resolve();
}

interface Provider {
  readonly region: string;
  readonly accountId: string;
}

class StackResolver {
  private readonly providers = new Map<string, Provider>();
  private readonly resources: Readonly<Record<string, Record<string, Block>>>;
  private readonly imported = new Set<string>();
  /** Each string argument as AWS receives it, by its text in the stack (see string()). */
  private readonly evaluated = new Map<string, string>();

  constructor(
    private readonly stack: string,
    private readonly tf: Block,
  ) {
    this.resources = tf.resource ?? {};
    for (const block of asArray(tf.provider?.aws)) {
      const accounts = asArray(block.allowed_account_ids);
      if (accounts.length !== 1 || typeof block.region !== "string") {
        throw new ResolveError(`${stack}: every aws provider needs a region and exactly one allowed account`);
      }
      this.providers.set(block.alias === undefined ? "aws" : `aws.${block.alias}`, {
        region: block.region,
        accountId: accounts[0],
      });
    }
    if (!this.providers.has("aws")) throw new ResolveError(`${stack}: no default aws provider`);
    for (const imp of asArray(tf.import)) this.imported.add(String(imp.to));
  }

  resolve(): ResolvedStack {
    this.rejectUnreadForms();
    const home = this.providers.get("aws")!;
    const policies = new Map<string, ResolvedPolicy>();
    for (const [type, { argument, kind }] of Object.entries(POLICY_ARGUMENTS)) {
      for (const [name, body] of Object.entries(this.resources[type] ?? {})) {
        if (body[argument] === undefined) continue;
        const address = `${type}.${name}`;
        policies.set(address, {
          stack: this.stack,
          address,
          constructPath: body["//"]?.metadata?.path ?? address,
          kind,
          name: this.policyName(type, name, body),
          ...(type === "aws_iam_policy" ? { arn: this.attr(address, "arn") } : {}),
          document: this.json(body[argument], `${address}.${argument}`) as PolicyJson,
        });
      }
    }
    const managed = new Map<string, ResolvedPolicy>();
    // Policies attached to the principal `value` through `type`'s `key` argument (role, group or user name).
    const attached = (type: string, key: string, value: string): ResolvedPolicy[] =>
      this.each(type)
        .filter(([, body]) => this.string(body[key], `${type}.${key}`) === value)
        .map(([name, body]) => {
          const policyArn = this.string(body.policy_arn, `${type}.${name}.policy_arn`);
          const own = [...policies.values()].find((p) => p.address.startsWith("aws_iam_policy.") && this.attr(p.address, "arn") === policyArn);
          if (own) return own;
          if (!managed.has(policyArn)) managed.set(policyArn, this.managed(policyArn, `${type}.${name}`));
          return managed.get(policyArn)!;
        });
    const inline = (type: string, key: string, value: string): ResolvedPolicy[] =>
      this.each(type)
        .filter(([, body]) => this.string(body[key], `${type}.${key}`) === value)
        .map(([name]) => policies.get(`${type}.${name}`)!);

    const roles = this.each("aws_iam_role").map(([name]): ResolvedRole => {
      const address = `aws_iam_role.${name}`;
      const roleName = this.attr(address, "name");
      const trust = policies.get(address);
      if (trust === undefined) throw new ResolveError(`${this.stack}: ${address} has no assume_role_policy`);
      return {
        name: roleName,
        arn: this.attr(address, "arn"),
        trust,
        policies: [...inline("aws_iam_role_policy", "role", roleName), ...attached("aws_iam_role_policy_attachment", "role", roleName)],
      };
    });
    const groups = this.each("aws_iam_group").map(([name]): ResolvedGroup => {
      const address = `aws_iam_group.${name}`;
      const groupName = this.attr(address, "name");
      return {
        name: groupName,
        arn: this.attr(address, "arn"),
        policies: [...inline("aws_iam_group_policy", "group", groupName), ...attached("aws_iam_group_policy_attachment", "group", groupName)],
      };
    });
    const users = this.each("aws_iam_user").map(([name, body]): ResolvedUser => {
      const address = `aws_iam_user.${name}`;
      const userName = this.attr(address, "name");
      const memberships = this.each("aws_iam_user_group_membership").filter(
        ([, m]) => this.string(m.user, "aws_iam_user_group_membership.user") === userName,
      );
      return {
        name: userName,
        arn: this.attr(address, "arn"),
        groups: memberships.flatMap(([, m]) => asArray(m.groups).map((g) => this.string(g, "group membership"))).sort(),
        policies: [...inline("aws_iam_user_policy", "user", userName), ...attached("aws_iam_user_policy_attachment", "user", userName)],
        tags: { ...(body.tags ?? {}) },
      };
    });
    const buckets = this.each("aws_s3_bucket").map(([name]): ResolvedBucket => {
      const bucketName = this.attr(`aws_s3_bucket.${name}`, "bucket");
      const policy = this.each("aws_s3_bucket_policy").find(([, b]) => this.string(b.bucket, "bucket policy") === bucketName);
      return { name: bucketName, arn: arn("s3", "", "", bucketName), policy: policy && policies.get(`aws_s3_bucket_policy.${policy[0]}`) };
    });
    const keys = this.each("aws_kms_key").map(([name, body]): ResolvedKey => {
      const address = `aws_kms_key.${name}`;
      const keyId = this.attr(address, "key_id");
      return {
        arn: this.attr(address, "arn"),
        region: this.providerOf(body).region,
        aliases: this.each("aws_kms_alias")
          .filter(([, a]) => this.string(a.target_key_id, "alias target") === keyId)
          .map(([, a]) => String(a.name)),
        policy: policies.get(address),
      };
    });
    const topics = this.each("aws_sns_topic").map(([name, body]): ResolvedTopic => {
      const address = `aws_sns_topic.${name}`;
      const topicArn = this.attr(address, "arn");
      const policy = this.each("aws_sns_topic_policy").find(([, p]) => this.string(p.arn, "topic policy arn") === topicArn);
      return {
        name: this.string(body.name, `${address}.name`),
        arn: topicArn,
        region: this.providerOf(body).region,
        keyArn: body.kms_master_key_id === undefined ? undefined : this.string(body.kms_master_key_id, `${address}.kms_master_key_id`),
        policy: policy && policies.get(`aws_sns_topic_policy.${policy[0]}`),
      };
    });
    const documents = this.each("aws_ssm_document").map(([name, body]): ResolvedDocument => ({
      name: String(body.name),
      region: this.providerOf(body).region,
      documentType: String(body.document_type),
      content: this.json(body.content, `aws_ssm_document.${name}.content`) as Record<string, any>,
      imported: this.imported.has(`aws_ssm_document.${name}`),
    }));

    const associations = this.each("aws_ssm_association").map(([name, body]) => ({
      name: String(body.association_name ?? name),
      region: this.providerOf(body).region,
      arn: this.attr(`aws_ssm_association.${name}`, "arn"),
    }));

    const instances = this.each("aws_instance").map(([name, body]) => ({
      name: String((body.tags as Record<string, unknown> | undefined)?.Name ?? name),
      region: this.providerOf(body).region,
      arn: this.attr(`aws_instance.${name}`, "arn"),
    }));

    const controlPolicies = this.each("aws_organizations_policy").map(([name, body]): ResolvedControlPolicy => {
      const address = `aws_organizations_policy.${name}`;
      const type = String(body.type ?? "SERVICE_CONTROL_POLICY");
      if (type !== "SERVICE_CONTROL_POLICY" && type !== "RESOURCE_CONTROL_POLICY") {
        throw new ResolveError(`${this.stack}: ${address} is a ${type}, a policy type the resolver does not read`);
      }
      const policyId = this.attr(address, "id");
      return {
        stack: this.stack,
        address,
        constructPath: body["//"]?.metadata?.path ?? address,
        type,
        name: this.string(body.name, `${address}.name`),
        document: this.json(body.content, `${address}.content`) as PolicyJson,
        targets: this.each("aws_organizations_policy_attachment")
          .filter(([, a]) => this.string(a.policy_id, "policy attachment policy_id") === policyId)
          .map(([, a]) => this.string(a.target_id, "policy attachment target_id")),
      };
    });

    const permissionSets = this.each("aws_ssoadmin_permission_set").map(([name, body]): ResolvedPermissionSet => {
      const address = `aws_ssoadmin_permission_set.${name}`;
      const mine = (type: string): Block[] =>
        this.each(type)
          .filter(([, b]) => b.permission_set_arn === `\${${address}.arn}`)
          .map(([, b]) => b);
      return {
        name: this.string(body.name, `${address}.name`),
        address,
        sessionDuration: body.session_duration === undefined ? undefined : String(body.session_duration),
        customerManagedPolicies: mine("aws_ssoadmin_customer_managed_policy_attachment").map((a) => {
          const ref = a.customer_managed_policy_reference as Block;
          return { name: this.string(ref.name, `${address} policy reference`), path: ref.path === undefined ? "/" : this.string(ref.path, `${address} policy path`) };
        }),
        accounts: mine("aws_ssoadmin_account_assignment").map((a) => this.string(a.target_id, `${address} assignment target_id`)),
      };
    });
    const accessControlAttributes: Record<string, string> = {};
    for (const [, body] of this.each("aws_ssoadmin_instance_access_control_attributes")) {
      for (const attribute of asArray(body.attribute as Block | Block[])) {
        const source = asArray((asArray(attribute.value as Block | Block[])[0] ?? {}).source)[0];
        accessControlAttributes[String(attribute.key)] = this.string(source, "aws_ssoadmin_instance_access_control_attributes source");
      }
    }

    const resourceCounts: Record<string, number> = {};
    for (const type of Object.keys(this.resources).sort()) resourceCounts[type] = Object.keys(this.resources[type]).length;
    return {
      name: this.stack,
      accountId: home.accountId,
      homeRegion: home.region,
      regions: [...new Set([...this.providers.values()].map((p) => p.region))],
      resourceCounts,
      policies: [...policies.values(), ...managed.values()],
      roles,
      groups,
      users,
      buckets,
      keys,
      topics,
      documents,
      associations,
      instances,
      controlPolicies,
      permissionSets,
      accessControlAttributes,
      terraform: this.tf,
    };
  }

  /** Forms synth does not produce: reading them wrongly would prove the wrong thing, so they stop resolution. */
  private rejectUnreadForms(): void {
    for (const type of Object.keys(this.tf.data ?? {})) {
      if (READ_ONLY_DATA.has(type)) continue;
      throw new ResolveError(
        `${this.stack}: data.${type} is not supported: policies must be JSON strings (aws_iam_policy_document is a form this project does not synthesize)`,
      );
    }
    for (const [type, byName] of Object.entries(this.resources)) {
      if (UNREAD_GRANTS[type] !== undefined) {
        throw new ResolveError(`${this.stack}: ${type} (${UNREAD_GRANTS[type]}) is a way of granting the resolver does not read`);
      }
      for (const [name, body] of Object.entries(byName)) {
        if (body.managed_policy_arns !== undefined) {
          throw new ResolveError(`${this.stack}: ${type}.${name}.managed_policy_arns is a way of granting the resolver does not read`);
        }
        for (const [argument, value] of Object.entries(body)) {
          if (!/(^|_)policy$/.test(argument) || POLICY_ARGUMENTS[type]?.argument === argument) continue;
          if (NOT_IAM_POLICIES.has(`${type}.${argument}`)) continue;
          if (argument === "inline_policy" || typeof value === "string" || typeof value === "object") {
            throw new ResolveError(`${this.stack}: ${type}.${name}.${argument} is a policy argument the resolver does not read`);
          }
        }
      }
    }
  }

  private each(type: string): [string, Block][] {
    return Object.entries(this.resources[type] ?? {});
  }

  private providerOf(body: Block): Provider {
    const key = body.provider ?? "aws";
    const provider = this.providers.get(key);
    if (provider === undefined) throw new ResolveError(`${this.stack}: unknown provider ${key}`);
    return provider;
  }

  private managed(policyArn: string, where: string): ResolvedPolicy {
    const name = policyArn.replace(/^arn:[^:]+:iam::aws:policy\//, "");
    const document = managedPolicy(policyArn);
    if (document === undefined) {
      throw new ResolveError(
        `${this.stack}: ${where} attaches ${policyArn}, whose document the resolver does not know; add it to review/managed-policies.ts`,
      );
    }
    return { stack: this.stack, address: where, constructPath: where, kind: "identity", name, document };
  }

  private policyName(type: string, name: string, body: Block): string {
    const address = `${type}.${name}`;
    switch (type) {
      case "aws_iam_role":
        return this.attr(address, "name");
      case "aws_s3_bucket_policy":
        return this.string(body.bucket, `${address}.bucket`);
      case "aws_kms_key":
        return this.attr(address, "arn");
      case "aws_sns_topic_policy":
        return this.string(body.arn, `${address}.arn`);
      default:
        return this.string(body.name ?? name, `${address}.name`);
    }
  }

  /** A string argument as AWS receives it. */
  private string(value: unknown, where: string): string {
    if (typeof value !== "string") throw new ResolveError(`${this.stack}: ${where} is not a string`);
    // Names and ARNs are read again for every attachment and membership that refers to them: each text is evaluated
    // once. The result depends on the text and this stack alone (`where` only names it in an error, which ends the run).
    let out = this.evaluated.get(value);
    if (out === undefined) {
      out = evaluateTemplate(value, (ref) => this.reference(ref, where), `${this.stack}: ${where}`);
      this.evaluated.set(value, out);
    }
    return out;
  }

  private json(value: unknown, where: string): unknown {
    const text = this.string(value, where);
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new ResolveError(`${this.stack}: ${where} is not JSON after resolution: ${(e as Error).message}`);
    }
  }

  private reference(ref: string, where: string): string {
    const [type, name, attribute] = ref.split(".");
    if (!(name in (this.resources[type] ?? {}))) throw new ResolveError(`${this.stack}: ${where} refers to ${ref}, which does not exist`);
    return this.attr(`${type}.${name}`, attribute);
  }

  /**
   * The value Terraform would know after apply. Names come from the arguments; ids AWS invents (KMS key ids) are
   * stable UUIDs derived from the address, so output is deterministic.
   */
  private attr(address: string, attribute: string): string {
    const [type, name] = address.split(".");
    const body = this.resources[type]?.[name];
    if (body === undefined) throw new ResolveError(`${this.stack}: ${address} does not exist`);
    const { region, accountId } = this.providerOf(body);
    const arg = (key: string): string => this.string(body[key], `${address}.${key}`);
    const iamPath = (): string => (body.path === undefined ? "/" : arg("path"));
    const unsupported = (): never => {
      throw new ResolveError(`${this.stack}: cannot resolve ${address}.${attribute}: not an attribute the resolver knows`);
    };
    switch (type) {
      case "aws_kms_key": {
        const keyId = syntheticUuid(`${this.stack}/${address}`);
        if (attribute === "key_id" || attribute === "id") return keyId;
        return attribute === "arn" ? arn("kms", region, accountId, `key/${keyId}`) : unsupported();
      }
      case "aws_s3_bucket":
        if (attribute === "id" || attribute === "bucket") return arg("bucket");
        return attribute === "arn" ? arn("s3", "", "", arg("bucket")) : unsupported();
      case "aws_iam_role":
      case "aws_iam_group":
      case "aws_iam_user":
      case "aws_iam_policy":
      case "aws_iam_instance_profile": {
        const kind = { aws_iam_role: "role", aws_iam_group: "group", aws_iam_user: "user", aws_iam_policy: "policy", aws_iam_instance_profile: "instance-profile" }[type];
        const iamArn = arn("iam", "", accountId, `${kind}${iamPath()}${arg("name")}`);
        if (attribute === "arn" || (attribute === "id" && type === "aws_iam_policy")) return iamArn;
        return attribute === "name" || attribute === "id" ? arg("name") : unsupported();
      }
      case "aws_iam_openid_connect_provider":
        // IAM names the provider by its URL without https://.
        return attribute === "arn" || attribute === "id" ? arn("iam", "", accountId, `oidc-provider/${arg("url").replace(/^https:\/\//, "")}`) : unsupported();
      case "aws_cloudwatch_log_group":
        if (attribute === "name" || attribute === "id") return arg("name");
        return attribute === "arn" ? arn("logs", region, accountId, `log-group:${arg("name")}`) : unsupported();
      case "aws_ssm_document":
        if (attribute === "name" || attribute === "id") return arg("name");
        return attribute === "arn" ? arn("ssm", region, accountId, `document/${arg("name")}`) : unsupported();
      case "aws_kms_alias":
        if (attribute === "name" || attribute === "id") return arg("name");
        return attribute === "arn" ? arn("kms", region, accountId, arg("name")) : unsupported();
      case "aws_sns_topic":
        if (attribute === "name") return arg("name");
        return attribute === "arn" || attribute === "id" ? arn("sns", region, accountId, arg("name")) : unsupported();
      case "aws_cloudwatch_event_rule":
        if (attribute === "name" || attribute === "id") return arg("name");
        return attribute === "arn" ? arn("events", region, accountId, `rule/${arg("name")}`) : unsupported();
      case "aws_ssm_association": {
        const associationId = syntheticUuid(`${this.stack}/${address}`);
        if (attribute === "association_id" || attribute === "id") return associationId;
        return attribute === "arn" ? arn("ssm", region, accountId, `association/${associationId}`) : unsupported();
      }
      case "aws_instance": {
        const instanceId = `i-${syntheticUuid(`${this.stack}/${address}`).replace(/-/g, "").slice(0, 17)}`;
        if (attribute === "id") return instanceId;
        return attribute === "arn" ? arn("ec2", region, accountId, `instance/${instanceId}`) : unsupported();
      }
      case "aws_organizations_policy": {
        // Organizations assigns p-<8 to 128 characters>; a stable stand-in derived from the address.
        const policyId = `p-${syntheticUuid(`${this.stack}/${address}`).replace(/-/g, "").slice(0, 12)}`;
        return attribute === "id" ? policyId : unsupported();
      }
      case "aws_lambda_function":
        if (attribute === "function_name" || attribute === "id") return arg("function_name");
        return attribute === "arn" ? arn("lambda", region, accountId, `function:${arg("function_name")}`) : unsupported();
      default:
        return unsupported();
    }
  }
}

/** Where a template escape, interpolation or directive may start. */
const TEMPLATE_MARK = /[$%]/g;

/** A resource reference, the only expression synth writes into a policy: `${aws_type.name.attribute}`. */
const REFERENCE = /^aws_[a-z0-9_]+\.[A-Za-z0-9_-]+\.[a-z_]+$/;

/**
 * Evaluates a Terraform string template for the subset synth writes: `$${` and `%%{` escapes, and `${reference}`
 * interpolations. Anything else (function calls such as `jsonencode`, `var.`/`local.`/`data.` references,
 * `%{if}` directives) is rejected with `where` in the message.
 */
export function evaluateTemplate(text: string, lookup: (reference: string) => string, where: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    // Text without `$` or `%` is copied as it is, in one piece: policies are long and mostly such text.
    TEMPLATE_MARK.lastIndex = i;
    const mark = TEMPLATE_MARK.exec(text)?.index ?? text.length;
    out += text.slice(i, mark);
    i = mark;
    if (i === text.length) break;
    if (text.startsWith("$${", i) || text.startsWith("%%{", i)) {
      out += text.slice(i + 1, i + 3);
      i += 3;
    } else if (text.startsWith("${", i)) {
      const end = text.indexOf("}", i);
      const expression = text.slice(i + 2, end < 0 ? undefined : end).trim();
      if (end < 0) throw new ResolveError(`${where}: unterminated interpolation \${${expression.slice(0, 40)}`);
      if (!REFERENCE.test(expression)) {
        const form = /^jsonencode\s*\(/.test(expression)
          ? "a ${jsonencode(…)} expression"
          : /^data\./.test(expression)
            ? "a data source reference"
            : "an expression";
        throw new ResolveError(
          `${where}: ${form} (\${${expression.slice(0, 60)}…) is not supported: policies must be JSON strings with resource references`,
        );
      }
      out += lookup(expression);
      i = end + 1;
    } else if (text.startsWith("%{", i)) {
      throw new ResolveError(`${where}: template directive %{…} is not supported`);
    } else {
      out += text[i];
      i += 1;
    }
  }
  return out;
}

const arn = (service: string, region: string, account: string, resource: string): string =>
  `arn:${PARTITION}:${service}:${region}:${account}:${resource}`;

/** A UUID-shaped id derived from `seed`, like the key ids KMS assigns, but the same on every run. */
function syntheticUuid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
