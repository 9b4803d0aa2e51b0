import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { validateConfig } from "../config/load";
import {
  DefaultHostManagementRole,
  FleetHygiene,
  NO_SUDO_RULE,
  REMOVE_SSM_USER_SUDO_SCRIPT,
  removeSsmUserSudoContent,
  SSM_AGENT_SUDOERS_FILE,
} from "../modules/fleet-hygiene";
import { arnMatches, asList, exampleConfig, exampleRaw, onlyResource, policyOf, resourcesOf, statement, synthAll, terraformLiteral, type Synth, problemsOf } from "./helpers";

/**
 * Fleet hygiene of a workload account: AWS-UpdateSSMAgent everywhere on a schedule, the RemoveSsmUserSudo document
 * and its association on tagged instances, and Default Host Management with a role that logs like the instance role.
 * The example turns all three on for payments (eu-west-1, the home region, and eu-central-1) and none for analytics.
 */

const config = exampleConfig();
const stacks = synthAll(config);
const payments: Synth = stacks["workload-payments"];
const analytics: Synth = stacks["workload-analytics"];
const REGIONS = [
  ["eu-west-1", "aws"],
  ["eu-central-1", "aws.eu-central-1"],
] as const;
const FLEET_TYPES = ["aws_ssm_association", "aws_ssm_service_setting"];

/** The one resource of `type` below `fleet-<region>/` whose construct id is `id`. */
function inRegion(stack: Synth, type: string, region: string, id: string): [string, Record<string, any>] {
  const found = resourcesOf(stack, type, `fleet-${region}/${id}_`);
  if (found.length !== 1) throw new Error(`expected one ${type} ${id} in ${region}, found ${found.length}`);
  return found[0];
}

/** Every resource of the fleet constructs, as `type.logicalId`. */
const fleetResources = (stack: Synth): string[] =>
  Object.entries<Record<string, unknown>>(stack.resource ?? {}).flatMap(([type, byId]) =>
    Object.keys(byId)
      .filter((id) => id.startsWith("fleet"))
      .map((id) => `${type}.${id}`),
  );

function withFleet(fleet: Record<string, unknown> | undefined): Synth {
  const raw = exampleRaw();
  if (fleet === undefined) delete raw.workloads[0].connectivity.fleet;
  else raw.workloads[0].connectivity.fleet = fleet;
  return synthAll(validateConfig(raw))["workload-payments"];
}

describe("AWS-UpdateSSMAgent", () => {
  test.each(REGIONS)("%s: every managed instance, on the configured schedule, rolled out in tenths", (region, provider) => {
    const [, association] = inRegion(payments, "aws_ssm_association", region, "update-agent");
    expect(association).toEqual({
      name: "AWS-UpdateSSMAgent",
      association_name: "acme-update-ssm-agent",
      schedule_expression: "rate(14 days)",
      targets: [{ key: "InstanceIds", values: ["*"] }],
      compliance_severity: "MEDIUM",
      max_concurrency: "10%",
      max_errors: "10%",
      provider,
    });
  });

  test("a cron schedule is passed through as written", () => {
    const stack = withFleet({ updateAgentSchedule: "cron(0 3 ? * SUN *)" });
    expect(inRegion(stack, "aws_ssm_association", "eu-west-1", "update-agent")[1].schedule_expression).toBe("cron(0 3 ? * SUN *)");
  });
});

