import { en } from "zod/locales";
import * as z from "zod/mini";
import { filterPatternProblems } from "./filter-pattern";
import { AWS_REGIONS } from "./regions";

/**
 * The one definition of the config file. `loadConfig` validates against it, and
 * `npm run schema` turns it into `sessions.schema.json` for editor completion.
 *
 * Written with zod/mini, zod's functional API: its schemas are plain objects rather than instances carrying dozens
 * of methods, so building this one costs a fraction of what the chained API costs, in every synth and report.
 */

// zod/mini carries no messages of its own: these are the English ones the config errors show for a wrong type,
// a missing field or a value out of range. Imported by name, so the bundles carry English only, not every language.
z.config(en());

/** `schema` with a description, for the JSON Schema and the config reference: a copy, so a shared schema keeps its own. */
function describe<T extends z.ZodMiniType>(schema: T, description: string): T {
  const copy = schema.clone();
  z.globalRegistry.add(copy, { description });
  return copy;
}

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy); anything else is refused at apply time. */
export const CLOUDWATCH_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const accountId = describe(
  z
    .string({ error: "must be a quoted string of 12 digits (YAML reads unquoted numbers as numbers and drops leading zeros)" })
    .check(z.regex(/^\d{12}$/, "must be 12 digits")),
  "AWS account id, 12 digits, quoted.",
);

const region = z.enum(AWS_REGIONS, {
  error: `must be a commercial AWS region, such as eu-west-1 or us-east-1`,
});

/** Linux user names as useradd accepts them; Session Manager passes Run As users to the agent unchanged. */
const osUser = z
  .string()
  .check(
    z.regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Linux user name: lowercase letters, digits, '_' or '-', at most 32"),
    z.refine((u) => u !== "root", "must not be root: Run As root gives every session full control of the instance"),
  );

const positiveInt = (max: number) => z.number().check(z.int("must be a whole number"), z.minimum(1), z.maximum(max));

const runAs = z.strictObject({
  enabled: describe(z.boolean(), "Start sessions as an OS user instead of the agent's ssm-user."),
  defaultUser: describe(osUser, "OS user for sessions whose IAM principal has no SSMSessionRunAs tag."),
});

const shellProfile = z.strictObject({
  linux: describe(z.string().check(z.maxLength(4096)), "Commands run at the start of every Linux session."),
  windows: describe(z.string().check(z.maxLength(4096)), "Commands run at the start of every Windows session."),
});

const cloudWatch = z.strictObject({
  enabled: describe(z.boolean(), "Send session transcripts to an encrypted CloudWatch log group as well as S3."),
  retentionDays: describe(
    z.union(
      CLOUDWATCH_RETENTION_DAYS.map((d) => z.literal(d)),
      { error: `must be a CloudWatch Logs retention: ${CLOUDWATCH_RETENTION_DAYS.join(", ")}` },
    ),
    "Days CloudWatch keeps session logs.",
  ),
  streaming: describe(z.boolean(), "Stream session data as it happens instead of uploading it at the end."),
});

const sessionSettings = z.strictObject({
  idleTimeoutMinutes: describe(positiveInt(60), "Minutes without input before a session ends (1-60)."),
  maxSessionDurationMinutes: describe(positiveInt(1440), "Minutes after which a shell session ends (1-1440)."),
  runAs,
  shellProfile,
  cloudWatch,
});

export const SESSION_DEFAULTS: z.infer<typeof sessionSettings> = {
  idleTimeoutMinutes: 20,
  maxSessionDurationMinutes: 60,
  runAs: { enabled: false, defaultUser: "ssm-user" },
  shellProfile: { linux: "", windows: "" },
  cloudWatch: { enabled: true, retentionDays: 365, streaming: true },
};

/** Workload overrides: any field of the defaults, each optional. */
const sessionOverrides = z.strictObject({
  idleTimeoutMinutes: z.optional(sessionSettings.shape.idleTimeoutMinutes),
  maxSessionDurationMinutes: z.optional(sessionSettings.shape.maxSessionDurationMinutes),
  runAs: z.optional(z.partial(runAs)),
  shellProfile: z.optional(z.partial(shellProfile)),
  cloudWatch: z.optional(z.partial(cloudWatch)),
});

const sessionDefaults = z.strictObject({
  idleTimeoutMinutes: z._default(sessionSettings.shape.idleTimeoutMinutes, SESSION_DEFAULTS.idleTimeoutMinutes),
  maxSessionDurationMinutes: z._default(
    sessionSettings.shape.maxSessionDurationMinutes,
    SESSION_DEFAULTS.maxSessionDurationMinutes,
  ),
  runAs: z._default(z.partial(runAs), {}),
  shellProfile: z._default(z.partial(shellProfile), {}),
  cloudWatch: z._default(z.partial(cloudWatch), {}),
});

/** A name that is safe inside bucket names, IAM names, stack names and Terraform addresses. */
const slug = (max: number) =>
  z
    .string()
    .check(
      z.regex(
        new RegExp(`^[a-z](?:[a-z0-9-]{0,${max - 2}}[a-z0-9])?$`),
        `must be 1-${max} characters of lowercase letters, digits and '-', starting with a letter and not ending with '-'`,
      ),
    );

const tagKey = z
  .string()
  .check(
    z.regex(/^[A-Za-z0-9 _.:/=+@-]{1,128}$/, "must be an EC2 tag key (1-128 letters, digits, spaces and _ . : / = + - @)"),
    z.refine((k) => !k.startsWith("aws:"), "must not start with 'aws:' (reserved by AWS)"),
  );

