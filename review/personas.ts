import { createHash } from "node:crypto";
import { IAM_PATH } from "../config/naming";
import { PARTITION } from "../config/regions";
import type { PolicyJson, ResolvedGroup, ResolvedPermissionSet, ResolvedRole, ResolvedStack, ResolvedUser } from "./resolve";

/**
 * Who makes a request, and the request context AWS would attach to it. Personas are built from the resolved stacks
 * and one organization description, and the context is derived from the persona in one function, so a simulated
 * request can never claim an account, organization or user name its principal does not have.
 */

/** The organization as the config describes it: only its accounts carry its id in aws:PrincipalOrgID. */
export interface Organization {
  readonly id: string;
  readonly accountIds: ReadonlySet<string>;
  /** SCPs and RCPs never bind the management account. */
  readonly managementAccountId?: string;
}

/** An account that is not in the organization, for attackers from outside it. */
export const OUTSIDE_ACCOUNT = "999999999999";

export interface Persona {
  /** Short label for reports, e.g. `payments-operators member`. */
  readonly label: string;
  readonly kind: "user" | "assumed-role" | "service" | "web-identity";
  /** The request's principal: an IAM user ARN, an assumed-role session ARN, or a service principal. */
  readonly principal: string;
  /** Unset for service principals. */
  readonly accountId?: string;
  /** IAM users only: the value of aws:username. */
  readonly username?: string;
  /** Assumed roles: the role's ARN, which AWS reports as aws:PrincipalArn. */
  readonly roleArn?: string;
  /** aws:userid: AIDA… for IAM users, AROA…:<session name> for role sessions. Unset for services. */
  readonly userid?: string;
  /** Tags of the principal (aws:PrincipalTag/<key>): an IAM user's or role's, or a session's. */
  readonly principalTags?: Readonly<Record<string, string>>;
  /** Credentials EC2 delivered to an instance: its ARN and VPC (ec2:SourceInstanceARN, aws:ec2InstanceSourceVPC). */
  readonly instance?: { readonly arn: string; readonly vpcId: string };
  readonly policies: readonly { readonly name: string; readonly policy: PolicyJson }[];
  /** Web identities only: the token's claims, as IAM reads them (`<issuer>:aud`, `<issuer>:sub`). */
  readonly claims?: Readonly<Record<string, string>>;
}

export interface RequestOptions {
  /**
   * Whether the IAM user signed in with MFA; "absent" for long-term access keys, whose requests carry no
   * aws:MultiFactorAuthPresent at all. Ignored for roles and services. @default true
   */
  readonly mfa?: boolean | "absent";
  /** @default true */
  readonly secureTransport?: boolean;
  /** The service a KMS request comes through (kms:ViaService), in the key's region. */
  readonly viaService?: "s3" | "logs" | "sns";
  /** KMS encryption context, e.g. `{ "aws:s3:arn": bucketArn }`. */
  readonly encryptionContext?: Readonly<Record<string, string>>;
  /** Tags of the target instance, as `ssm:resourceTag/<key>`. */
  readonly instanceTags?: Readonly<Record<string, string>>;
  /** What Session Manager sets when it checks the document too. @default true for ssm:StartSession */
  readonly sessionDocumentAccessCheck?: boolean;
  /** S3 request headers as condition keys without the `s3:` prefix, e.g. `x-amz-server-side-encryption`. */
  readonly s3Headers?: Readonly<Record<string, string>>;
  /** Services acting for a resource (an EventBridge rule, an alarm): aws:SourceArn, and its account as aws:SourceAccount. */
  readonly sourceArn?: string;
  /** aws:SourceAccount, where the source ARN carries no account (an S3 bucket's). @default the account of `sourceArn` */
  readonly sourceAccount?: string;
  /** Tags of the resource, as aws:ResourceTag/<key> (EC2 Instance Connect reads these, not ssm:resourceTag). */
  readonly resourceTags?: Readonly<Record<string, string>>;
  /** The OS user an EC2 Instance Connect key is pushed for (ec2:osuser). */
  readonly osUser?: string;
  /** The aws:userid Session Manager tagged the session with (ssm:resourceTag/aws:ssmmessages:session-id). */
  readonly sessionOwner?: string;
  /** Where the request comes from: a VPC endpoint of a VPC (aws:SourceVpc) or a public address (aws:SourceIp). @default the instance's own VPC for instance credentials, else the internet */
  readonly from?: { readonly vpcId: string } | { readonly publicIp: string };
  /** Tag keys of a tagging request (aws:TagKeys). */
  readonly tagKeys?: readonly string[];
  /** The type of a document being created (ssm:DocumentType). */
  readonly documentType?: string;
  /** Aliases of the KMS key requested (kms:ResourceAliases). */
  readonly resourceAliases?: readonly string[];
}