describe("RemoveSsmUserSudo", () => {
  test.each(REGIONS)("%s: a schema 2.2 Command document for Linux, in JSON", (region, provider) => {
    const [, document] = inRegion(payments, "aws_ssm_document", region, "remove-ssm-user-sudo-document");
    expect(document).toMatchObject({ name: "acme-RemoveSsmUserSudo", document_type: "Command", document_format: "JSON", provider });
    // terraformLiteral fails on any live template sequence: the script's $ variables must reach AWS as written.
    const content = JSON.parse(terraformLiteral(document.content));
    expect(content).toEqual(removeSsmUserSudoContent());
    expect(content).toMatchObject({ schemaVersion: "2.2" });
    expect(content.mainSteps).toHaveLength(1);
    const [step] = content.mainSteps;
    expect(step).toMatchObject({ action: "aws:runShellScript", precondition: { StringEquals: ["platformType", "Linux"] } });
    expect(step.inputs.runCommand).toEqual([
      "set -eu",
      "file=/etc/sudoers.d/ssm-agent-users",
      "rule='#User rules for ssm-user'",
      'if [ ! -d /etc/sudoers.d ]; then echo "no /etc/sudoers.d: the agent has granted ssm-user nothing"; exit 0; fi',
      'if [ -L "$file" ]; then echo "$file is a symbolic link: left alone" >&2; exit 1; fi',
      'if [ -f "$file" ] && [ "$(cat "$file")" = "$rule" ]; then echo "ssm-user already has no sudo rule"; exit 0; fi',
      "printf '%s\\n' \"$rule\" > \"$file\"",
      'chown 0:0 "$file"',
      'chmod 0440 "$file"',
      'echo "ssm-user sudo rule removed from $file"',
    ]);
  });

  test("the script names no other file than the agent's sudoers file", () => {
    const paths = REMOVE_SSM_USER_SUDO_SCRIPT.join("\n").match(/\/[a-z][\w./-]*/g) ?? [];
    expect([...new Set(paths)].sort()).toEqual(["/etc/sudoers.d", SSM_AGENT_SUDOERS_FILE]);
  });

  test.each(REGIONS)("%s: associated daily and at once with the tagged instances, running this region's document", (region, provider) => {
    const [documentId] = inRegion(payments, "aws_ssm_document", region, "remove-ssm-user-sudo-document");
    const [, association] = inRegion(payments, "aws_ssm_association", region, "remove-ssm-user-sudo");
    expect(association).toEqual({
      name: `\${aws_ssm_document.${documentId}.name}`,
      association_name: "acme-remove-ssm-user-sudo",
      schedule_expression: "rate(1 day)",
      apply_only_at_cron_interval: false,
      targets: [{ key: "tag:SsmUserSudo", values: ["removed"] }],
      compliance_severity: "HIGH",
      max_concurrency: "10%",
      max_errors: "10%",
      provider,
    });
  });

  test("session users may not change or create it, in any region", () => {
    for (const [, p] of resourcesOf(payments, "aws_iam_policy", "access-group-")) {
      const deny = statement(policyOf(p.policy), "DenyPreferencesDocumentChanges");
      expect(deny.Effect).toBe("Deny");
      expect(deny.Condition).toBeUndefined();
      expect(asList(deny.Action)).toEqual(expect.arrayContaining(["ssm:CreateDocument", "ssm:UpdateDocument", "ssm:DeleteDocument"]));
      for (const region of ["eu-west-1", "eu-central-1", "us-east-1"]) {
        const document = `arn:aws:ssm:${region}:222222222222:document/acme-RemoveSsmUserSudo`;
        expect(asList(deny.Resource).some((r) => arnMatches(r, document))).toBe(true);
      }
    }
  });

  describe("the script, run with sh against a stand-in /etc", () => {
    let root: string;
    let sudoers: string;
    let file: string;
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), "sudoers-"));
      sudoers = join(root, "etc/sudoers.d");
      file = join(sudoers, "ssm-agent-users");
      mkdirSync(sudoers, { recursive: true });
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    /** Runs the script with /etc/sudoers.d moved under `root`; chown needs root, so others skip it. */
    const run = (): { status: number; output: string } => {
      const asRoot = process.getuid?.() === 0;
      const script = REMOVE_SSM_USER_SUDO_SCRIPT.map((line) => (!asRoot && line.startsWith("chown ") ? ":" : line))
        .join("\n")
        .replaceAll("/etc/sudoers.d", sudoers);
      try {
        return { status: 0, output: execFileSync("sh", ["-c", script], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }) };
      } catch (e: any) {
        return { status: e.status, output: `${e.stdout}${e.stderr}` };
      }
    };

    test("replaces the agent's rule with the comment, read-only, and then leaves it alone", () => {
      writeFileSync(file, "# User rules for ssm-user\nssm-user ALL=(ALL) NOPASSWD:ALL\n", { mode: 0o440 });
      expect(run()).toEqual({ status: 0, output: expect.stringContaining("removed") });
      expect(readFileSync(file, "utf8")).toBe(`${NO_SUDO_RULE}\n`);
      expect(statSync(file).mode & 0o777).toBe(0o440);
      const before = statSync(file).mtimeMs;
      expect(run()).toEqual({ status: 0, output: expect.stringContaining("already has no sudo rule") });
      expect(statSync(file).mtimeMs).toBe(before);
    });

    test("creates the comment-only file before the agent creates its rule", () => {
      expect(run().status).toBe(0);
      expect(readFileSync(file, "utf8")).toBe(`${NO_SUDO_RULE}\n`);
    });

    test("refuses a symbolic link, and does nothing without /etc/sudoers.d", () => {
      const target = join(root, "elsewhere");
      symlinkSync(target, file);
      expect(run()).toEqual({ status: 1, output: expect.stringContaining("symbolic link") });
      expect(() => statSync(target)).toThrow();
      rmSync(sudoers, { recursive: true });
      expect(run()).toEqual({ status: 0, output: expect.stringContaining("no ") });
    });
  });
});