const tagValue = z
  .string()
  .check(z.regex(/^[A-Za-z0-9 _.:/=+@-]{1,256}$/, "must be an EC2 tag value (1-256 letters, digits, spaces and _ . : / = + - @)"));

/** A TCP port, as Session Manager documents take it (a string of 1-65535; config files give numbers). */
const port = z
  .number({ error: "must be a port number, 1-65535" })
  .check(
    z.int("must be a port number, 1-65535"),
    z.minimum(1, "must be a port number, 1-65535"),
    z.maximum(65535, "must be a port number, 1-65535"),
  );

/** A DNS name (labels of letters, digits and '-') or a dotted IPv4 address. */
export function isHostName(text: string): boolean {
  if (/^\d+(\.\d+){3}$/.test(text)) return text.split(".").every((o) => Number(o) <= 255 && String(Number(o)) === o);
  if (text.length > 253 || /^[\d.]+$/.test(text)) return false;
  return text.split(".").every((label) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

const remoteHost = z.strictObject({
  host: describe(
    z
      .string()
      .check(z.refine(isHostName, "must be a DNS name such as db.internal.example.com or an IPv4 address such as 10.20.1.15")),
    "DNS name or IPv4 address, as the instance resolves and reaches it.",
  ),
  port: describe(port, "Its port."),
});

/** An IAM Identity Center permission set name: 1-32 characters of letters, digits and + = , . @ _ - (AWS's limits). */
const permissionSetName = z
  .string()
  .check(z.regex(/^[\w+=,.@-]{1,32}$/, "must be a permission set name: 1-32 letters, digits and + = , . @ _ -"));

/** Overrides of the permission set an Identity Center access group gets. */
const identityCenterGroupSettings = {
  permissionSetName: describe(
    z.optional(permissionSetName),
    "Name of the group's permission set. Default: <namePrefix>-<workload>-<group>, which must fit in 32 characters.",
  ),
  sessionDurationHours: describe(
    z.optional(
      z
        .number()
        .check(
          z.int("must be a whole number of hours"),
          z.minimum(1, "must be 1-12: IAM Identity Center allows 1 to 12 hours"),
          z.maximum(12, "must be 1-12: IAM Identity Center allows 1 to 12 hours"),
        ),
    ),
    "Hours the permission set's credentials last (1-12). Default: the workload's maxSessionDurationMinutes in whole hours, at least 1.",
  ),
};

/**
 * The Identity Center group whose members get this access group's permission set in the workload account: by
 * display name (resolved by the plan, with the aws_identitystore_group data source) or by group id.
 */
const identityCenterGroup = z.union(
  [
    z.strictObject({
      displayName: describe(
        z
          .string()
          .check(
            z.minLength(1, "must not be empty"),
            z.maxLength(1024, "must be at most 1024 characters (Identity Store's limit)"),
            z.refine((n) => n.trim() === n, "must not start or end with white space"),
          ),
        "The group's DisplayName in the identity store; the plan looks it up and fails if there is none.",
      ),
      ...identityCenterGroupSettings,
    }),
    z.strictObject({
      groupId: describe(
        z
          .string()
          .check(
            z.regex(
              /^([0-9a-f]{10}-)?[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$/,
              "must be an identity store group id such as 9067b4a2e1-1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901",
            ),
          ),
        "The group's id in the identity store.",
      ),
      ...identityCenterGroupSettings,
    }),
  ],
  { error: "must be { displayName: <group name> } or { groupId: <group id> }" },
);

const accessGroup = z.strictObject({
  name: describe(slug(32), "Group name; the IAM group is <namePrefix>-<name>."),
  identityCenterGroup: describe(
    z.optional(identityCenterGroup),
    "Make this an IAM Identity Center access group: a permission set assigned to this Identity Center group instead of an IAM group. Needs the identityCenter section.",
  ),
  instanceTags: describe(
    z
      .record(tagKey, z.array(tagValue).check(z.minLength(1, "must list at least one value")))
      .check(z.refine((t) => Object.keys(t).length > 0, "must name at least one tag: an empty condition would open every instance")),
    "Instances the group may reach: every key must match one of its values.",
  ),
  mfaRequired: describe(
    z._default(z.boolean(), true),
    "Deny sessions unless the caller signed in with MFA (IAM groups; Identity Center enforces MFA at sign-in).",
  ),
  allowSsh: describe(
    z._default(z.boolean(), false),
    "Allow SSH through this project's <namePrefix>-StartSSHSession document, to connectivity.ssh.port only.",
  ),
  allowPortForwarding: describe(
    z._default(z.boolean(), false),
    "Allow forwarding portForwardingPorts of the instances, through <namePrefix>-<name>-PortForwarding.",
  ),
  portForwardingPorts: describe(
    z.optional(z.array(port)),
    "Instance ports the group may forward; required when allowPortForwarding is true. E.g. [5432].",
  ),
  allowRemoteHostPortForwarding: describe(
    z._default(z.boolean(), false),
    "Allow forwarding, through the instances, to remoteHosts only (<namePrefix>-<name>-PortForwardingToRemoteHost).",
  ),
  remoteHosts: describe(
    z.optional(z.array(remoteHost)),
    "Hosts and ports the group may reach through an instance; required when allowRemoteHostPortForwarding is true.",
  ),
});

const iamUser = z.strictObject({
  name: z
    .string()
    .check(z.regex(/^[A-Za-z0-9+=,.@_-]{1,64}$/, "must be an IAM user name: 1-64 letters, digits and + = , . @ _ -")),
  groups: describe(
    z.array(slug(32)).check(z.minLength(1, "must name at least one access group")),
    "Access groups of this workload.",
  ),
  runAsUser: describe(z.optional(osUser), "OS user for this person's sessions (the SSMSessionRunAs tag)."),
});

const subscription = z
  .strictObject({
    protocol: z.enum(["email", "https"], { error: "must be email or https" }),
    endpoint: describe(z.string(), "The e-mail address, or the https:// URL SNS posts to."),
  })
  .check(
    z.superRefine((s, ctx) => {
      if (s.protocol === "email" && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s.endpoint)) {
        ctx.addIssue({ code: "custom", path: ["endpoint"], message: "must be an e-mail address for protocol email", input: s.endpoint });
      }
      if (s.protocol === "https" && !isHttpsUrl(s.endpoint)) {
        ctx.addIssue({ code: "custom", path: ["endpoint"], message: "must be an https:// URL for protocol https", input: s.endpoint });
      }
    }),
  );

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === "https:";
  } catch {
    return false;
  }
}

