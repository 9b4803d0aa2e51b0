import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsIamPolicy } from "@cdktf/provider-aws/lib/data-aws-iam-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { IamUserPolicyAttachment } from "@cdktf/provider-aws/lib/iam-user-policy-attachment";
import { LambdaFunctionUrl } from "@cdktf/provider-aws/lib/lambda-function-url";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { SsmDocument } from "@cdktf/provider-aws/lib/ssm-document";
import { SsoadminManagedPolicyAttachment } from "@cdktf/provider-aws/lib/ssoadmin-managed-policy-attachment";
import { Aspects, Testing, TerraformResource, type TerraformStack } from "cdktf";
import { stringify } from "yaml";
import { ComplianceError, formatFinding, RULES } from "../compliance/engine";
import { validateConfig } from "../config/load";
import type { Config } from "../config/types";
import { toTerraformJson, unescapeTemplateSequences } from "../modules/terraform-json";
import { IDENTITY_CENTER_STACK, identityCenterWorkloads, LOG_ARCHIVE_STACK, ORGANIZATION_STACK, workloadStackName } from "../config/naming";
import { buildStacks, IdentityCenterStack, LogArchiveStack, OrganizationStack, WorkloadStack } from "../stacks";
import { synthesize } from "../stacks/synthesize";
import { exampleConfig, exampleRaw, ROOT } from "./helpers";

/**
 * The compliance rule pack. Each rule gets a violating construct or config and the exact finding it must produce;
 * the shipped example passes every rule.
 */

type Stacks = Record<string, TerraformStack & { compliance: { findings(): any[] } }>;

function build(config: Config): Stacks {
  const app = Testing.app({ stackTraces: false });
  const { logArchive, workloads, organization, identityCenter, justInTime } = buildStacks(app, config);
  return Object.fromEntries(
    [logArchive, ...workloads, ...(organization ? [organization] : []), ...(identityCenter ? [identityCenter] : []), ...(justInTime ? [justInTime] : [])].map(
      (s) => [s.node.id, s],
    ),
  );
}

/** Only the stack named `name`: the others are not needed to check it. */
function buildOne(config: Config, name: string): TerraformStack & { compliance: { findings(): any[] } } {
  const app = Testing.app({ stackTraces: false });
  if (name === LOG_ARCHIVE_STACK) return new LogArchiveStack(app, config);
  if (name === ORGANIZATION_STACK) return new OrganizationStack(app, config, config.organizationGuardrails!);
  if (name === IDENTITY_CENTER_STACK) return new IdentityCenterStack(app, config, config.identityCenter!, identityCenterWorkloads(config));
  return new WorkloadStack(app, config, config.workloads.find((w) => workloadStackName(w.name) === name)!);
}

/** Finding lines of `stack` after `mutate` changed its constructs. */
function findings(config: Config, stack: string, mutate: (s: TerraformStack) => void = () => undefined): string[] {
  const built = buildOne(config, stack);
  mutate(built);
  return built.compliance.findings().map(formatFinding);
}

/** The resource construct at `path` (below the stack). */
function resource(stack: TerraformStack, path: string): TerraformResource {
  const found = stack.node.findAll().find((c) => c.node.path === `${stack.node.id}/${path}`);
  if (!(found instanceof TerraformResource)) throw new Error(`no resource at ${path}`);
  return found;
}

/** Overrides a JSON string argument (a policy, a document) with an edited copy of what synth produced. */
function editJson(stack: TerraformStack, path: string, argument: string, edit: (doc: any) => void): void {
  const target = resource(stack, path);
  const body = Object.values(unchanged(stack).resource[target.terraformResourceType] as Record<string, any>).find(
    (b) => b["//"].metadata.path === target.node.path,
  );
  const doc = JSON.parse(unescapeTemplateSequences(body[argument]));
  edit(doc);
  target.addOverride(argument, toTerraformJson(doc));
}

/** The JSON of a stack of the example before any test changed it: resolved once per stack, not once per test. */
const baselines = new Map<string, Record<string, any>>();
function unchanged(stack: TerraformStack): Record<string, any> {
  if (!baselines.has(stack.node.id)) baselines.set(stack.node.id, buildOne(exampleConfig(), stack.node.id).toTerraform());
  return baselines.get(stack.node.id)!;
}

/** Overrides an SCP's or RCP's content with an edited copy, written without white space as the stack writes it. */
function editControlPolicy(stack: TerraformStack, path: string, edit: (doc: any) => void): void {
  const target = resource(stack, path);
  const body = Object.values(unchanged(stack).resource[target.terraformResourceType] as Record<string, any>).find(
    (b) => b["//"].metadata.path === target.node.path,
  );
  const doc = JSON.parse(unescapeTemplateSequences(body.content));
  edit(doc);
  target.addOverride("content", JSON.stringify(doc));
}

const dropStatement = (sid: string) => (doc: any) => {
  doc.Statement = doc.Statement.filter((s: any) => s.Sid !== sid);
};

const PAYMENTS_DOC = "session-eu-west-1/preferences";
const SSH_DOC = "tunnels-eu-west-1/ssh";
const FORWARDING_DOC = "tunnels-eu-west-1/port-forwarding-payments-developers";
const ALERTS = "monitoring-eu-west-1/alerts";
const WATCHDOG = "monitoring-eu-west-1/watchdog";
const P = "workload-payments";
const L = "log-archive";
const O = "organization";
const A = "workload-analytics";
const IC = "identity-center";
const SCP = "setup-scp/policy-1";
const fixOf = (id: string): string => RULES.find((r) => r.id === id)!.fix;

describe("the shipped example", () => {
  test("has no suppressions and the default thresholds", () => {
    expect(exampleConfig().compliance).toEqual({
      maxSessionDurationMinutes: 60,
      maxIdleTimeoutMinutes: 20,
      minLogRetentionDays: 365,
      requireObjectLock: true,
      suppressions: [],
    });
  });

  const example = exampleConfig();
  const synthesized = Object.values(build(example)).map((s) => ({ stack: s.node.id, tf: s.toTerraform() }));
  test.each(RULES.map((r) => [r.id, r] as const))("%s passes on every stack of the example", (_id, rule) => {
    for (const { stack, tf } of synthesized) {
      const workload = example.workloads.find((w) => workloadStackName(w.name) === stack);
      expect([stack, rule.check({ config: example, stack, workload, tf })]).toEqual([stack, []]);
    }
  });

  test("every rule has an id, a one-line rationale, a fix, and appears once", () => {
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^SM-(DOC|KMS|S3|IAM|CW|PRV|SNS|LMB|EC2|ORG|IDC|JIT)-\d+$/);
      expect(rule.rationale).not.toMatch(/\n/);
      expect(rule.fix.length).toBeGreaterThan(10);
    }
  });
});

