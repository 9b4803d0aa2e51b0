import { Testing } from "cdktf";
import { ConfigError } from "../config/errors";
import { validateConfig } from "../config/load";
import {
  CONTROL_POLICY_MAX_CHARS,
  controlPolicySize,
  logRcpStatements,
  OWN_POLICIES_PER_TARGET,
  packControlPolicies,
  setupScpStatements,
} from "../modules/policies/organization";
import { buildStacks } from "../stacks";
import { exampleRaw, resourcesOf } from "./helpers";

/**
 * The organization stack: SCPs and RCPs sized at synth, split when one document would be too large, refused when
 * AWS could not hold them, and each attached to every target.
 */

const synthOrganization = (raw: Record<string, any>): Record<string, any> => {
  const app = Testing.app({ stackTraces: false });
  const { organization } = buildStacks(app, validateConfig(raw));
  if (organization === undefined) throw new Error("no organization stack");
  return JSON.parse(Testing.synth(organization));
};

/** A generated organization: `n` workloads in three regions, each deployed by its own role, all exempt. */
function manyWorkloads(n: number): Record<string, any> {
  const raw = exampleRaw();
  const template = raw.workloads[1];
  delete raw.justInTime; // its rules name the example's just-in-time workload
  raw.workloads = Array.from({ length: n }, (_, i) => ({
    ...template,
    name: `team${i}`,
    accountId: String(500000000000 + i),
    regions: ["us-east-1", "eu-west-1", "ap-southeast-2"],
    adoptExistingDocument: false,
  }));
  raw.organization.guardrails.exemptPrincipals = raw.workloads.map((w: any) => `arn:aws:iam::${w.accountId}:role/deploy/team-deploy-role-${w.name}`);
  return raw;
}

describe("the example's organization stack", () => {
  const tf = synthOrganization(exampleRaw());
  const policies = resourcesOf(tf, "aws_organizations_policy")
    .map(([, b]) => b)
    .sort((a, b) => b.type.localeCompare(a.type));

  test("two SCPs and one RCP, written without white space, within AWS's limit, attached to the target", () => {
    expect(policies.map((p) => [p.name, p.type])).toEqual([
      ["acme-session-setup-scp-1", "SERVICE_CONTROL_POLICY"],
      ["acme-session-setup-scp-2", "SERVICE_CONTROL_POLICY"],
      ["acme-session-logs-rcp-1", "RESOURCE_CONTROL_POLICY"],
    ]);
    for (const p of policies) {
      expect(p.content).not.toMatch(/\s/);
      expect(p.content.length).toBeLessThanOrEqual(CONTROL_POLICY_MAX_CHARS);
    }
    expect(resourcesOf(tf, "aws_organizations_policy_attachment").map(([, a]) => a.target_id)).toEqual(["ou-a1b2-c3d4e5f6", "ou-a1b2-c3d4e5f6", "ou-a1b2-c3d4e5f6"]);
    expect(tf.provider.aws[0]).toMatchObject({ region: "us-east-1", allowed_account_ids: ["101010101010"] });
  });

  test("every SCP statement is a Deny that spares the exempt principals; every RCP statement names Principal *", () => {
    const scps = policies.filter((p) => p.type === "SERVICE_CONTROL_POLICY").map((p) => JSON.parse(p.content));
    const rcp = JSON.parse(policies.find((p) => p.type === "RESOURCE_CONTROL_POLICY")!.content);
    for (const s of scps.flatMap((scp) => scp.Statement)) {
      expect(s.Effect).toBe("Deny");
      expect(s.Principal).toBeUndefined();
      expect(s.Condition.ArnNotLike).toEqual({ "aws:PrincipalArn": ["arn:aws:iam::*:role/platform-deploy", "arn:aws:iam::*:role/break-glass"] });
    }
    for (const s of rcp.Statement) expect([s.Effect, s.Principal, s.NotAction]).toEqual(["Deny", "*", undefined]);
  });

  test("a delegated policy administrator deploys the stack instead of the management account", () => {
    const raw = exampleRaw();
    raw.organization.guardrails.policyAdminAccountId = "202020202020";
    expect(synthOrganization(raw).provider.aws[0].allowed_account_ids).toEqual(["202020202020"]);
  });

  test("without organization.guardrails there is no organization stack", () => {
    const raw = exampleRaw();
    delete raw.organization.guardrails;
    expect(buildStacks(Testing.app(), validateConfig(raw)).organization).toBeUndefined();
  });
});