describe("Default Host Management", () => {
  const [[roleId, role]] = resourcesOf(payments, "aws_iam_role", "fleet/");

  test("one role for the account (IAM is global), trusted by Systems Manager only", () => {
    expect(resourcesOf(payments, "aws_iam_role", "fleet")).toHaveLength(1);
    expect(role).toMatchObject({ name: "acme-session-default-host", path: "/service-role/" });
    expect(role.provider).toBeUndefined();
    expect(policyOf(role.assume_role_policy)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "SsmAssumesRole", Effect: "Allow", Principal: { Service: "ssm.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
  });

  test("gets AmazonSSMManagedEC2InstanceDefaultPolicy and nothing broader", () => {
    expect(onlyResource(payments, "aws_iam_role_policy_attachment", "fleet/")).toEqual({
      role: `\${aws_iam_role.${roleId}.name}`,
      policy_arn: "arn:aws:iam::aws:policy/AmazonSSMManagedEC2InstanceDefaultPolicy",
    });
  });

  test("logs exactly like the instance role", () => {
    const logging = onlyResource(payments, "aws_iam_role_policy", "fleet/");
    expect(logging).toMatchObject({ name: "session-logging", role: `\${aws_iam_role.${roleId}.id}` });
    const instance = onlyResource(payments, "aws_iam_role_policy", "instance-role/session-logging");
    expect(policyOf(logging.policy)).toEqual(policyOf(instance.policy));
    expect(statement(policyOf(logging.policy), "WriteOwnTranscripts").Resource).toEqual([
      "arn:aws:s3:::acme-session-logs-111111111111/222222222222/eu-west-1/*",
      "arn:aws:s3:::acme-session-logs-111111111111/222222222222/eu-central-1/*",
    ]);
  });

  test.each(REGIONS)("%s: the service setting names the role by path and name, once the role can log", (region, provider) => {
    const [, setting] = inRegion(payments, "aws_ssm_service_setting", region, "default-host-management");
    const grants = [
      `aws_iam_role.${roleId}`,
      `aws_iam_role_policy_attachment.${resourcesOf(payments, "aws_iam_role_policy_attachment", "fleet/")[0][0]}`,
      `aws_iam_role_policy.${resourcesOf(payments, "aws_iam_role_policy", "fleet/")[0][0]}`,
    ];
    expect(setting).toEqual({
      setting_id: `arn:aws:ssm:${region}:222222222222:servicesetting/ssm/managed-instance/default-ec2-instance-management-role`,
      setting_value: "service-role/acme-session-default-host",
      depends_on: grants,
      provider,
    });
  });
});

describe("only what is configured", () => {
  test("a workload without fleet settings gets no association, document, setting or role", () => {
    expect(config.workloads.find((w) => w.name === "analytics")!.connectivity.fleet).toEqual({ defaultHostManagement: false });
    expect(fleetResources(analytics)).toEqual([]);
    for (const type of FLEET_TYPES) expect(resourcesOf(analytics, type)).toEqual([]);
    expect(withFleet(undefined).resource.aws_ssm_association).toBeUndefined();
    expect(fleetResources(withFleet({ defaultHostManagement: false }))).toEqual([]);
  });

  test("each part on its own", () => {
    const kinds = (stack: Synth): string[] =>
      [...new Set(fleetResources(stack).map((r) => r.replace(/\.fleet(-[a-z0-9-]+?)?_([a-z-]+)_[0-9A-F]+$/, ".$2")))].sort();
    expect(kinds(withFleet({ updateAgentSchedule: "rate(7 days)" }))).toEqual(["aws_ssm_association.update-agent"]);
    expect(kinds(withFleet({ removeSsmUserSudo: { tagKey: "Sudo", tagValue: "off" } }))).toEqual([
      "aws_ssm_association.remove-ssm-user-sudo",
      "aws_ssm_document.remove-ssm-user-sudo-document",
    ]);
    expect(kinds(withFleet({ defaultHostManagement: true }))).toEqual([
      "aws_iam_role.role",
      "aws_iam_role_policy.session-logging",
      "aws_iam_role_policy_attachment.managed-policy",
      "aws_ssm_service_setting.default-host-management",
    ]);
  });
});

describe("errors", () => {
  const fleetConfig = (fleet: Record<string, unknown>) => {
    const raw = exampleRaw();
    raw.workloads[0].connectivity.fleet = fleet;
    return raw;
  };

  test("a schedule that is neither rate(...) nor cron(...)", () => {
    expect(problemsOf(fleetConfig({ updateAgentSchedule: "every 14 days" }))).toEqual([
      "workloads[0].connectivity.fleet.updateAgentSchedule: must be a State Manager schedule such as rate(14 days) or cron(0 3 ? * SUN *)",
    ]);
  });

  test("a tag key or value EC2 would not accept", () => {
    expect(problemsOf(fleetConfig({ removeSsmUserSudo: { tagKey: "aws:sudo", tagValue: "removed" } }))).toEqual([
      "workloads[0].connectivity.fleet.removeSsmUserSudo.tagKey: must not start with 'aws:' (reserved by AWS)",
    ]);
    expect(problemsOf(fleetConfig({ removeSsmUserSudo: { tagKey: "SsmUserSudo", tagValue: "no;sudo" } }))).toEqual([
      expect.stringMatching(/^workloads\[0\]\.connectivity\.fleet\.removeSsmUserSudo\.tagValue: must be an EC2 tag value/),
    ]);
    expect(problemsOf(fleetConfig({ removeSsmUserSudo: { tagKey: "SsmUserSudo" } }))).toEqual([
      expect.stringMatching(/^workloads\[0\]\.connectivity\.fleet\.removeSsmUserSudo\.tagValue: /),
    ]);
  });

  test("a name prefix SSM reserves for its own documents", () => {
    const raw = exampleRaw();
    raw.organization.namePrefix = "amazon-ops";
    expect(problemsOf(raw)).toEqual([
      "workloads[0].connectivity.fleet.removeSsmUserSudo: needs an SSM document named amazon-ops-RemoveSsmUserSudo, but SSM reserves names starting with 'amazon': choose another organization.namePrefix",
      "workloads[0].accessGroups[1].allowSsh: needs SSM documents named amazon-ops-..., but SSM reserves names starting with 'amazon': choose another organization.namePrefix",
    ]);
  });

  test("the construct: the role exactly when Default Host Management is on", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    const props = { namePrefix: "acme", accountId: "222222222222", region: "eu-west-1", provider: undefined as any };
    expect(() => new FleetHygiene(stack, "a", { ...props, fleet: { defaultHostManagement: true } })).toThrow(
      /defaultHostRole must be given exactly when fleet.defaultHostManagement is true \(it is true\)/,
    );
    const logs = { bucketName: "b", logAccountId: "111111111111", logRegion: "eu-west-1" };
    const defaultHostRole = new DefaultHostManagementRole(stack, "role", { namePrefix: "acme", accountId: "222222222222", logs, regions: [] });
    expect(() => new FleetHygiene(stack, "c", { ...props, fleet: { defaultHostManagement: false }, defaultHostRole })).toThrow(
      /\(it is false\)/,
    );
  });
});