describe("each rule finds its violation", () => {
  const config = exampleConfig();
  const logKeyId = Object.keys(buildOne(config, L).toTerraform().resource.aws_kms_key)[0];
  const scheduleId = Object.keys(buildOne(config, P).toTerraform().resource.aws_cloudwatch_event_rule).find((id) =>
    id.startsWith("monitoring-eu-west-1_watchdog_schedule"),
  )!;
  const withConfig = (edit: (raw: Record<string, any>) => void): Config => {
    const raw = exampleRaw();
    edit(raw);
    return validateConfig(raw);
  };

  const oversized = JSON.stringify({ Version: "2012-10-17", Statement: [], Padding: "x".repeat(5120) });
  const violations: [string, string, (s: TerraformStack) => void, string[]][] = [
    [
      "SM-ORG-1",
      O,
      (s) => resource(s, SCP).addOverride("content", oversized),
      [`error SM-ORG-1 ${O}/${SCP}: acme-session-setup-scp-1 is ${oversized.length} characters, over 5120. Fix: ${fixOf("SM-ORG-1")}`],
    ],
    [
      "SM-ORG-2",
      O,
      (s) => editControlPolicy(s, SCP, (d) => delete d.Statement.find((x: any) => x.Sid === "ScpProtectAlerts").Condition),
      [`error SM-ORG-2 ${O}/${SCP}: Deny ScpProtectAlerts does not spare any principal. Fix: ${fixOf("SM-ORG-2")}`],
    ],
    [
      "SM-ORG-2 (one exempt principal missing)",
      O,
      (s) => editControlPolicy(s, SCP, (d) => (d.Statement[0].Condition.ArnNotLike["aws:PrincipalArn"] = ["arn:aws:iam::*:role/platform-deploy"])),
      [`error SM-ORG-2 ${O}/${SCP}: Deny ScpProtectSessionDocuments does not spare arn:aws:iam::*:role/break-glass. Fix: ${fixOf("SM-ORG-2")}`],
    ],
    [
      "SM-ORG-3",
      O,
      (s) => resource(s, `${SCP}-ou-a1b2-c3d4e5f6`).addOverride("target_id", "ou-zzzz-zzzzzzzz"),
      [`error SM-ORG-3 ${O}/${SCP}: acme-session-setup-scp-1 is not attached to ou-a1b2-c3d4e5f6. Fix: ${fixOf("SM-ORG-3")}`],
    ],
    [
      "SM-ORG-4",
      O,
      (s) =>
        editControlPolicy(s, SCP, (d) =>
          d.Statement.push({ Sid: "DenyAllIam", Effect: "Deny", Action: "iam:*", Resource: "*", Condition: d.Statement[0].Condition }),
        ),
      [`error SM-ORG-4 ${O}/${SCP}: Deny DenyAllIam covers iam:* on every resource. Fix: ${fixOf("SM-ORG-4")}`],
    ],
    [
      "SM-DOC-1",
      P,
      (s) => editJson(s, PAYMENTS_DOC, "content", (d) => delete d.inputs.kmsKeyId),
      [`error SM-DOC-1 ${P}/${PAYMENTS_DOC}: inputs.kmsKeyId is unset. Fix: ${fixOf("SM-DOC-1")}`],
    ],
    [
      "SM-DOC-2",
      P,
      (s) => editJson(s, PAYMENTS_DOC, "content", (d) => (d.inputs.s3EncryptionEnabled = "true")),
      [`error SM-DOC-2 ${P}/${PAYMENTS_DOC}: inputs.s3EncryptionEnabled is "true", not the boolean true. Fix: ${fixOf("SM-DOC-2")}`],
    ],
    [
      "SM-DOC-2 (no logging at all)",
      P,
      (s) =>
        editJson(s, PAYMENTS_DOC, "content", (d) => {
          delete d.inputs.s3BucketName;
          delete d.inputs.cloudWatchLogGroupName;
        }),
      [
        `error SM-DOC-2 ${P}/${PAYMENTS_DOC}: neither s3BucketName nor cloudWatchLogGroupName is set: sessions are not logged. Fix: ${fixOf("SM-DOC-2")}`,
        `error SM-DOC-5 ${P}/${PAYMENTS_DOC}: inputs.s3BucketName is unset, not acme-session-logs-111111111111. Fix: ${fixOf("SM-DOC-5")}`,
      ],
    ],
    [
      "SM-DOC-3 (AWS range)",
      P,
      (s) => editJson(s, PAYMENTS_DOC, "content", (d) => (d.inputs.idleSessionTimeout = "90")),
      [`error SM-DOC-3 ${P}/${PAYMENTS_DOC}: inputs.idleSessionTimeout is 90 min, outside AWS's 1-60. Fix: ${fixOf("SM-DOC-3")}`],
    ],
    [
      "SM-DOC-3 (unset)",
      P,
      (s) => editJson(s, PAYMENTS_DOC, "content", (d) => delete d.inputs.maxSessionDuration),
      [`error SM-DOC-3 ${P}/${PAYMENTS_DOC}: inputs.maxSessionDuration is unset: it must be a string of whole minutes. Fix: ${fixOf("SM-DOC-3")}`],
    ],
    [
      "SM-DOC-4",
      P,
      (s) => editJson(s, PAYMENTS_DOC, "content", (d) => Object.assign(d.inputs, { runAsEnabled: true, runAsDefaultUser: "root" })),
      [`error SM-DOC-4 ${P}/${PAYMENTS_DOC}: runAsDefaultUser is "root". Fix: ${fixOf("SM-DOC-4")}`],
    ],
    [
      "SM-DOC-4 (empty user)",
      P,
      (s) => editJson(s, PAYMENTS_DOC, "content", (d) => Object.assign(d.inputs, { runAsEnabled: true, runAsDefaultUser: "" })),
      [`error SM-DOC-4 ${P}/${PAYMENTS_DOC}: runAsEnabled is true but runAsDefaultUser is "". Fix: ${fixOf("SM-DOC-4")}`],
    ],
    [
      "SM-DOC-5",
      P,
      (s) => editJson(s, PAYMENTS_DOC, "content", (d) => (d.inputs.s3KeyPrefix = "333333333333/eu-west-1")),
      [`error SM-DOC-5 ${P}/${PAYMENTS_DOC}: inputs.s3KeyPrefix is "333333333333/eu-west-1", not 222222222222/eu-west-1. Fix: ${fixOf("SM-DOC-5")}`],
    ],
    [
      "SM-DOC-6",
      P,
      (s) => editJson(s, PAYMENTS_DOC, "content", (d) => (d.inputs.kmsKeyId = d.inputs.kmsKeyId.replace(/session-eu-west-1_session-key_[0-9A-F]+/, () => keyId(s, "eu-central-1")))),
      [`error SM-DOC-6 ${P}/${PAYMENTS_DOC}: the session key ${P}/session-eu-central-1/session-key/key is in eu-central-1, the document in eu-west-1. Fix: ${fixOf("SM-DOC-6")}`],
    ],
    [
      "SM-DOC-7",
      P,
      (s) => resource(s, PAYMENTS_DOC).addOverride("permissions", { type: "Share", account_ids: "All" }),
      [`error SM-DOC-7 ${P}/${PAYMENTS_DOC}: permissions share SSM-SessionManagerRunShell with account_ids "All". Fix: ${fixOf("SM-DOC-7")}`],
    ],
    [
      "SM-KMS-1",
      L,
      (s) => resource(s, "log-key/key").addOverride("enable_key_rotation", false),
      [`error SM-KMS-1 ${L}/log-key/key: enable_key_rotation is false. Fix: ${fixOf("SM-KMS-1")}`],
    ],
    [
      "SM-KMS-2",
      L,
      (s) => {
        resource(s, "log-key/key").addOverride("deletion_window_in_days", 5);
        resource(s, "log-key/key").addOverride("lifecycle.prevent_destroy", false);
      },
      [
        `error SM-KMS-2 ${L}/log-key/key: deletion_window_in_days is 5, below 7. Fix: ${fixOf("SM-KMS-2")}`,
        `error SM-KMS-2 ${L}/log-key/key: lifecycle.prevent_destroy is false. Fix: ${fixOf("SM-KMS-2")}`,
      ],
    ],
    [
      "SM-KMS-3",
      P,
      (s) => resource(s, "session-eu-west-1/session-key/key").addOverride("policy", undefined),
      [`error SM-KMS-3 ${P}/session-eu-west-1/session-key/key: policy is unset. Fix: ${fixOf("SM-KMS-3")}`],
    ],
    [
      "SM-KMS-4",
      L,
      (s) => editJson(s, "log-key/key", "policy", (d) => delete d.Statement[1].Condition.StringEquals["aws:PrincipalOrgID"]),
      [`error SM-KMS-4 ${L}/log-key/key: statement OrganizationWritesThroughS3 allows Principal * with no exact account or organization condition. Fix: ${fixOf("SM-KMS-4")}`],
    ],
    [
      "SM-S3-1",
      L,
      (s) => resource(s, "log-bucket/encryption").addOverride("rule.0.apply_server_side_encryption_by_default", { sse_algorithm: "AES256" }),
      [
        `error SM-S3-1 ${L}/log-bucket/bucket: default encryption is [{"kms_master_key_id":"\${aws_kms_key.${logKeyId}.arn}","sse_algorithm":"AES256"}], not aws:kms with a key of this stack. Fix: ${fixOf("SM-S3-1")}`,
      ],
    ],
    [
      "SM-S3-2",
      L,
      (s) => resource(s, "log-bucket/versioning").addOverride("versioning_configuration.status", "Suspended"),
      [`error SM-S3-2 ${L}/log-bucket/bucket: versioning status is "Suspended". Fix: ${fixOf("SM-S3-2")}`],
    ],
    [
      "SM-S3-3",
      L,
      (s) => resource(s, "log-bucket/public-access-block").addOverride("restrict_public_buckets", false),
      [`error SM-S3-3 ${L}/log-bucket/bucket: public access block: restrict_public_buckets not true. Fix: ${fixOf("SM-S3-3")}`],
    ],
    [
      "SM-S3-4",
      L,
      (s) => resource(s, "log-bucket/ownership").addOverride("rule.object_ownership", "ObjectWriter"),
      [`error SM-S3-4 ${L}/log-bucket/bucket: object_ownership is "ObjectWriter". Fix: ${fixOf("SM-S3-4")}`],
    ],
    [
      "SM-S3-5",
      L,
      (s) => resource(s, "log-bucket/lifecycle").addOverride("rule.0.expiration", [{ days: 30 }]),
      [
        `error SM-S3-5 ${L}/log-bucket/bucket: lifecycle rule archive-then-expire-transcripts expires objects after 30 days, below compliance.minLogRetentionDays (365). Fix: ${fixOf("SM-S3-5")}`,
      ],
    ],
    [
      "SM-S3-6",
      L,
      (s) => editJson(s, "log-bucket/policy", "policy", dropStatement("DenyInsecureTransport")),
      [`error SM-S3-6 ${L}/log-bucket/bucket: no bucket policy statement denies s3:* on the bucket and its objects without aws:SecureTransport. Fix: ${fixOf("SM-S3-6")}`],
    ],
    [
      "SM-S3-7",
      L,
      (s) => editJson(s, "log-bucket/policy", "policy", (d) => delete d.Statement.find((x: any) => x.Sid === "OrganizationWritesOwnPrefix").Condition),
      [
        `error SM-S3-7 ${L}/log-bucket/policy: statement OrganizationWritesOwnPrefix allows Principal * with no exact organization or account condition. Fix: ${fixOf("SM-S3-7")}`,
        `error SM-S3-12 ${L}/log-bucket/policy: statement OrganizationWritesOwnPrefix allows s3:PutObject without ArnLike aws:PrincipalArn ["arn:aws:iam::*:role/session-manager/acme-session-instance","arn:aws:iam::*:role/session-manager/acme-session-bastion","arn:aws:iam::*:role/service-role/acme-session-default-host"]. Fix: ${fixOf("SM-S3-12")}`,
      ],
    ],
    [
      "SM-S3-8",
      L,
      (s) => editJson(s, "log-bucket/policy", "policy", (d) => d.Statement.find((x: any) => x.Sid === "OrganizationWritesOwnPrefix").Action.push("s3:GetObject")),
      [`error SM-S3-8 ${L}/log-bucket/policy: statement OrganizationWritesOwnPrefix allows other accounts s3:GetObject. Fix: ${fixOf("SM-S3-8")}`],
    ],
    [
      "SM-S3-9",
      L,
      (s) => resource(s, "log-bucket/bucket").addOverride("force_destroy", true),
      [`error SM-S3-9 ${L}/log-bucket/bucket: force_destroy is true. Fix: ${fixOf("SM-S3-9")}`],
    ],
    [
      "SM-S3-10",
      L,
      (s) => resource(s, "log-bucket/bucket").addOverride("object_lock_enabled", false),
      [`error SM-S3-10 ${L}/log-bucket/bucket: object_lock_enabled is false, default retention mode is "GOVERNANCE". Fix: ${fixOf("SM-S3-10")}`],
    ],
    [
      "SM-IAM-1",
      P,
      (s) => editJson(s, "instance-role/session-logging", "policy", (d) => (d.Statement[0].Action = "s3:*")),
      [`error SM-IAM-1 ${P}/instance-role/session-logging: statement WriteOwnTranscripts allows s3:*. Fix: ${fixOf("SM-IAM-1")}`],
    ],
    [
      "SM-IAM-2",
      P,
      (s) => editJson(s, "instance-role/session-logging", "policy", (d) => (d.Statement.find((x: any) => x.Sid === "DecryptSessionData").Resource = "*")),
      [`error SM-IAM-2 ${P}/instance-role/session-logging: statement DecryptSessionData allows decryption on "*". Fix: ${fixOf("SM-IAM-2")}`],
    ],
    [
      "SM-IAM-4",
      P,
      (s) => resource(s, "instance-role/ssm-core").addOverride("policy_arn", "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM"),
      [`error SM-IAM-4 ${P}/instance-role/ssm-core: attaches arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM. Fix: ${fixOf("SM-IAM-4")}`],
    ],
    [
      "SM-IAM-5",
      P,
      (s) => editJson(s, "instance-role/role", "assume_role_policy", (d) => (d.Statement[0].Principal = { AWS: "arn:aws:iam::222222222222:root" })),
      [`error SM-IAM-5 ${P}/instance-role/role: statement Ec2AssumesRole trusts {"AWS":"arn:aws:iam::222222222222:root"}. Fix: ${fixOf("SM-IAM-5")}`],
    ],
    [
      "SM-IAM-6",
      P,
      (s) => editJson(s, "access-group-payments-operators/policy", "policy", (d) => delete d.Statement[1].Condition),
      [
        `error SM-IAM-6 ${P}/access-group-payments-operators/policy: statement StartSessionWithApprovedDocuments allows ssm:StartSession without ssm:SessionDocumentAccessCheck. Fix: ${fixOf("SM-IAM-6")}`,
      ],
    ],
    [
      "SM-JIT-1",
      "workload-batch",
      (s) => editJson(s, "access-policy-batch-operators/policy", "policy", dropStatement("DenyStandingSessions")),
      [
        `error SM-JIT-1 workload-batch/access-policy-batch-operators/policy: no policy of acme-batch-operators denies ssm:StartSession on every resource: a grant elsewhere would open standing sessions. Fix: ${fixOf("SM-JIT-1")}`,
      ],
    ],
    [
      "SM-IAM-7",
      P,
      (s) => editJson(s, "access-group-payments-operators/policy", "policy", dropStatement("DenySessionsWithoutMfa")),
      [
        `error SM-IAM-7 ${P}/access-group-payments-operators/policy: no Deny of ssm:StartSession, ssm:ResumeSession, ssm:TerminateSession, ssm:SendCommand, ssm:StartAutomationExecution, ssm:CreateAssociation, ssm:CreateAssociationBatch, ssm:UpdateAssociation, ec2-instance-connect:SendSSHPublicKey, ec2-instance-connect:SendSerialConsoleSSHPublicKey on * whose only condition is BoolIfExists aws:MultiFactorAuthPresent "false". Fix: ${fixOf("SM-IAM-7")}`,
      ],
    ],
    [
      "SM-IAM-7 (sessions only, commands without MFA)",
      P,
      (s) =>
        editJson(s, "access-group-payments-operators/policy", "policy", (d) => {
          d.Statement.find((x: any) => x.Sid === "DenySessionsWithoutMfa").Action = ["ssm:StartSession", "ssm:ResumeSession"];
        }),
      [
        `error SM-IAM-7 ${P}/access-group-payments-operators/policy: no Deny of ssm:TerminateSession, ssm:SendCommand, ssm:StartAutomationExecution, ssm:CreateAssociation, ssm:CreateAssociationBatch, ssm:UpdateAssociation, ec2-instance-connect:SendSSHPublicKey, ec2-instance-connect:SendSerialConsoleSSHPublicKey on * whose only condition is BoolIfExists aws:MultiFactorAuthPresent "false". Fix: ${fixOf("SM-IAM-7")}`,
      ],
    ],
    [
      "SM-IAM-7 (an Identity Center access group locked out by an MFA Deny)",
      A,
      (s) =>
        editJson(s, "access-policy-analysts/policy", "policy", (d) =>
          d.Statement.push({ Sid: "DenySessionsWithoutMfa", Effect: "Deny", Action: "ssm:StartSession", Resource: "*", Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } } }),
        ),
      [
        `error SM-IAM-7 ${A}/access-policy-analysts/policy: DenySessionsWithoutMfa denies on aws:MultiFactorAuthPresent, which Identity Center sessions never carry: it locks out every member of analysts. Fix: Enforce MFA in IAM Identity Center's settings (every time they sign in), not in the access policy.`,
      ],
    ],
    [
      "SM-IDC-1",
      IC,
      (s) => resource(s, "analytics-analysts/policy-1").addOverride("customer_managed_policy_reference.name", "acme-other-policy"),
      [
        `error SM-IDC-1 ${IC}/analytics-analysts/permission-set: acme-analytics-analysts does not reference /session-manager/acme-session-guardrails. Fix: ${fixOf("SM-IDC-1")}`,
        `error SM-IDC-1 ${IC}/analytics-analysts/permission-set: acme-analytics-analysts references other policies: /session-manager/acme-other-policy. Fix: ${fixOf("SM-IDC-1")}`,
      ],
    ],
    [
      "SM-IDC-1 (an AWS managed policy beside the references)",
      IC,
      (s) =>
        new SsoadminManagedPolicyAttachment(s, "admin", {
          instanceArn: "arn:aws:sso:::instance/ssoins-0123456789abcdef",
          permissionSetArn: "arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-0123456789abcdef",
          managedPolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
        }),
      [`error SM-IDC-1 ${IC}/admin: aws_ssoadmin_managed_policy_attachment adds permissions the access review does not model. Fix: ${fixOf("SM-IDC-1")}`],
    ],
    [
      "SM-IAM-10",
      P,
      (s) => s.node.tryRemoveChild("guardrails"),
      [`error SM-IAM-10 ${P}: no guardrail policy acme-session-guardrails. Fix: ${fixOf("SM-IAM-10")}`, `error SM-IAM-10 ${P}: no guardrail policy acme-session-setup-guardrails. Fix: ${fixOf("SM-IAM-10")}`],
    ],
    [
      "SM-IAM-10 (two Denies missing, a group without the setup policy)",
      P,
      (s) => {
        editJson(s, "guardrails/policy", "policy", (d) => {
          d.Statement = d.Statement.filter((x: any) => !["DenyUnapprovedSessionDocuments", "DenySessionsOutsideRegions"].includes(x.Sid));
        });
        s.node.findChild("guardrails").node.tryRemoveChild("setup-attachment-payments-developers");
      },
      [
        `error SM-IAM-10 ${P}/guardrails/policy: no Deny statement DenySessionsOutsideRegions, DenyUnapprovedSessionDocuments. Fix: ${fixOf("SM-IAM-10")}`,
        `error SM-IAM-10 ${P}/guardrails/setup-policy: not attached to the access group acme-payments-developers. Fix: ${fixOf("SM-IAM-10")}`,
      ],
    ],
    [
      "SM-IAM-11",
      P,
      (s) => s.node.findChild("instance-role").node.tryRemoveChild("credential-perimeter"),
      [`error SM-IAM-11 ${P}/instance-role/role: no inline Deny of * for its credentials used through another VPC (aws:ec2InstanceSourceVPC). Fix: ${fixOf("SM-IAM-11")}`],
    ],
    [
      "SM-IAM-12",
      P,
      (s) => editJson(s, "instance-role/session-logging", "policy", (d) => delete d.Statement.find((x: any) => x.Sid === "WriteOwnTranscripts").Condition),
      [
        `error SM-IAM-12 ${P}/instance-role/session-logging: statement WriteOwnTranscripts allows S3 on acme-session-logs-111111111111 without s3:ResourceAccount 111111111111. Fix: ${fixOf("SM-IAM-12")}`,
      ],
    ],
    [
      "SM-S3-12",
      L,
      (s) => {
        editJson(s, "log-bucket/policy", "policy", (d) => {
          delete d.Statement.find((x: any) => x.Sid === "OrganizationWritesOwnPrefix").Condition.ArnLike;
          d.Statement = d.Statement.filter((x: any) => x.Sid !== "DenyWritesByOtherPrincipals");
          const deny = d.Statement.find((x: any) => x.Sid === "DenyOtherAccountsReadDeleteAdminister");
          deny.Action = ["s3:GetObject", "s3:DeleteObject"];
          delete deny.NotAction;
        });
        editJson(s, "log-key/key", "policy", (d) => delete d.Statement.find((x: any) => x.Sid === "OrganizationWritesThroughS3").Condition.ArnLike);
      },
      [
        `error SM-S3-12 ${L}/log-bucket/policy: statement OrganizationWritesOwnPrefix allows s3:PutObject without ArnLike aws:PrincipalArn ["arn:aws:iam::*:role/session-manager/acme-session-instance","arn:aws:iam::*:role/session-manager/acme-session-bastion","arn:aws:iam::*:role/service-role/acme-session-default-host"]. Fix: ${fixOf("SM-S3-12")}`,
        `error SM-S3-12 ${L}/log-bucket/policy: no Deny of s3:PutObject to principals other than this project's roles (ArnNotLike aws:PrincipalArn). Fix: ${fixOf("SM-S3-12")}`,
        `error SM-S3-12 ${L}/log-bucket/policy: no Deny of everything but the writers' actions (NotAction) to other accounts. Fix: ${fixOf("SM-S3-12")}`,
        `error SM-S3-12 ${L}/log-key/key: statement OrganizationWritesThroughS3 lets any organization principal use the key, not only ["arn:aws:iam::*:role/session-manager/acme-session-instance","arn:aws:iam::*:role/session-manager/acme-session-bastion","arn:aws:iam::*:role/service-role/acme-session-default-host"]. Fix: ${fixOf("SM-S3-12")}`,
      ],
    ],
    [
      "SM-IAM-8",
      P,
      (s) => editJson(s, "access-group-payments-developers/policy", "policy", (d) => (d.Statement.find((x: any) => x.Sid === "DenyPreferencesDocumentChanges").Action = ["ssm:UpdateDocument"])),
      [
        `error SM-IAM-8 ${P}/access-group-payments-developers/policy: no unconditional Deny of ssm:CreateDocument, ssm:DeleteDocument on arn:aws:ssm:*:222222222222:document/SSM-SessionManagerRunShell. Fix: ${fixOf("SM-IAM-8")}`,
      ],
    ],
    [
      "SM-CW-1",
      P,
      (s) => resource(s, "session-eu-west-1/log-group").addOverride("kms_key_id", undefined),
      [`error SM-CW-1 ${P}/session-eu-west-1/log-group: kms_key_id is unset. Fix: ${fixOf("SM-CW-1")}`],
    ],
    [
      "SM-CW-2",
      P,
      (s) => resource(s, "session-eu-west-1/log-group").addOverride("retention_in_days", 90),
      [`error SM-CW-2 ${P}/session-eu-west-1/log-group: retention_in_days is 90, below compliance.minLogRetentionDays (365). Fix: ${fixOf("SM-CW-2")}`],
    ],
    [
      "SM-PRV-1",
      P,
      (s) => new AwsProvider(s, "stray", { region: "us-west-2", alias: "stray" }),
      [`error SM-PRV-1 ${P}/provider.aws.stray: provider in us-west-2 allows [], not only 222222222222. Fix: ${fixOf("SM-PRV-1")}`],
    ],
    [
      "SM-SNS-1",
      P,
      (s) => resource(s, `${ALERTS}/topic`).addOverride("kms_master_key_id", "alias/aws/sns"),
      [`error SM-SNS-1 ${P}/${ALERTS}/topic: kms_master_key_id is "alias/aws/sns", not a reference to a KMS key of this stack. Fix: ${fixOf("SM-SNS-1")}`],
    ],
    [
      "SM-SNS-2",
      P,
      (s) => editJson(s, `${ALERTS}/policy`, "policy", dropStatement("DenyOtherAccounts")),
      [`error SM-SNS-2 ${P}/${ALERTS}/topic: no statement denies sns:Publish and sns:Subscribe to principals outside 222222222222 (StringNotEquals aws:PrincipalAccount). Fix: ${fixOf("SM-SNS-2")}`],
    ],
    [
      "SM-SNS-2 (an open Allow)",
      P,
      (s) =>
        editJson(s, `${ALERTS}/policy`, "policy", (d) =>
          d.Statement.push({ Sid: "Open", Effect: "Allow", Principal: { AWS: "*" }, Action: "sns:Subscribe", Resource: "*" }),
        ),
      [`error SM-SNS-2 ${P}/${ALERTS}/topic: statement Open allows {"AWS":"*"} with no exact account condition. Fix: ${fixOf("SM-SNS-2")}`],
    ],
    [
      "SM-SNS-3",
      P,
      (s) => editJson(s, `${ALERTS}/key/key`, "policy", (d) => delete d.Statement.find((x: any) => x.Sid === "AlertSourcesEncryptMessages").Condition),
      [
        `error SM-SNS-3 ${P}/${ALERTS}/key/key: statement AlertSourcesEncryptMessages lets events.amazonaws.com, cloudwatch.amazonaws.com use the key with no kms:EncryptionContext:aws:sns:topicArn condition (arn:aws:sns:eu-west-1:222222222222:acme-session-alerts). Fix: ${fixOf("SM-SNS-3")}`,
      ],
    ],
    [
      "SM-SNS-3 (bound to another topic)",
      P,
      (s) =>
        editJson(s, `${ALERTS}/key/key`, "policy", (d) => {
          d.Statement.find((x: any) => x.Sid === "AlertSourcesEncryptMessages").Condition.StringEquals["kms:EncryptionContext:aws:sns:topicArn"] =
            "arn:aws:sns:eu-west-1:222222222222:elsewhere";
        }),
      [
        `error SM-SNS-3 ${P}/${ALERTS}/key/key: statement AlertSourcesEncryptMessages binds events.amazonaws.com, cloudwatch.amazonaws.com to arn:aws:sns:eu-west-1:222222222222:elsewhere, not a topic this key encrypts (arn:aws:sns:eu-west-1:222222222222:acme-session-alerts). Fix: ${fixOf("SM-SNS-3")}`,
      ],
    ],
    [
      "SM-CW-3",
      P,
      (s) =>
        editJson(s, "monitoring-eu-west-1/tamper/rule-setup", "event_pattern", (d) => {
          d.detail.$or = d.detail.$or.filter((c: any) => !c.eventSource.includes("kms.amazonaws.com"));
        }),
      [`error SM-CW-3 ${P}/${ALERTS}/topic: no rule alerting this topic matches kms:ScheduleKeyDeletion, kms:DisableKey. Fix: ${fixOf("SM-CW-3")}`],
    ],
    [
      "SM-CW-3 (the preferences document left out)",
      P,
      (s) =>
        editJson(s, "monitoring-eu-west-1/tamper/rule-setup", "event_pattern", (d) => {
          d.detail.$or.find((c: any) => c.eventName.includes("UpdateDocument")).requestParameters.name = ["acme-RemoveSsmUserSudo"];
        }),
      [
        `error SM-CW-3 ${P}/${ALERTS}/topic: no rule alerting this topic matches ssm:UpdateDocument (SSM-SessionManagerRunShell), ssm:DeleteDocument (SSM-SessionManagerRunShell). Fix: ${fixOf("SM-CW-3")}`,
      ],
    ],
    [
      "SM-LMB-1",
      P,
      (s) => {
        resource(s, `${WATCHDOG}/function`).addOverride("function_name", "another-function");
        resource(s, `${WATCHDOG}/function`).addOverride("logging_config", undefined);
      },
      [`error SM-LMB-1 ${P}/${WATCHDOG}/function: its log group /aws/lambda/another-function is not created by this stack. Fix: ${fixOf("SM-LMB-1")}`],
    ],
    [
      "SM-LMB-2",
      P,
      (s) => new LambdaFunctionUrl(s, "url", { functionName: "acme-session-watchdog", authorizationType: "NONE" }),
      [`error SM-LMB-2 ${P}/url: a function URL (authorization_type "NONE") opens the function to HTTPS calls. Fix: ${fixOf("SM-LMB-2")}`],
    ],
    [
      "SM-LMB-2 (anyone may invoke)",
      P,
      (s) => resource(s, `${WATCHDOG}/schedule-invokes`).addOverride("principal", "*"),
      [`error SM-LMB-2 ${P}/${WATCHDOG}/schedule-invokes: allows "*" to invoke, with source_arn "\${aws_cloudwatch_event_rule.${scheduleId}.arn}". Fix: ${fixOf("SM-LMB-2")}`],
    ],
    [
      "SM-LMB-3",
      P,
      (s) => editJson(s, `${WATCHDOG}/role-policy`, "policy", (d) => (d.Statement[0].Action = "ssm:Describe*")),
      [`error SM-LMB-3 ${P}/${WATCHDOG}/role-policy: statement ListSessions of the Lambda role acme-session-watchdog-eu-west-1 allows ssm:Describe*. Fix: ${fixOf("SM-LMB-3")}`],
    ],
    [
      "SM-LMB-3 (a managed policy)",
      P,
      (s) =>
        new IamRolePolicyAttachment(s, "basic", {
          role: "acme-session-watchdog-eu-west-1",
          policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        }),
      [`error SM-LMB-3 ${P}/basic: attaches arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole to the Lambda role acme-session-watchdog-eu-west-1. Fix: ${fixOf("SM-LMB-3")}`],
    ],
    [
      "SM-LMB-4",
      P,
      (s) => resource(s, `${WATCHDOG}/function`).addOverride("runtime", "nodejs20.x"),
      [`error SM-LMB-4 ${P}/${WATCHDOG}/function: runtime is "nodejs20.x", deprecated by Lambda. Fix: ${fixOf("SM-LMB-4")}`],
    ],
    [
      "SM-EC2-1",
      P,
      (s) => resource(s, "bastion/instance").addOverride("metadata_options.http_tokens", "optional"),
      [`error SM-EC2-1 ${P}/bastion/instance: metadata_options.http_tokens is "optional". Fix: ${fixOf("SM-EC2-1")}`],
    ],
    [
      "SM-EC2-2",
      P,
      (s) => resource(s, "bastion/instance").addOverride("root_block_device.encrypted", false),
      [`error SM-EC2-2 ${P}/bastion/instance: root_block_device is not encrypted. Fix: ${fixOf("SM-EC2-2")}`],
    ],
    [
      "SM-EC2-3",
      P,
      (s) => resource(s, "bastion/instance").addOverride("associate_public_ip_address", true),
      [`error SM-EC2-3 ${P}/bastion/instance: associate_public_ip_address is true. Fix: ${fixOf("SM-EC2-3")}`],
    ],
    [
      "SM-EC2-4",
      P,
      (s) =>
        new VpcSecurityGroupIngressRule(s, "open-ssh", { securityGroupId: "sg-0a1b2c3d4e5f6071c", cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 22, toPort: 22 }),
      [`error SM-EC2-4 ${P}/open-ssh: admits 0.0.0.0/0. Fix: ${fixOf("SM-EC2-4")}`],
    ],
    [
      "SM-EC2-5",
      P,
      (s) =>
        resource(s, "endpoints-vpc-0a1b2c3d4e5f60718/security-group").addOverride("ingress", [
          { protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["10.0.0.0/8"], ipv6_cidr_blocks: [], prefix_list_ids: [], security_groups: [], self: false, description: "wide" },
        ]),
      [
        `error SM-EC2-5 ${P}/endpoints-vpc-0a1b2c3d4e5f60718/security-group: an ingress rule admits tcp 443-443 from ["10.0.0.0/8"], not only tcp 443 from 10.20.0.0/16. Fix: ${fixOf("SM-EC2-5")}`,
      ],
    ],
    [
      "SM-DOC-8",
      P,
      (s) => editJson(s, FORWARDING_DOC, "content", (d) => delete d.parameters.portNumber.allowedValues),
      [`error SM-DOC-8 ${P}/${FORWARDING_DOC}: properties.portNumber takes parameter portNumber, which allows any value. Fix: ${fixOf("SM-DOC-8")}`],
    ],
    [
      "SM-DOC-8 (a port range, as AWS's own documents)",
      P,
      (s) =>
        editJson(s, SSH_DOC, "content", (d) => {
          delete d.parameters.portNumber.allowedValues;
          d.parameters.portNumber.allowedPattern = "^([1-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$";
        }),
      [
        `error SM-DOC-8 ${P}/${SSH_DOC}: properties.portNumber takes parameter portNumber, which allows the pattern "^([1-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$". Fix: ${fixOf("SM-DOC-8")}`,
      ],
    ],
    [
      "SM-DOC-8 (a free host)",
      P,
      (s) =>
        editJson(s, FORWARDING_DOC, "content", (d) => {
          d.parameters.host = { type: "String", description: "any host" };
          d.properties.host = "{{ host }}";
        }),
      [`error SM-DOC-8 ${P}/${FORWARDING_DOC}: properties.host takes parameter host, which allows any value. Fix: ${fixOf("SM-DOC-8")}`],
    ],
    [
      "SM-IAM-9",
      P,
      (s) =>
        editJson(s, "access-group-payments-developers/policy", "policy", (d) =>
          d.Statement.find((x: any) => x.Sid === "StartSessionWithApprovedDocuments").Resource.push("arn:aws:ssm:*::document/AWS-StartSSHSession"),
        ),
      [
        `error SM-IAM-9 ${P}/access-group-payments-developers/policy: statement StartSessionWithApprovedDocuments allows ssm:StartSession on arn:aws:ssm:*::document/AWS-StartSSHSession: the AWS-owned AWS-StartSSHSession, which forwards to any port. Fix: ${fixOf("SM-IAM-9")}`,
      ],
    ],
    [
      "SM-S3-11",
      L,
      (s) => resource(s, "log-bucket/access-logging").addOverride("target_bucket", "acme-session-logs-111111111111"),
      [
        `error SM-S3-1 ${L}/access-log-bucket/bucket: default encryption is [{"sse_algorithm":"AES256"}], not aws:kms with a key of this stack. Fix: ${fixOf("SM-S3-1")}`,
        `error SM-S3-10 ${L}/access-log-bucket/bucket: object_lock_enabled is unset, default retention mode is unset. Fix: ${fixOf("SM-S3-10")}`,
        `error SM-S3-11 ${L}/access-log-bucket/bucket: the bucket has no server access logging (aws_s3_bucket_logging). Fix: ${fixOf("SM-S3-11")}`,
        `error SM-S3-11 ${L}/log-bucket/access-logging: the bucket logs into itself, which loops and lets whoever may delete transcripts delete their traces. Fix: ${fixOf("SM-S3-11")}`,
      ],
    ],
    [
      "SM-EC2-6",
      P,
      (s) => resource(s, "bastion/instance").addOverride("user_data", "#!/bin/sh\nMatch User jump\n  AllowTcpForwarding yes\n"),
      [
        `error SM-EC2-6 ${P}/bastion/instance: user data: no PermitOpen restricts forwarding destinations. Fix: ${fixOf("SM-EC2-6")}`,
        `error SM-EC2-6 ${P}/bastion/instance: user data: AllowTcpForwarding yes allows remote forwarding. Fix: ${fixOf("SM-EC2-6")}`,
      ],
    ],
    [
      "SM-EC2-7",
      P,
      (s) => resource(s, "bastion/instance").addOverride("iam_instance_profile", "acme-session-instance"),
      [`error SM-EC2-7 ${P}/bastion/instance: iam_instance_profile is the workload instance role's (acme-session-instance). Fix: ${fixOf("SM-EC2-7")}`],
    ],
    [
      "SM-EC2-6 (no AllowTcpForwarding at all)",
      P,
      (s) => resource(s, "bastion/instance").addOverride("user_data", "#!/bin/sh\nMatch User jump\n  PermitOpen *:22\n"),
      [`error SM-EC2-6 ${P}/bastion/instance: user data: AllowTcpForwarding is unset: sshd's default, yes, allows remote forwarding. Fix: ${fixOf("SM-EC2-6")}`],
    ],
    [
      "SM-S3-1 (the access-log bucket with a KMS key, which S3 cannot deliver logs under)",
      L,
      (s) =>
        resource(s, "access-log-bucket/encryption").addOverride("rule.0.apply_server_side_encryption_by_default", {
          sse_algorithm: "aws:kms",
          kms_master_key_id: `\${aws_kms_key.${logKeyId}.arn}`,
        }),
      [
        `error SM-S3-1 ${L}/access-log-bucket/bucket: receives server access logs, and its default encryption is [{"kms_master_key_id":"\${aws_kms_key.${logKeyId}.arn}","sse_algorithm":"aws:kms"}], not AES256 (SSE-S3), the only one S3 delivers them under. Fix: ${fixOf("SM-S3-1")}`,
      ],
    ],
    [
      "SM-S3-10 (the transcript bucket is never excused, even as a log target)",
      L,
      (s) => {
        resource(s, "log-bucket/access-logging").addOverride("bucket", "acme-session-access-logs-111111111111");
        resource(s, "log-bucket/access-logging").addOverride("target_bucket", "acme-session-logs-111111111111");
        resource(s, "log-bucket/object-lock").addOverride("rule.default_retention.mode", undefined);
      },
      [
        `error SM-S3-1 ${L}/access-log-bucket/bucket: default encryption is [{"sse_algorithm":"AES256"}], not aws:kms with a key of this stack. Fix: ${fixOf("SM-S3-1")}`,
        `error SM-S3-10 ${L}/access-log-bucket/bucket: object_lock_enabled is unset, default retention mode is unset. Fix: ${fixOf("SM-S3-10")}`,
        `error SM-S3-10 ${L}/log-bucket/bucket: object_lock_enabled is true, default retention mode is unset. Fix: ${fixOf("SM-S3-10")}`,
        `error SM-S3-11 ${L}/log-bucket/bucket: the bucket has no server access logging (aws_s3_bucket_logging). Fix: ${fixOf("SM-S3-11")}`,
      ],
    ],
  ];

  // Rules that do not read the alert or connectivity resources are shown their violations in a stack without them:
  // a fifth of the resources, so the suite stays quick. The example with everything on passes every rule (above).
  const withoutAlerts = (raw: Record<string, any>): void => {
    delete raw.observabilityDefaults;
    for (const w of raw.workloads) delete w.observability;
  };
  const connected = withConfig(withoutAlerts);
  const lean = withConfig((raw) => {
    withoutAlerts(raw);
    for (const w of raw.workloads) delete w.connectivity;
  });
  // Alert rules need the alerts on; the others are checked where nothing else could report.
  const configFor = (id: string): Config => (/^SM-(SNS-\d+|LMB-\d+|CW-3)$/.test(id.split(" ")[0]) ? config : /^SM-EC2-/.test(id) ? connected : lean);

  test.each(violations)("%s", (id, stack, mutate, expected) => {
    expect(findings(configFor(id), stack, mutate)).toEqual(expected);
  });

  test("every rule has a violation above (SM-IAM-3 has its own test below)", () => {
    const covered = new Set([...violations.map(([name]) => name.split(" ")[0]), "SM-IAM-3", "SM-ORG-5"]);
    expect(RULES.map((r) => r.id).filter((id) => !covered.has(id))).toEqual([]);
  });

  // Counter-examples a review found: each was let through before its rule was tightened.
  const withStatement = (path: string, argument: string, edit: (statement: any) => void, sid: string) => (s: TerraformStack) =>
    editJson(s, path, argument, (d) => edit(d.Statement.find((x: any) => x.Sid === sid)));
  test.each<[string, string, (s: TerraformStack) => void, string]>([
    [
      "SM-KMS-4: StringNotEquals does not restrict",
      L,
      withStatement("log-key/key", "policy", (st) => (st.Condition = { StringNotEquals: { "aws:PrincipalAccount": "111111111111" } }), "OrganizationWritesThroughS3"),
      `error SM-KMS-4 ${L}/log-key/key: statement OrganizationWritesThroughS3 allows Principal * with no exact account or organization condition`,
    ],
    [
      "SM-S3-7: StringLike aws:PrincipalOrgID * does not restrict",
      L,
      withStatement("log-bucket/policy", "policy", (st) => (st.Condition = { StringLike: { "aws:PrincipalOrgID": "*" } }), "OrganizationReadsEncryptionConfiguration"),
      `error SM-S3-7 ${L}/log-bucket/policy: statement OrganizationReadsEncryptionConfiguration allows Principal * with no exact organization or account condition`,
    ],
    [
      "SM-IAM-9: a wildcard that takes in AWS's port-forwarding documents",
      P,
      withStatement("access-group-payments-operators/policy", "policy", (st) => st.Resource.push("arn:aws:ssm:eu-west-1::document/AWS-StartPortForwardingSession*"), "StartSessionWithApprovedDocuments"),
      `error SM-IAM-9 ${P}/access-group-payments-operators/policy: statement StartSessionWithApprovedDocuments allows ssm:StartSession on arn:aws:ssm:eu-west-1::document/AWS-StartPortForwardingSession*: the AWS-owned AWS-StartPortForwardingSession, which forwards to any port`,
    ],
    [
      "SM-IAM-9: every document of the account",
      P,
      withStatement("access-group-payments-operators/policy", "policy", (st) => st.Resource.push("arn:aws:ssm:eu-west-1:222222222222:document/*"), "StartSessionWithApprovedDocuments"),
      `error SM-IAM-9 ${P}/access-group-payments-operators/policy: statement StartSessionWithApprovedDocuments allows ssm:StartSession on arn:aws:ssm:eu-west-1:222222222222:document/*: a wildcard of documents`,
    ],
    [
      "SM-IAM-1: a role's inline_policy is read too",
      P,
      (s) => resource(s, "instance-role/role").addOverride("inline_policy", [{ name: "x", policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "All", Effect: "Allow", Action: "*", Resource: "*" }] }) }]),
      `error SM-IAM-1 ${P}/instance-role/role: statement All allows *`,
    ],
    [
      "SM-IAM-1: a policy the rules cannot read",
      P,
      (s) => resource(s, "instance-role/session-logging").addOverride("policy", "${data.aws_iam_policy_document.p.json}"),
      `error SM-IAM-1 ${P}/instance-role/session-logging: the policy is not a JSON document (a data source or an expression): the rules cannot read it`,
    ],
    [
      "SM-IAM-2: kms:ReEncryptFrom on *",
      P,
      withStatement("instance-role/session-logging", "policy", (st) => Object.assign(st, { Action: "kms:ReEncryptFrom", Resource: "*" }), "DecryptSessionData"),
      `error SM-IAM-2 ${P}/instance-role/session-logging: statement DecryptSessionData allows decryption on "*"`,
    ],
    [
      "SM-IAM-4: AdministratorAccess looked up with a data source",
      P,
      (s) => {
        new DataAwsIamPolicy(s, "admin", { name: "AdministratorAccess" });
        resource(s, "instance-role/ssm-core").addOverride("policy_arn", "${data.aws_iam_policy.admin.arn}");
      },
      `error SM-IAM-4 ${P}/instance-role/ssm-core: attaches policy/AdministratorAccess`,
    ],
    [
      "SM-IAM-6: every instance in every account, untagged",
      P,
      withStatement("access-group-payments-operators/policy", "policy", (st) => Object.assign(st, { Resource: "arn:aws:ec2:*:*:instance/*", Condition: { BoolIfExists: { "ssm:SessionDocumentAccessCheck": "true" } } }), "StartSessionOnTaggedInstances"),
      `error SM-IAM-6 ${P}/access-group-payments-operators/policy: statement StartSessionOnTaggedInstances allows ssm:StartSession on every instance with no tag condition`,
    ],
    [
      "SM-IAM-7: an MFA deny scoped to one instance",
      P,
      withStatement("access-group-payments-operators/policy", "policy", (st) => (st.Resource = "arn:aws:ec2:eu-west-1:222222222222:instance/i-0123456789abcdef0"), "DenySessionsWithoutMfa"),
      `error SM-IAM-7 ${P}/access-group-payments-operators/policy: no Deny of ssm:StartSession, ssm:ResumeSession, ssm:TerminateSession, ssm:SendCommand, ssm:StartAutomationExecution, ssm:CreateAssociation, ssm:CreateAssociationBatch, ssm:UpdateAssociation, ec2-instance-connect:SendSSHPublicKey, ec2-instance-connect:SendSerialConsoleSSHPublicKey on * whose only condition is BoolIfExists aws:MultiFactorAuthPresent "false"`,
    ],
    [
      "SM-IAM-8: a preferences deny that never applies",
      P,
      withStatement("access-group-payments-operators/policy", "policy", (st) => (st.Condition = { StringEquals: { "aws:username": "nobody-at-all" } }), "DenyPreferencesDocumentChanges"),
      `error SM-IAM-8 ${P}/access-group-payments-operators/policy: no unconditional Deny of ssm:CreateDocument, ssm:UpdateDocument, ssm:DeleteDocument on arn:aws:ssm:*:222222222222:document/SSM-SessionManagerRunShell`,
    ],
    [
      "SM-S3-5: overwritten versions kept one day",
      L,
      (s) => resource(s, "log-bucket/lifecycle").addOverride("rule.0.noncurrent_version_expiration", [{ noncurrent_days: 1 }]),
      `error SM-S3-5 ${L}/log-bucket/bucket: lifecycle rule archive-then-expire-transcripts expires overwritten versions after 1 days, below compliance.minLogRetentionDays (365)`,
    ],
    [
      "SM-S3-6: TLS enforced on objects only",
      L,
      withStatement("log-bucket/policy", "policy", (st) => Object.assign(st, { Action: "s3:*Object", Resource: "arn:aws:s3:::acme-session-logs-111111111111/*" }), "DenyInsecureTransport"),
      `error SM-S3-6 ${L}/log-bucket/bucket: no bucket policy statement denies s3:* on the bucket and its objects without aws:SecureTransport`,
    ],
    [
      "SM-S3-10: Object Lock on, no default retention",
      L,
      (s) => resource(s, "log-bucket/object-lock").addOverride("rule.default_retention.mode", undefined),
      `error SM-S3-10 ${L}/log-bucket/bucket: object_lock_enabled is true, default retention mode is unset`,
    ],
    [
      "SM-PRV-1: a workload provider pinned to the log-archive account",
      P,
      (s) => new AwsProvider(s, "stray", { region: "us-west-2", alias: "stray", allowedAccountIds: ["111111111111"] }),
      `error SM-PRV-1 ${P}/provider.aws.stray: provider in us-west-2 allows ["111111111111"], not only 222222222222`,
    ],
    [
      "SM-DOC-4: another Session document running as root",
      P,
      (s) =>
        new SsmDocument(s, "other-session", {
          name: "Team-Shell",
          documentType: "Session",
          documentFormat: "JSON",
          content: JSON.stringify({ schemaVersion: "1.0", sessionType: "Standard_Stream", inputs: { s3BucketName: "acme-session-logs-111111111111", s3KeyPrefix: "222222222222/eu-west-1", s3EncryptionEnabled: true, kmsKeyId: "", runAsEnabled: true, runAsDefaultUser: "root", idleSessionTimeout: "20", maxSessionDuration: "60" } }),
        }),
      `error SM-DOC-4 ${P}/other-session: runAsDefaultUser is "root"`,
    ],
  ])("%s", (_t, stack, mutate, line) => {
    expect(findings(lean, stack, mutate).map((f) => f.split(". Fix: ")[0])).toContain(line);
  });

  test("SM-S3-8: principals of the log account itself are not other accounts", () => {
    const auditor = withStatement(
      "log-bucket/policy",
      "policy",
      (st) => Object.assign(st, { Principal: { AWS: "arn:aws:iam::111111111111:role/Auditor" }, Action: ["s3:GetObject"], Condition: undefined }),
      "OrganizationReadsEncryptionConfiguration",
    );
    expect(findings(config, L, auditor).filter((f) => f.includes("SM-S3-8"))).toEqual([]);
  });

  test("SM-ORG-5: an SCP Deny that would catch the deploy role of deployment.assumeRole, in every account", () => {
    const deploying = (exempt: string[]): Config =>
      withConfig((raw) => {
        raw.deployment.assumeRole = { roleName: "OrganizationAccountAccessRole" };
        raw.organization.guardrails.exemptPrincipals = exempt;
      });
    const caught = findings(deploying(["arn:aws:iam::*:role/platform-deploy"]), O).filter((f) => f.includes("SM-ORG-5"));
    expect(caught).toHaveLength(10);
    expect(caught[0]).toBe(
      `error SM-ORG-5 ${O}/${SCP}: Deny ScpProtectSessionDocuments applies to the deploy role arn:aws:iam::111111111111:role/OrganizationAccountAccessRole and 3 more. Fix: ${fixOf("SM-ORG-5")}`,
    );
    expect(findings(deploying(["arn:aws:iam::*:role/OrganizationAccountAccessRole"]), O)).toEqual([]);
  });

  test("SM-IAM-3: a policy attached to a user", () => {
    expect(
      findings(config, P, (s) => {
        const user = resource(s, "user-alice.example/user");
        new IamUserPolicyAttachment(s, "direct", {
          user: (user as unknown as { name: string }).name,
          policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
        });
      }),
    ).toEqual([`error SM-IAM-3 ${P}/direct: arn:aws:iam::aws:policy/ReadOnlyAccess attached to a user. Fix: ${fixOf("SM-IAM-3")}`]);
  });

  test("thresholds come from the config: SM-DOC-3 and SM-CW-2 over their limits", () => {
    const strict = withConfig((raw) => (raw.compliance = { maxIdleTimeoutMinutes: 15, minLogRetentionDays: 400 }));
    expect(findings(strict, P)).toEqual([
      `error SM-DOC-3 ${P}/session-eu-west-1/preferences: inputs.idleSessionTimeout is 20 min, above compliance.maxIdleTimeoutMinutes (15). Fix: Set session.idleTimeoutMinutes to at most 15, or raise compliance.maxIdleTimeoutMinutes.`,
      `error SM-DOC-3 ${P}/session-eu-central-1/preferences: inputs.idleSessionTimeout is 20 min, above compliance.maxIdleTimeoutMinutes (15). Fix: Set session.idleTimeoutMinutes to at most 15, or raise compliance.maxIdleTimeoutMinutes.`,
      `error SM-CW-2 ${P}/session-eu-west-1/log-group: retention_in_days is 365, below compliance.minLogRetentionDays (400). Fix: ${fixOf("SM-CW-2")}`,
      `error SM-CW-2 ${P}/session-eu-central-1/log-group: retention_in_days is 365, below compliance.minLogRetentionDays (400). Fix: ${fixOf("SM-CW-2")}`,
      `error SM-CW-2 ${P}/monitoring-eu-west-1/watchdog/log-group: retention_in_days is 365, below compliance.minLogRetentionDays (400). Fix: ${fixOf("SM-CW-2")}`,
      `error SM-CW-2 ${P}/monitoring-eu-central-1/watchdog/log-group: retention_in_days is 365, below compliance.minLogRetentionDays (400). Fix: ${fixOf("SM-CW-2")}`,
    ]);
  });

  test("SM-CW-3: alerts on with tamperEvents off is an error in every region of the workload", () => {
    const off = withConfig((raw) => (raw.workloads[0].observability.tamperEvents = { enabled: false }));
    expect(findings(off, P)).toEqual(
      ["eu-west-1", "eu-central-1"].map(
        (region) =>
          `error SM-CW-3 ${P}/monitoring-${region}/alerts/topic: no EventBridge rule in ${region} alerts this topic on tampering (observability.tamperEvents is off?). Fix: ${fixOf("SM-CW-3")}`,
      ),
    );
    // Alerts off altogether: no topic, nothing to alert.
    const quiet = withConfig((raw) => {
      delete raw.observabilityDefaults;
      delete raw.workloads[0].observability;
    });
    expect(findings(quiet, P).filter((f) => f.includes("SM-CW-3"))).toEqual([]);
  });

  test("SM-S3-10: Object Lock is required by default, and only then; the default config has it", () => {
    const noLock = withConfig((raw) => (raw.logArchive.objectLock = false));
    expect(findings(noLock, L)).toEqual([`error SM-S3-10 ${L}/log-bucket/bucket: object_lock_enabled is unset, default retention mode is unset. Fix: ${fixOf("SM-S3-10")}`]);
    expect(findings(withConfig((raw) => delete raw.logArchive.objectLock), L)).toEqual([]);
    const optional = withConfig((raw) => {
      raw.logArchive.objectLock = false;
      raw.compliance = { requireObjectLock: false };
    });
    expect(findings(optional, L)).toEqual([]);
  });

  test("SM-IAM-7: MFA turned off in the config is a warning, not an error", () => {
    const noMfa = withConfig((raw) => (raw.workloads[0].accessGroups[0].mfaRequired = false));
    expect(findings(noMfa, P)).toEqual([
      `warning SM-IAM-7 ${P}/access-group-payments-operators/policy: MFA is not required for payments-operators (workloads[].accessGroups[0].mfaRequired: false). Fix: ${fixOf("SM-IAM-7")}`,
    ]);
  });
});