const forbiddenCommand = z.strictObject({
  name: describe(slug(40), "Names the metric and the alarm, e.g. sudo-su."),
  pattern: describe(
    z.string().check(
      z.superRefine((pattern, ctx) => {
        for (const message of filterPatternProblems(pattern)) ctx.addIssue({ code: "custom", message, input: pattern });
      }),
    ),
    "CloudWatch Logs filter pattern matched against session transcripts, e.g. '\"sudo su\"'.",
  ),
  description: describe(
    z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
    "Why the command is forbidden; the alarm shows it.",
  ),
});

/** A part of observability: optional, and so is each of its fields (a workload's part merges over the defaults'). */
const part = <S extends z.core.$ZodLooseShape>(shape: S) => z.optional(z.partial(z.strictObject(shape)));

/** Alerting and enforcement of one workload account, in every region of it. Each part is on only when enabled. */
const observability = z.strictObject({
  alerts: part({
    enabled: describe(z.boolean(), "An SNS topic for session alerts, encrypted with its own KMS key."),
    subscriptions: describe(z.array(subscription), "Who gets the alerts. E-mail and https endpoints must confirm."),
  }),
  sessionEvents: part({
    enabled: describe(z.boolean(), "Alert on every StartSession, ResumeSession and TerminateSession (needs CloudTrail)."),
  }),
  tamperEvents: part({
    enabled: describe(
      z.boolean(),
      "Alert on CloudTrail calls that change or delete the session setup and its alerts (needs CloudTrail). Default: on wherever alerts are.",
    ),
  }),
  forbiddenCommands: part({
    enabled: describe(z.boolean(), "Alarm when a session transcript matches a pattern (needs CloudWatch logging)."),
    patterns: describe(z.array(forbiddenCommand), "The patterns; each gets a metric filter and an alarm."),
  }),
  watchdog: part({
    enabled: describe(z.boolean(), "A Lambda function that ends sessions of every kind older than maxSessionMinutes."),
    mode: describe(
      z.enum(["dry-run", "enforce"], { error: "must be dry-run or enforce" }),
      "dry-run only alerts; enforce ends sessions.",
    ),
    maxSessionMinutes: describe(
      positiveInt(10080),
      "Sessions older than this are ended. Default: the account's maxSessionDurationMinutes.",
    ),
    scheduleMinutes: describe(positiveInt(60), "Minutes between runs (1-60). Default: 5."),
  }),
});

export const WATCHDOG_DEFAULTS = { scheduleMinutes: 5 } as const;

/** An EC2 resource id: the prefix, then 8 or 17 hexadecimal digits. */
const ec2Id = (prefix: "vpc" | "subnet" | "rtb" | "sg") =>
  z
    .string()
    .check(
      z.regex(new RegExp(`^${prefix}-(?:[0-9a-f]{8}|[0-9a-f]{17})$`), `must be a ${prefix} id such as ${prefix}-0123456789abcdef0`),
    );

const ipv4Cidr = z
  .string()
  .check(z.refine((c) => isIpv4Cidr(c), "must be an IPv4 CIDR block such as 10.0.0.0/16, with no host bits set"));

function isIpv4Cidr(text: string): boolean {
  const m = text.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/);
  if (!m) return false;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return false;
  const address = octets.reduce((a, o) => a * 256 + o, 0);
  return address % 2 ** (32 - bits) === 0;
}

/** The interface endpoints Session Manager needs in a private subnet, and the one for S3. */
export const INTERFACE_ENDPOINT_SERVICES = ["ssm", "ssmmessages", "ec2messages", "kms", "logs"] as const;

const vpcEndpoints = z.strictObject({
  region: describe(region, "The VPC's region: one of the workload's regions."),
  vpcId: ec2Id("vpc"),
  vpcCidr: describe(ipv4Cidr, "The VPC's CIDR block: the endpoints admit HTTPS from it only."),
  subnetIds: describe(
    z.array(ec2Id("subnet")).check(z.minLength(1, "must list at least one subnet")),
    "Private subnets for the interface endpoints.",
  ),
  s3Gateway: describe(
    z._default(z.boolean(), true),
    "Add an S3 gateway endpoint to routeTableIds (reaches buckets of this region only).",
  ),
  routeTableIds: describe(
    z._default(z.array(ec2Id("rtb")), []),
    "Route tables of the private subnets, for the S3 gateway endpoint.",
  ),
  transcriptRoute: describe(
    z.optional(z.enum(["nat", "interface-endpoint"], { error: "must be nat or interface-endpoint" })),
    "Outside the log bucket's region: how transcripts reach it (the gateway endpoint serves this region only).",
  ),
});