/**
 * The request context for `persona` calling `action` on `resource` (owned by `resourceAccount`): every key derived,
 * none passed through.
 */
export function requestContext(
  persona: Persona,
  organization: Organization,
  action: string,
  resource: string,
  options: RequestOptions = {},
  resourceAccount?: string,
): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = {
    "aws:SecureTransport": String(options.secureTransport ?? true),
    "aws:PrincipalIsAWSService": String(persona.kind === "service"),
  };
  const region = resource.split(":")[3];
  if (region) context["aws:RequestedRegion"] = region;
  if (resourceAccount !== undefined && /^s3:/i.test(action)) context["s3:ResourceAccount"] = resourceAccount;
  if (persona.userid !== undefined) context["aws:userid"] = persona.userid;
  if (persona.instance !== undefined) {
    context["ec2:SourceInstanceARN"] = persona.instance.arn;
    context["aws:ec2InstanceSourceVPC"] = persona.instance.vpcId;
  }
  // A request S3 or another service makes with the caller's credentials (kms:ViaService) comes from the service.
  if (options.viaService !== undefined) context["aws:ViaAWSService"] = "true";
  else if (persona.kind !== "service") {
    const from = options.from ?? (persona.instance !== undefined ? { vpcId: persona.instance.vpcId } : { publicIp: "198.51.100.7" });
    if ("vpcId" in from) context["aws:SourceVpc"] = from.vpcId;
    else context["aws:SourceIp"] = from.publicIp;
    context["aws:ViaAWSService"] = "false";
  }
  for (const [key, value] of Object.entries(persona.claims ?? {})) context[key] = value;
  if (options.sessionOwner !== undefined) context["ssm:resourceTag/aws:ssmmessages:session-id"] = options.sessionOwner;
  if (options.tagKeys !== undefined) context["aws:TagKeys"] = [...options.tagKeys];
  if (options.documentType !== undefined) context["ssm:DocumentType"] = options.documentType;
  if (options.resourceAliases !== undefined) context["kms:ResourceAliases"] = [...options.resourceAliases];
  if (options.sourceArn !== undefined) {
    context["aws:SourceArn"] = options.sourceArn;
    context["aws:SourceAccount"] = options.sourceAccount ?? options.sourceArn.split(":")[4];
    // Services acting for a resource of an organization account carry its organization (aws:SourceOrgID).
    if (organization.accountIds.has(context["aws:SourceAccount"])) context["aws:SourceOrgID"] = organization.id;
  }
  if (persona.accountId !== undefined) {
    context["aws:PrincipalAccount"] = persona.accountId;
    context["aws:PrincipalArn"] = persona.roleArn ?? persona.principal;
    if (organization.accountIds.has(persona.accountId)) context["aws:PrincipalOrgID"] = organization.id;
  }
  for (const [key, value] of Object.entries(persona.principalTags ?? {})) context[`aws:PrincipalTag/${key}`] = value;
  if (persona.kind === "user") {
    context["aws:username"] = persona.username!;
    if (options.mfa !== "absent") context["aws:MultiFactorAuthPresent"] = String(options.mfa ?? true);
  }
  if (options.viaService !== undefined) {
    context["kms:ViaService"] = `${options.viaService}.${regionOf(resource)}.amazonaws.com`;
  }
  for (const [key, value] of Object.entries(options.encryptionContext ?? {})) context[`kms:EncryptionContext:${key}`] = value;
  for (const [key, value] of Object.entries(options.instanceTags ?? {})) context[`ssm:resourceTag/${key}`] = value;
  for (const [key, value] of Object.entries(options.s3Headers ?? {})) context[`s3:${key}`] = value;
  for (const [key, value] of Object.entries(options.resourceTags ?? {})) context[`aws:ResourceTag/${key}`] = value;
  if (options.osUser !== undefined) context["ec2:osuser"] = options.osUser;
  if (action.toLowerCase() === "ssm:startsession") {
    context["ssm:SessionDocumentAccessCheck"] = String(options.sessionDocumentAccessCheck ?? true);
  }
  return context;
}