/** The logical id of the session key in `region`, for references in edited documents. */
function keyId(stack: TerraformStack, region: string): string {
  return Object.entries(unchanged(stack).resource.aws_kms_key as Record<string, any>).find(([, b]) =>
    b["//"].metadata.path.includes(`session-${region}/`),
  )![0];
}

describe("as a cdktf validation", () => {
  test("Testing.synth(stack, true) fails on a finding, with its line", () => {
    const stack = buildOne(exampleConfig(), L);
    resource(stack, "log-key/key").addOverride("enable_key_rotation", false);
    expect(() => Testing.synth(stack, true)).toThrow(`[${L}] error SM-KMS-1 ${L}/log-key/key: enable_key_rotation is false. Fix: ${fixOf("SM-KMS-1")}`);
  });

  test("the JSON the validation checked is handed to the next write once, then resolved afresh", () => {
    const stack = buildOne(exampleConfig(), L) as LogArchiveStack;
    const checked = stack.terraformToValidate();
    expect(stack.toTerraform()).toBe(checked);
    resource(stack, "log-key/key").addOverride("description", "changed later");
    const [key] = Object.values(stack.toTerraform().resource.aws_kms_key) as Record<string, unknown>[];
    expect(key.description).toBe("changed later");
  });

  test("synth checks the stacks after their Aspects, as written", async () => {
    const app = Testing.app({ stackTraces: false });
    const { logArchive } = buildStacks(app, exampleConfig());
    Aspects.of(logArchive).add({
      visit: (node) => {
        if (node instanceof TerraformResource && node.terraformResourceType === "aws_kms_key") node.addOverride("enable_key_rotation", false);
      },
    });
    expect(() => app.synth()).toThrow(/error SM-KMS-1 log-archive\/log-key\/key: enable_key_rotation is false/);
  });
});