const bastion = z.strictObject({
  region: describe(region, "One of the workload's regions."),
  vpcId: ec2Id("vpc"),
  subnetId: describe(ec2Id("subnet"), "A private subnet: the bastion gets no public IP."),
  instanceType: describe(
    z._default(
      z
        .string()
        .check(
          z.regex(
            /^[a-z]+\d+[a-z]*g[a-z]*\.[a-z0-9]+$/,
            "must be a Graviton (arm64) instance type such as t4g.nano: the AMI is Amazon Linux 2023 for arm64",
          ),
        ),
      "t4g.nano",
    ),
    "An arm64 (Graviton) type: the AMI is Amazon Linux 2023 for arm64.",
  ),
  tags: describe(
    z
      .record(tagKey, tagValue)
      .check(
        z.refine(
          (t) => Object.keys(t).length > 0,
          "must name at least one tag, so that only access groups whose instanceTags match reach the bastion",
        ),
      ),
    "Tags of the bastion; access groups reach it when their instanceTags match.",
  ),
  sshTo: describe(
    z._default(z.array(ec2Id("sg")), []),
    "Security groups that get an inbound SSH rule from the bastion's group (ProxyJump).",
  ),
});

const fleet = z.strictObject({
  updateAgentSchedule: describe(
    z.optional(
      z
        .string()
        .check(z.regex(/^(rate|cron)\(.+\)$/, "must be a State Manager schedule such as rate(14 days) or cron(0 3 ? * SUN *)")),
    ),
    "Run AWS-UpdateSSMAgent on every managed instance on this schedule. Default: off.",
  ),
  removeSsmUserSudo: describe(
    z.optional(z.strictObject({ tagKey, tagValue })),
    "Take sudo away from the agent's ssm-user on Linux instances with this tag. Default: off.",
  ),
  defaultHostManagement: describe(
    z._default(z.boolean(), false),
    "Default Host Management Configuration: manage and log instances that have no instance profile.",
  ),
});

/** A public IPv4 CIDR: aws:SourceIp never holds a private address. */
const publicCidr = ipv4Cidr.check(
  z.refine(
    (c) => !/^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|127\.|169\.254\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.)/.test(c),
    "must be a public address: AWS sees NAT gateways by their public (Elastic) IP, never a private one",
  ),
);

export const SSH_DEFAULTS = { user: "ec2-user", port: 22 } as const;

const connectivity = z.strictObject({
  egressPublicCidrs: describe(
    z._default(z.array(publicCidr), []),
    "Public addresses (CIDR) of the NAT gateways the instances reach AWS through. Instance credentials are then denied from anywhere else outside a VPC endpoint. Default: none, and such use is not denied.",
  ),
  vpcEndpoints: describe(z._default(z.array(vpcEndpoints), []), "Private endpoints for Session Manager, per VPC."),
  bastion: describe(z.optional(bastion), "A jump host with no inbound rules, reached through Session Manager."),
  fleet: describe(
    z._default(fleet, { defaultHostManagement: false }),
    "State Manager associations that keep the fleet in shape.",
  ),
  ssh: describe(
    z._default(
      z.strictObject({
        awsProfile: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_.@+-]{1,64}$/, "must be an AWS CLI profile name"))),
        user: describe(
          z._default(osUser, SSH_DEFAULTS.user),
          "OS user for SSH; the instance must hold the user's authorized key.",
        ),
        port: describe(
          z._default(port, SSH_DEFAULTS.port),
          "Port sshd listens on at the instances: the SSH document allows only it (and 22 on the bastion).",
        ),
      }),
      { ...SSH_DEFAULTS },
    ),
    "What npm run ssh-config puts in ~/.ssh/config blocks for this workload.",
  ),
});

/** A set of node tags: every key must match one of its values. */
const nodeTags = z
  .record(tagKey, z.array(tagValue).check(z.minLength(1, "must list at least one value")))
  .check(z.refine((t) => Object.keys(t).length > 0, "must name at least one tag"));

/** The most manual approval policies Systems Manager keeps per account and region. */
export const MAX_MANUAL_APPROVAL_POLICIES = 50;

/** How a workload's access groups reach their nodes: standing session rights, or just-in-time node access. */
export const ACCESS_MODES = ["standing", "just-in-time"] as const;

const autoApproval = z.strictObject({
  name: describe(slug(40), "Names the rule in the review and in the policy's comments."),
  requesters: describe(
    z.array(slug(32)).check(z.minLength(1, "must name at least one access group")),
    "Access groups of this workload whose requests are approved at once (for one hour, AWS's fixed duration).",
  ),
  nodeTags: describe(nodeTags, "Nodes the rule covers: every key must match one of its values."),
});

const manualApproval = z.strictObject({
  name: describe(slug(40), "Names the policy in the review."),
  nodeTags: describe(
    z.optional(nodeTags),
    "Nodes the policy covers: a node with any of these key-value pairs. Default: every node (a policy for all nodes applies where no tag-specific one does).",
  ),
  approvers: describe(
    z
      .array(slug(32))
      .check(
        z.minLength(1, "must name at least one approver group"),
        z.maxLength(5, "must name at most 5 approvers: Systems Manager takes up to 5 per level"),
      ),
    "Groups of justInTime.groups whose members approve requests.",
  ),
  accessDurationHours: describe(
    z
      .number()
      .check(
        z.int("must be a whole number of hours"),
        z.minimum(1, "must be 1-336 hours"),
        z.maximum(336, "must be 1-336 hours"),
      ),
    "How long sessions may be started after approval (1-336 hours).",
  ),
});