const regionOf = (resource: string): string => {
  const region = resource.split(":")[3];
  if (!region) throw new Error(`${resource} names no region`);
  return region;
};

/** An IAM user of a stack, with the policies of its groups. */
export function userPersona(stack: ResolvedStack, user: ResolvedUser, label = user.name): Persona {
  const groups = user.groups.map((name) => groupOf(stack, name));
  return {
    label,
    kind: "user",
    principal: user.arn,
    accountId: stack.accountId,
    username: user.name,
    userid: uniqueId("AIDA", user.arn),
    policies: [...user.policies, ...groups.flatMap((g) => g.policies)].map(asIdentityPolicy),
  };
}

/**
 * A member of `group` and of no other group: a stand-in user, so that what the persona may do comes from this
 * group's policy alone (a configured user in two groups would prove one group with the other's grants).
 */
export function groupMember(stack: ResolvedStack, group: ResolvedGroup): Persona {
  const name = `${group.name}-member`;
  const user = { name, arn: iamArn(stack.accountId, `user${IAM_PATH}${name}`), groups: [group.name], policies: [], tags: {} };
  return userPersona(stack, user, `${group.name} member`);
}

/** An instance's session of `role`, as the SSM agent signs its requests. */
export function instanceSession(stack: ResolvedStack, role: ResolvedRole, region: string, vpcId = INSTANCE_VPC): Persona {
  const id = "i-0123456789abcdef0";
  return {
    ...roleSession(stack, role, id, `${role.name} (instance)`),
    instance: { arn: `arn:${PARTITION}:ec2:${region}:${stack.accountId}:instance/${id}`, vpcId },
  };
}

/** The VPC the modelled instances run in. */
export const INSTANCE_VPC = "vpc-0a0a0a0a0a0a0a0a0";

/** A session of `role` named `sessionName`, e.g. a Lambda function running with its execution role. */
export function roleSession(stack: ResolvedStack, role: ResolvedRole, sessionName: string, label = role.name): Persona {
  return {
    label,
    kind: "assumed-role",
    principal: `arn:${PARTITION}:sts::${stack.accountId}:assumed-role/${role.name}/${sessionName}`,
    accountId: stack.accountId,
    roleArn: role.arn,
    userid: `${uniqueId("AROA", role.arn)}:${sessionName}`,
    policies: role.policies.map(asIdentityPolicy),
  };
}

/** Full administrator of `accountId` (an IAM user with `*` on `*`): the strongest attacker inside one account. */
export function accountAdmin(accountId: string, label: string): Persona {
  return {
    label,
    kind: "user",
    principal: iamArn(accountId, "user/admin"),
    accountId,
    username: "admin",
    userid: uniqueId("AIDA", iamArn(accountId, "user/admin")),
    policies: [{ name: "AdministratorAccess", policy: ADMINISTRATOR_ACCESS }],
  };
}

/**
 * A session of a role this project did not make, with `*` on `*`: another role of a member account (a deploy or
 * team role), or, with this project's path and name in an account outside the organization, a look-alike.
 */
export function foreignRole(accountId: string, path: string, name: string, label: string): Persona {
  const roleArn = iamArn(accountId, `role${path}${name}`);
  return {
    label,
    kind: "assumed-role",
    principal: `arn:${PARTITION}:sts::${accountId}:assumed-role/${name}/attacker`,
    accountId,
    roleArn,
    userid: `${uniqueId("AROA", roleArn)}:attacker`,
    policies: [{ name: "AdministratorAccess", policy: ADMINISTRATOR_ACCESS }],
  };
}