describe("suppressions", () => {
  const raw = exampleRaw();
  raw.workloads[0].session = { maxSessionDurationMinutes: 240 };

  test("a violating config stops synth: one line per finding, exit 1, no stack trace, nothing written", () => {
    const dir = mkdtempSync(join(tmpdir(), "compliance-"));
    try {
      writeFileSync(join(dir, "org.yaml"), stringify(raw));
      const run = spawnSync(process.execPath, [join(ROOT, "scripts", "app.js")], {
        cwd: dir,
        env: { ...process.env, SESSIONS_CONFIG: "org.yaml", CDKTF_OUTDIR: "out" },
        encoding: "utf8",
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toBe(
        [
          "compliance: 2 findings stop the synth (suppress one under compliance.suppressions, with a reason)",
          `  error SM-DOC-3 ${P}/session-eu-west-1/preferences: inputs.maxSessionDuration is 240 min, above compliance.maxSessionDurationMinutes (60). Fix: Set session.maxSessionDurationMinutes to at most 60, or raise compliance.maxSessionDurationMinutes.`,
          `  error SM-DOC-3 ${P}/session-eu-central-1/preferences: inputs.maxSessionDuration is 240 min, above compliance.maxSessionDurationMinutes (60). Fix: Set session.maxSessionDurationMinutes to at most 60, or raise compliance.maxSessionDurationMinutes.`,
          "",
        ].join("\n"),
      );
      expect(existsSync(join(dir, "out"))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a suppression with a reason lets synth through; one for a single resource covers only it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "compliance-"));
    try {
      const reason = "Batch operators need four-hour sessions until the ETL runbook is split (OPS-123).";
      const one = { ...raw, compliance: { suppressions: [{ rule: "SM-DOC-3", stack: P, resource: "session-eu-west-1/preferences", reason }] } };
      await expect(synthesize(validateConfig(one), join(dir, "out"))).rejects.toThrow(ComplianceError);
      await expect(synthesize(validateConfig(one), join(dir, "out"))).rejects.toThrow(/^compliance: 1 finding stops the synth/);

      const all = { ...raw, compliance: { suppressions: [{ rule: "SM-DOC-3", stack: P, reason }] } };
      const result = await synthesize(validateConfig(all), join(dir, "out"));
      expect(result.warnings).toEqual([]);
      expect(existsSync(join(dir, "out", "stacks", P, "cdk.tf.json"))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("synth prints MFA turned off as a warning, and goes on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "compliance-"));
    try {
      const noMfa = exampleRaw();
      noMfa.workloads[1].accessGroups[0].mfaRequired = false;
      const result = await synthesize(validateConfig(noMfa), join(dir, "out"));
      expect(result.warnings).toEqual([
        `warning SM-IAM-7 workload-analytics/access-group-data-engineers/policy: MFA is not required for data-engineers (workloads[].accessGroups[0].mfaRequired: false). Fix: ${fixOf("SM-IAM-7")}`,
      ]);
      expect(existsSync(join(dir, "out", "stacks", "workload-analytics", "cdk.tf.json"))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a suppression that matches nothing is a warning", async () => {
    const dir = mkdtempSync(join(tmpdir(), "compliance-"));
    try {
      const stale = exampleRaw();
      stale.compliance = { suppressions: [{ rule: "SM-KMS-1", stack: L, reason: "Rotation was off while the key was imported; now on." }] };
      const result = await synthesize(validateConfig(stale), join(dir, "out"));
      expect(result.warnings).toEqual(["warning compliance.suppressions: SM-KMS-1 for log-archive matches no finding; remove it"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("bad suppressions are config errors, each with its path", () => {
    const bad = exampleRaw();
    bad.compliance = {
      suppressions: [
        { rule: "SM-XYZ-9", stack: L, reason: "a reason that is long enough here" },
        { rule: "SM-DOC-3", stack: "workload-nope", reason: "a reason that is long enough here" },
        { rule: "SM-DOC-3", stack: P, reason: "because" },
        { rule: "SM-DOC-3", stack: P },
      ],
    };
    let message = "";
    try {
      validateConfig(bad);
    } catch (e) {
      message = (e as Error).message;
    }
    const lines = message.split("\n");
    expect(lines[0]).toBe("sessions.yaml: 4 problems");
    expect(lines.slice(1)).toEqual(
      expect.arrayContaining([
        '  compliance.suppressions[0].rule: is not a rule of the pack (see docs/compliance-rules.md) (got "SM-XYZ-9")',
        '  compliance.suppressions[1].stack: is not a stack of this config (log-archive, workload-payments, workload-analytics, workload-batch, identity-center, just-in-time) (got "workload-nope")',
        '  compliance.suppressions[2].reason: must explain, in at least 20 characters, why the finding is acceptable (got "because")',
        expect.stringMatching(/^ {2}compliance\.suppressions\[3\]\.reason: /),
      ]),
    );
  });
});