const workloadJustInTime = z.strictObject({
  autoApprove: describe(
    z._default(z.array(autoApproval), []),
    "Requests approved without a person: the account's auto-approval policy.",
  ),
  manualApproval: describe(
    z._default(
      z
        .array(manualApproval)
        .check(
          z.maxLength(
            MAX_MANUAL_APPROVAL_POLICIES,
            `must list at most ${MAX_MANUAL_APPROVAL_POLICIES} policies: Systems Manager's limit per account and region`,
          ),
        ),
      [],
    ),
    "Requests a person approves: the account's manual approval policies.",
  ),
  cedar: describe(
    z.optional(z.string().check(z.minLength(1))),
    "Raw Cedar permit statements added to the auto-approval policy; validated against the just-in-time schema like the generated ones.",
  ),
});

const workload = z.strictObject({
  name: describe(slug(24), "Workload name; the stack is workload-<name>."),
  accountId,
  regions: describe(
    z.array(region).check(z.minLength(1, "must list at least one region")),
    "Regions with instances; the first holds IAM.",
  ),
  session: describe(z.optional(sessionOverrides), "Overrides of sessionDefaults for this account."),
  accessGroups: z.array(accessGroup).check(z.minLength(1, "must define at least one access group")),
  users: describe(z._default(z.array(iamUser), []), "Optional IAM users; prefer IAM Identity Center where you can."),
  observability: describe(
    z.optional(observability),
    "Alerts and the session watchdog; merged part by part over observabilityDefaults.",
  ),
  connectivity: describe(z.optional(connectivity), "VPC endpoints and a bastion for instances in private subnets."),
  adoptExistingDocument: describe(
    z._default(z.union([z.boolean(), z.array(region)]), false),
    "Import an SSM-SessionManagerRunShell the account already has: true for every region, or a list.",
  ),
  accessMode: describe(
    z._default(z.enum(ACCESS_MODES, { error: "must be standing or just-in-time" }), "standing"),
    "standing: the access groups start sessions themselves. just-in-time: they request access, and justInTime's policies approve it.",
  ),
  justInTime: describe(z.optional(workloadJustInTime), "The approval policies of a workload in just-in-time mode."),
});

const objectLock = z.strictObject({
  mode: describe(
    z.optional(z.enum(["GOVERNANCE", "COMPLIANCE"], { error: "must be GOVERNANCE or COMPLIANCE" })),
    "GOVERNANCE (the default) or COMPLIANCE, which nobody can lift, not even the log account's root user.",
  ),
  days: describe(z.optional(positiveInt(36500)), "Days each transcript version is locked. Default: retentionDays."),
});

/**
 * Object Lock when the config says nothing: GOVERNANCE, for as long as transcripts are kept. GOVERNANCE, because
 * COMPLIANCE cannot be shortened by anyone once a version is written; a user chooses that on purpose.
 */
export const OBJECT_LOCK_DEFAULTS = { mode: "GOVERNANCE" } as const;

export const LOG_ARCHIVE_DEFAULTS = { retentionDays: 400, transitionDays: 90 } as const;

const logArchive = z.strictObject({
  accountId,
  region,
  retentionDays: describe(
    z._default(positiveInt(36500), LOG_ARCHIVE_DEFAULTS.retentionDays),
    "Days before transcripts expire.",
  ),
  transitionDays: describe(
    z._default(positiveInt(36500), LOG_ARCHIVE_DEFAULTS.transitionDays),
    "Days before transcripts move to Glacier Flexible Retrieval.",
  ),
  objectLock: describe(
    z.optional(z.union([z.literal(false), objectLock], { error: "must be false, or {mode, days}" })),
    "S3 Object Lock for the transcripts, on by default (GOVERNANCE for retentionDays); false turns it off. Cannot be removed once on.",
  ),
});

const assumeRole = z.strictObject({
  roleName: describe(
    z.string().check(z.regex(/^[\w+=,.@-]{1,64}$/, "must be an IAM role name")),
    "Role assumed in every account, for example OrganizationAccountAccessRole.",
  ),
  externalId: z.optional(z.string().check(z.minLength(2), z.maxLength(1224))),
  sessionName: z._default(
    z.string().check(z.regex(/^[\w+=,.@-]{2,64}$/, "must be 2-64 characters of letters, digits and + = , . @ _ -")),
    "session-manager-cdktf",
  ),
});

const iamRoleName = z.string().check(z.regex(/^[\w+=,.@-]{1,64}$/, "must be an IAM role name"));

const oidcProviderExists = describe(
  z._default(z.boolean(), false),
  "The accounts already have this OIDC identity provider (an account holds one per URL): the roles trust it by ARN instead of the stacks creating it.",
);

const githubCreateRoles = z.strictObject({
  repository: describe(
    z
      .string()
      .check(
        z.regex(
          /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/,
          "must be the GitHub repository as owner/name, such as my-org/session-manager",
        ),
      ),
    "The repository whose workflows plan and deploy, as owner/name, spelled as GitHub spells it: the trust compares it exactly.",
  ),
  oidcProviderExists,
});

const github = z.strictObject({
  roleName: describe(
    iamRoleName,
    "Role the deploy workflow assumes in every account through GitHub OIDC, in that account's GitHub environment; it applies the stack.",
  ),
  planRoleName: describe(
    z.optional(iamRoleName),
    "Role the plan workflow assumes on pull requests, best read-only. Default: roleName; required, and different, with createRoles.",
  ),
  createRoles: describe(
    z.optional(githubCreateRoles),
    "Create the GitHub OIDC provider and both roles in every stack's account, under /session-manager/: the deploy role trusts the stack's GitHub environment, the plan role pull requests, both of this repository only. Default: you create them.",
  ),
});