/**
 * A person signed in through IAM Identity Center, in the role Identity Center made for `permissionSet` in the
 * workload account: the session is named after their user name, carries the attributes for access control as
 * session tags, and never aws:MultiFactorAuthPresent (MFA happened at sign-in, outside the request). The role's
 * policies are the customer managed policies the permission set references, as the workload stack created them.
 */
export function identityCenterSession(
  stack: ResolvedStack,
  permissionSet: ResolvedPermissionSet,
  rolePath: string,
  userName: string,
  principalTags: Readonly<Record<string, string>>,
  label: string,
): Persona {
  const roleName = `AWSReservedSSO_${permissionSet.name}_${uniqueId("", permissionSet.address).slice(0, 16).toLowerCase()}`;
  const roleArn = iamArn(stack.accountId, `role${rolePath}${roleName}`);
  const policies = permissionSet.customerManagedPolicies.map((ref) => {
    const policyArn = iamArn(stack.accountId, `policy${ref.path}${ref.name}`);
    const found = stack.policies.find((p) => p.arn === policyArn);
    if (found === undefined) throw new Error(`${stack.name}: permission set ${permissionSet.name} references ${policyArn}, which the stack does not create`);
    return found;
  });
  return {
    label,
    kind: "assumed-role",
    principal: `arn:${PARTITION}:sts::${stack.accountId}:assumed-role/${roleName}/${userName}`,
    accountId: stack.accountId,
    roleArn,
    userid: `${uniqueId("AROA", roleArn)}:${userName}`,
    principalTags,
    policies: policies.map(asIdentityPolicy),
  };
}

/**
 * A job holding an OIDC token of `issuer` (its URL without https://) with audience `aud` and subject `sub`, calling
 * AssumeRoleWithWebIdentity: the request's principal is the account's provider of that issuer, as IAM matches a
 * trust policy's `Federated`.
 */
export function webIdentity(accountId: string, issuer: string, aud: string, sub: string, label: string): Persona {
  return {
    label,
    kind: "web-identity",
    principal: iamArn(accountId, `oidc-provider/${issuer}`),
    policies: [],
    claims: { [`${issuer}:aud`]: aud, [`${issuer}:sub`]: sub },
  };
}

/** An AWS service acting as itself, e.g. `ec2.amazonaws.com` assuming an instance role. */
export function servicePrincipal(service: string): Persona {
  return { label: service, kind: "service", principal: service, policies: [] };
}

/** `persona` with one more identity policy, e.g. a broad grant someone else attached. */
export function withPolicy(persona: Persona, name: string, policy: PolicyJson, label = `${persona.label} + ${name}`): Persona {
  return { ...persona, label, policies: [...persona.policies, { name, policy }] };
}

/** A one-statement policy granting `action` on everything, as an attacker's own grant. */
export const grantAll = (action: string, sid: string): PolicyJson => ({
  Version: "2012-10-17",
  Statement: [{ Sid: sid, Effect: "Allow", Action: action, Resource: "*" }],
});

const ADMINISTRATOR_ACCESS = grantAll("*", "AdministratorAccess");

function groupOf(stack: ResolvedStack, name: string): ResolvedGroup {
  const group = stack.groups.find((g) => g.name === name);
  if (group === undefined) throw new Error(`${stack.name}: no group ${name}`);
  return group;
}

/** A stable unique id of the form IAM assigns (prefix, then 17 characters), derived from the ARN. */
const uniqueId = (prefix: string, arnText: string): string =>
  `${prefix}${createHash("sha256").update(arnText).digest("hex").slice(0, 17).toUpperCase()}`;

const asIdentityPolicy = (p: { name: string; document: PolicyJson }) => ({ name: p.name, policy: p.document });
const iamArn = (accountId: string, resource: string): string => `arn:${PARTITION}:iam::${accountId}:${resource}`;