describe("limits, at synth", () => {
  test("statements are split across SCPs when one document would exceed 5,120 characters", () => {
    const tf = synthOrganization(manyWorkloads(6));
    const scps = resourcesOf(tf, "aws_organizations_policy").map(([, b]) => b).filter((b) => b.type === "SERVICE_CONTROL_POLICY");
    expect(scps.length).toBeGreaterThan(1);
    expect(scps.length).toBeLessThanOrEqual(OWN_POLICIES_PER_TARGET);
    for (const p of scps) expect(p.content.length).toBeLessThanOrEqual(CONTROL_POLICY_MAX_CHARS);
    // Nothing lost in the split: every statement, once.
    const sids = scps.flatMap((p) => JSON.parse(p.content).Statement.map((s: any) => s.Sid));
    expect(sids).toEqual(setupScpStatements({ namePrefix: "acme", organizationId: "o-x", logAccountId: "1", logRegion: "eu-west-1", exemptPrincipals: ["arn:aws:iam::*:role/x"] }).map((s) => s.Sid));
    // Each SCP is attached to the target.
    expect(resourcesOf(tf, "aws_organizations_policy_attachment").length).toBe(scps.length + 1);
  });

  test("a generated organization whose SCPs would not fit the policies a target can hold is refused, naming the policies and sizes", () => {
    expect(() => synthOrganization(manyWorkloads(35))).toThrow(
      /^SCPs: \d+ policies \(acme-session-setup-scp-1 \d+, .*acme-session-setup-scp-5 \d+.*\) would be attached to each target, over the 4 left beside FullAWSAccess/,
    );
  });

  test("a statement too large on its own is refused, naming the policy and its size", () => {
    expect(() => synthOrganization(manyWorkloads(100))).toThrow(
      /^SCP acme-session-setup-scp-1: \d{4,} characters with statement ScpProtectSessionDocuments alone, over AWS's 5120; list fewer organization.guardrails.exemptPrincipals/,
    );
  });

  test("packing keeps order, fills each document, and measures what AWS counts", () => {
    const statements = logRcpStatements({ namePrefix: "acme", organizationId: "o-a1b2c3d4e5", logAccountId: "111111111111", logRegion: "eu-west-1", exemptPrincipals: [] });
    const [only] = packControlPolicies("RCP", statements, (n) => `rcp-${n}`);
    expect(only).toMatchObject({ name: "rcp-1", size: controlPolicySize(only.document) });
    expect(only.document.Statement).toEqual(statements);
  });
});

describe("config", () => {
  const withGuardrails = (edit: (g: Record<string, any>) => void): (() => unknown) => () => {
    const raw = exampleRaw();
    edit(raw.organization.guardrails);
    return validateConfig(raw);
  };
  test.each([
    ["a target that is neither root nor OU", (g: any) => (g.targets = ["123456789012"]), "organization.guardrails.targets[0]: must be the organization root (r-…) or an OU id (ou-…-…)"],
    ["no targets", (g: any) => (g.targets = []), "organization.guardrails.targets: must name at least one root or OU"],
    ["no exempt principal", (g: any) => (g.exemptPrincipals = []), "organization.guardrails.exemptPrincipals: must name at least the deploy role"],
    ["an exemption for every role", (g: any) => (g.exemptPrincipals = ["arn:aws:iam::*:role/*"]), "organization.guardrails.exemptPrincipals[0]: must name a role or user"],
    ["an exemption that is not an IAM ARN", (g: any) => (g.exemptPrincipals = ["platform-deploy"]), "organization.guardrails.exemptPrincipals[0]: must be an IAM role or user ARN pattern"],
    ["a management account that is not 12 digits", (g: any) => (g.managementAccountId = "1010"), "organization.guardrails.managementAccountId: must be 12 digits"],
  ])("%s is refused", (_t, edit, message) => {
    expect(withGuardrails(edit)).toThrow(ConfigError);
    expect(withGuardrails(edit)).toThrow(message);
  });
});