const workspaces = z
  .strictObject({
    project: describe(
      z._default(z.string().check(z.minLength(1), z.maxLength(40)), "Default Project"),
      "The HCP Terraform project the workspaces belong to; the run roles trust its name.",
    ),
    executionMode: describe(
      z._default(z.enum(["remote", "agent", "local"]), "remote"),
      "Where runs execute: remote (HCP Terraform), agent (your agent pool) or local (HCP Terraform keeps the state only).",
    ),
    agentPoolId: describe(
      z.optional(z.string().check(z.regex(/^apool-[A-Za-z0-9]+$/, "must be an agent pool id such as apool-AbC123"))),
      "The agent pool of executionMode agent.",
    ),
    runRoleName: describe(
      iamRoleName,
      "Role each workspace's runs assume in its stack's account through HCP Terraform dynamic credentials (TFC_AWS_RUN_ROLE_ARN); with createRunRoles, the apply phase's role.",
    ),
    createRunRoles: describe(
      z.optional(
        z.strictObject({
          planRoleName: describe(
            iamRoleName,
            "The read-only role of the plan phase (TFC_AWS_PLAN_ROLE_ARN); must differ from runRoleName.",
          ),
          oidcProviderExists,
        }),
      ),
      "Create the HCP Terraform OIDC provider and the run roles in every stack's account, under /session-manager/: runRoleName for the apply phase, planRoleName for the plan phase, each trusting its workspace only. Default: you create the run role.",
    ),
  })
  .check(
    z.superRefine((w, ctx) => {
      if (w.executionMode === "agent" && w.agentPoolId === undefined)
        ctx.addIssue({ code: "custom", path: ["agentPoolId"], message: "is required with executionMode agent", input: w.agentPoolId });
      if (w.executionMode !== "agent" && w.agentPoolId !== undefined)
        ctx.addIssue({ code: "custom", path: ["agentPoolId"], message: `must be left out with executionMode ${w.executionMode}: only agent runs use a pool`, input: w.agentPoolId });
      if (w.createRunRoles !== undefined && w.executionMode === "local")
        ctx.addIssue({ code: "custom", path: ["createRunRoles"], message: "must be left out with executionMode local: local runs use your own credentials, not run roles", input: w.createRunRoles });
      if (w.createRunRoles !== undefined && w.createRunRoles.planRoleName === w.runRoleName)
        ctx.addIssue({ code: "custom", path: ["createRunRoles", "planRoleName"], message: "must differ from runRoleName: a plan of any run must not get the role that applies", input: w.createRunRoles.planRoleName });
    }),
  );

const backend = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("local") }),
    z.strictObject({
      type: z.literal("s3"),
      bucket: z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name")),
      region,
      keyPrefix: z._default(
        z.string().check(z.regex(/^[A-Za-z0-9!_.*'()/-]{1,200}$/, "must be an S3 key prefix")),
        "session-manager",
      ),
    }),
    z.strictObject({
      type: z.literal("cloud"),
      organization: z.string().check(z.minLength(1)),
      hostname: z._default(z.string(), "app.terraform.io"),
      workspacePrefix: describe(
        z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{0,60}$/, "must be letters, digits, '-' and '_'"))),
        "Workspace name is <workspacePrefix><stack>. Default: <namePrefix>-.",
      ),
      workspaces: describe(
        z.optional(workspaces),
        "Create the stacks' HCP Terraform workspaces with the workspaces stack. Default: they are created by hand.",
      ),
    }),
  ],
  { error: "type must be local, s3 or cloud" },
);

const suppression = z.strictObject({
  rule: describe(
    z.string().check(z.regex(/^SM-[A-Z0-9]+-\d+$/, "must be a rule id such as SM-DOC-3")),
    "The compliance rule, e.g. SM-DOC-3.",
  ),
  stack: describe(z.string().check(z.minLength(1)), "The stack: log-archive or workload-<name>."),
  resource: describe(
    z.optional(
      z
        .string()
        .check(
          z.regex(
            /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/,
            "must be a construct path below the stack, e.g. session-eu-west-1/preferences",
          ),
        ),
    ),
    "Only findings at or below this construct path (below the stack). Default: the whole stack.",
  ),
  reason: describe(
    z.string().check(z.trim(), z.minLength(20, "must explain, in at least 20 characters, why the finding is acceptable")),
    "Why the finding is accepted; the review report shows it.",
  ),
});

export const COMPLIANCE_DEFAULTS = {
  maxSessionDurationMinutes: 60,
  maxIdleTimeoutMinutes: 20,
  minLogRetentionDays: 365,
  requireObjectLock: true,
} as const;

const compliance = z.strictObject({
  maxSessionDurationMinutes: describe(
    z._default(positiveInt(1440), COMPLIANCE_DEFAULTS.maxSessionDurationMinutes),
    "Longest maxSessionDuration the rule pack accepts, in minutes.",
  ),
  maxIdleTimeoutMinutes: describe(
    z._default(positiveInt(60), COMPLIANCE_DEFAULTS.maxIdleTimeoutMinutes),
    "Longest idle timeout the rule pack accepts, in minutes (some agencies require 15).",
  ),
  minLogRetentionDays: describe(
    z._default(positiveInt(36500), COMPLIANCE_DEFAULTS.minLogRetentionDays),
    "Shortest CloudWatch retention and S3 expiration the rule pack accepts, in days.",
  ),
  requireObjectLock: describe(
    z._default(z.boolean(), COMPLIANCE_DEFAULTS.requireObjectLock),
    "Require S3 Object Lock on the log bucket.",
  ),
  suppressions: describe(z._default(z.array(suppression), []), "Accepted findings, each with a written reason."),
});

/** What an exempt principal pattern may look like: an IAM role or user ARN, account and name may hold wildcards. */
const principalPattern = z
  .string()
  .check(
    z.regex(
      /^arn:aws:iam::(\d{12}|\*):(role|user)\/[\w+=,.@/*?-]+$/,
      "must be an IAM role or user ARN pattern, such as arn:aws:iam::*:role/platform-deploy (account and name may use * and ?)",
    ),
    z.refine(
      (p) => !/:(role|user)\/\*+$/.test(p),
      "must name a role or user: a pattern matching every role or user would exempt everyone",
    ),
  );

/** An Organizations policy target: the root or an organizational unit. */
const policyTarget = z
  .string()
  .check(
    z.regex(/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/, "must be the organization root (r-…) or an OU id (ou-…-…)"),
  );

const guardrails = z.strictObject({
  managementAccountId: describe(accountId, "The organization's management account."),
  policyAdminAccountId: describe(
    z.optional(accountId),
    "A member account delegated to manage Organizations policies; the organization stack deploys there. Default: the management account.",
  ),
  targets: describe(
    z.array(policyTarget).check(z.minLength(1, "must name at least one root or OU to attach the policies to")),
    "Where the SCPs and RCPs are attached: the root (r-…) or OUs (ou-…) holding every workload and the log-archive account.",
  ),
  exemptPrincipals: describe(
    z
      .array(principalPattern)
      .check(
        z.minLength(1, "must name at least the deploy role: without an exception nobody could change the setup again"),
      ),
    "Principals (aws:PrincipalArn patterns) the SCPs do not stop: the deploy role(s) and a break-glass role.",
  ),
});

/** An IAM Identity Center group: by display name, or by its Identity Store group id. */
const identityCenterGroupRef = z.union(
  [
    z.strictObject({
      displayName: describe(
        z.string().check(z.minLength(1), z.maxLength(1024)),
        "The group's display name in Identity Center.",
      ),
    }),
    z.strictObject({
      groupId: describe(
        z
          .string()
          .check(
            z.regex(
              /^[A-Za-z0-9-]{1,47}$/,
              "must be an Identity Store group id such as 90670b3a2c-1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901",
            ),
          ),
        "The group's Identity Store id.",
      ),
    }),
  ],
  { error: "must be { displayName: ... } or { groupId: ... }" },
);

const jitGroup = z.strictObject({
  name: describe(
    slug(32),
    "What rules call the group: an approver, a deny rule's group, or a just-in-time workload's access group.",
  ),
  identityCenterGroup: identityCenterGroupRef,
});

const denyRule = z.strictObject({
  name: describe(slug(40), "Names the rule in the review and in the policy's comments."),
  nodeTags: describe(nodeTags, "Nodes the rule covers: every key must match one of its values."),
  groups: describe(
    z.optional(z.array(slug(32)).check(z.minLength(1))),
    "Only requests by members of these groups of justInTime.groups. Default: everyone's.",
  ),
  exceptGroups: describe(
    z.optional(z.array(slug(32)).check(z.minLength(1))),
    "Not requests by members of these groups of justInTime.groups, e.g. the team that owns the nodes.",
  ),
  description: describe(z.optional(z.string().check(z.minLength(1), z.maxLength(200))), "Why; the review shows it."),
});

const justInTime = z.strictObject({
  delegatedAdministratorAccountId: describe(
    accountId,
    "The Systems Manager delegated administrator account: it holds the Quick Setup configurations and the organization's deny-access policy.",
  ),
  homeRegion: describe(region, "The unified console's home region."),
  targetOrganizationalUnits: describe(
    z.array(policyTarget).check(z.minLength(1, "must name at least one OU or the root")),
    "Where just-in-time node access is set up: OUs (ou-…) or the root (r-…).",
  ),
  targetRegions: describe(
    z.array(region).check(z.minLength(1, "must list at least one region")),
    "Regions where just-in-time node access is set up.",
  ),
  groups: describe(
    z._default(z.array(jitGroup), []),
    "Identity Center groups the rules name: approvers, deny rules' groups, requesters.",
  ),
  denyRules: describe(
    z._default(z.array(denyRule), []),
    "Organization-wide: requests these rules match are never auto-approved; a manual approval policy may still let a person approve them.",
  ),
  denyCedar: describe(
    z.optional(z.string().check(z.minLength(1))),
    "Raw Cedar forbid statements added to the deny-access policy; validated against the just-in-time schema like the generated ones.",
  ),
});

/** An identity store attribute as attributes for access control name it, e.g. ${path:userName}. */
const identityStoreAttribute = z
  .string()
  .check(
    z.regex(
      /^\$\{path:[A-Za-z][A-Za-z0-9._:\[\]" =-]{0,200}\}$/,
      "must be an identity store attribute path such as ${path:userName} or ${path:enterprise.employeeNumber}",
    ),
  );

const identityCenter = z.strictObject({
  instanceArn: describe(
    z
      .string()
      .check(
        z.regex(
          /^arn:aws:sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/,
          "must be an IAM Identity Center instance ARN such as arn:aws:sso:::instance/ssoins-0123456789abcdef",
        ),
      ),
    "The IAM Identity Center instance (aws sso-admin list-instances).",
  ),
  identityStoreId: describe(
    z
      .string()
      .check(
        z.regex(
          /^(d-[0-9a-f]{10}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/,
          "must be an identity store id such as d-0123456789",
        ),
      ),
    "The instance's identity store (aws sso-admin list-instances).",
  ),
  accountId: describe(
    accountId,
    "The account that administers Identity Center: the management account or the delegated administrator. The identity-center stack deploys there.",
  ),
  region: describe(region, "The region the Identity Center instance is in."),
  runAs: describe(
    z.optional(
      z.strictObject({
        attribute: describe(
          identityStoreAttribute,
          "The identity store attribute Identity Center passes as the SSMSessionRunAs session tag, e.g. ${path:userName}.",
        ),
      }),
    ),
    "Run As from each person's identity: attributes for access control map this attribute to SSMSessionRunAs. Default: off (sessions run as the workload's runAs.defaultUser).",
  ),
  abacTagKeys: describe(
    z.optional(
      z.record(
        tagKey.check(
          z.refine((k) => k.toLowerCase() !== "ssmsessionrunas", "must not be SSMSessionRunAs: runAs.attribute maps that one"),
        ),
        identityStoreAttribute,
      ),
    ),
    "Instance scoping by attribute: tag key to identity store attribute, e.g. { CostCenter: ${path:enterprise.costCenter} }. Members of Identity Center access groups reach only instances whose tag equals their own.",
  ),
});

export const configSchema = z.strictObject({
  $schema: z.optional(z.string()),
  organization: z.strictObject({
    id: z.string().check(z.regex(/^o-[a-z0-9]{10,32}$/, "must be an AWS Organizations id such as o-a1b2c3d4e5")),
    namePrefix: describe(slug(20), "Prefix of every bucket, key alias and IAM name."),
    guardrails: describe(
      z.optional(guardrails),
      "Organization guardrails: SCPs that keep member-account administrators off the setup, RCPs around the log bucket and key. Enables the organization stack.",
    ),
  }),
  logArchive,
  identityCenter: describe(
    z.optional(identityCenter),
    "IAM Identity Center: enables access groups with identityCenterGroup and the identity-center stack of their permission sets.",
  ),
  sessionDefaults: z._default(sessionDefaults, {
    idleTimeoutMinutes: SESSION_DEFAULTS.idleTimeoutMinutes,
    maxSessionDurationMinutes: SESSION_DEFAULTS.maxSessionDurationMinutes,
    runAs: {},
    shellProfile: {},
    cloudWatch: {},
  }),
  observabilityDefaults: describe(
    z.optional(observability),
    "Alerts and the session watchdog for every workload; a workload's observability overrides part by part.",
  ),
  workloads: z.array(workload).check(z.minLength(1, "must list at least one workload account")),
  justInTime: describe(
    z.optional(justInTime),
    "Just-in-time node access: the delegated administrator, its targets, the groups rules name and the organization's deny rules. Needed by workloads in just-in-time mode.",
  ),
  compliance: describe(
    z._default(compliance, { ...COMPLIANCE_DEFAULTS, suppressions: [] }),
    "Thresholds and suppressions of the compliance rule pack that runs on every synth.",
  ),
  deployment: z._default(
    z.strictObject({
      assumeRole: z.optional(assumeRole),
      github: describe(
        z.optional(github),
        "The GitHub Actions plan and deploy workflows: the role each assumes in every account. Needs an s3 backend.",
      ),
      backend: z._default(backend, { type: "local" }),
      tags: describe(
        z._default(z.record(z.string().check(z.minLength(1), z.maxLength(128)), z.string().check(z.maxLength(256))), {}),
        "Added to every resource.",
      ),
    }),
    { backend: { type: "local" }, tags: {} },
  ),
});

export type RawConfig = z.output<typeof configSchema>;
export type SessionSettings = z.infer<typeof sessionSettings>;
export type AccessGroupConfig = z.output<typeof accessGroup>;
export type IamUserConfig = z.output<typeof iamUser>;
export type BackendConfig = z.output<typeof backend>;
export type GithubDeploymentConfig = z.output<typeof github>;
export type GithubCreateRolesConfig = z.output<typeof githubCreateRoles>;
export type WorkspacesConfig = z.output<typeof workspaces>;
export type AssumeRoleConfig = z.output<typeof assumeRole>;
export type LogArchiveConfig = z.output<typeof logArchive>;
export type ComplianceConfig = z.output<typeof compliance>;
export type ObservabilityConfig = z.output<typeof observability>;
export type SubscriptionConfig = z.output<typeof subscription>;
export type ForbiddenCommandConfig = z.output<typeof forbiddenCommand>;
export type ConnectivityConfig = z.output<typeof connectivity>;
export type VpcEndpointsConfig = z.output<typeof vpcEndpoints>;
export type BastionConfig = z.output<typeof bastion>;
export type FleetConfig = z.output<typeof fleet>;
export type RemoteHostConfig = z.output<typeof remoteHost>;
export type GuardrailsConfig = z.output<typeof guardrails>;
export type JustInTimeConfig = z.output<typeof justInTime>;
export type WorkloadJustInTimeConfig = z.output<typeof workloadJustInTime>;
export type DenyRuleConfig = z.output<typeof denyRule>;
export type AutoApprovalConfig = z.output<typeof autoApproval>;
export type ManualApprovalConfig = z.output<typeof manualApproval>;
export type JitGroupConfig = z.output<typeof jitGroup>;
export type AccessMode = (typeof ACCESS_MODES)[number];
export type IdentityCenterConfig = z.output<typeof identityCenter>;
export type IdentityCenterGroupConfig = z.output<typeof identityCenterGroup>;
