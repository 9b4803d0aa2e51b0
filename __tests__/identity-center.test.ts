import { Testing } from "cdktf";
import { validateConfig } from "../config/load";
import { accessChecks, accessModel } from "../review/checks";
import { evaluate } from "../review/simulate";
import { buildStacks } from "../stacks";
import { editStatements, exampleConfig, exampleRaw, onlyResource, resourcesOf, terraformLiteral, type Synth, synthesizeAndResolve } from "./helpers";

/**
 * IAM Identity Center access groups: the config's checks, the identity-center stack's permission sets, assignments
 * and attributes for access control, and the workload stack's policies they reference.
 */

const problemsOf = (raw: Record<string, any>): string[] => {
  try {
    validateConfig(raw);
    return [];
  } catch (e) {
    return (e as Error).message.split("\n").slice(1).map((l) => l.trim());
  }
};

/** The example's standing workloads only: the just-in-time workload's permission sets are just-in-time.test.ts's. */
function standing(raw: Record<string, any>): Record<string, any> {
  const copy = structuredClone(raw);
  copy.workloads = copy.workloads.filter((w: Record<string, unknown>) => w.accessMode !== "just-in-time");
  delete copy.justInTime;
  return copy;
}

function synth(raw: Record<string, any> = exampleRaw()): Record<string, Synth> {
  const app = Testing.app({ stackTraces: false });
  const built = buildStacks(app, validateConfig(standing(raw)));
  const stacks = [built.logArchive, ...built.workloads, ...(built.identityCenter ? [built.identityCenter] : [])];
  return Object.fromEntries(stacks.map((s) => [s.node.id, JSON.parse(Testing.synth(s))]));
}

const analytics = (raw: Record<string, any>) => raw.workloads[1];

describe("config", () => {
  test("every problem at once, each with its path", () => {
    const raw = exampleRaw();
    delete raw.identityCenter;
    analytics(raw).users = [{ name: "carol.example", groups: ["analysts"] }];
    raw.workloads[0].accessGroups[0].identityCenterGroup = { groupId: "not-an-id" };
    raw.workloads[0].accessGroups[1].identityCenterGroup = { displayName: " Payments ", sessionDurationHours: 13 };
    expect(problemsOf(raw)).toEqual(
      expect.arrayContaining([
        "workloads[0].accessGroups[0].identityCenterGroup.groupId: must be an identity store group id such as 9067b4a2e1-1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901 (got \"not-an-id\")",
        "workloads[0].accessGroups[1].identityCenterGroup.displayName: must not start or end with white space (got \" Payments \")",
        "workloads[0].accessGroups[1].identityCenterGroup.sessionDurationHours: must be 1-12: IAM Identity Center allows 1 to 12 hours (got 13)",
        "workloads[0].accessGroups[0].identityCenterGroup: needs the identityCenter section (instanceArn, identityStoreId, accountId, region) at the top of the file",
        "workloads[1].accessGroups[1].identityCenterGroup: needs the identityCenter section (instanceArn, identityStoreId, accountId, region) at the top of the file",
        "workloads[1].users[0].groups[0]: is an Identity Center access group (identityCenterGroup): its members are the Identity Center group's, IAM users cannot join it (got \"analysts\")",
      ]),
    );
  });

  test("a permission set name over 32 characters, or used twice, and credentials that outlast the sessions", () => {
    const raw = exampleRaw();
    delete raw.workloads[0].users;
    analytics(raw).accessGroups[1].name = "analysts-with-a-long-name";
    raw.workloads[0].accessGroups[1].identityCenterGroup = { displayName: "Developers", permissionSetName: "payments-dev", sessionDurationHours: 2 };
    expect(problemsOf(raw)).toEqual([
      "workloads[0].accessGroups[1].identityCenterGroup.sessionDurationHours: must not exceed the workload's maxSessionDurationMinutes (60): credentials would outlast every session (got 2)",
      "workloads[1].accessGroups[1].name: gives the permission set name acme-analytics-analysts-with-a-long-name (40 characters), longer than IAM Identity Center's 32: set identityCenterGroup.permissionSetName, or shorten the group, workload or namePrefix (got \"analysts-with-a-long-name\")",
    ]);
  });

  test("two groups that derive the same permission set name", () => {
    const raw = exampleRaw();
    delete raw.workloads[0].users;
    raw.workloads[0].accessGroups[0].identityCenterGroup = { displayName: "Payments", permissionSetName: "acme-analytics-analysts" };
    expect(problemsOf(raw)).toEqual([
      "workloads[1].accessGroups[1].name: is the same permission set name as workloads[0].accessGroups[0].identityCenterGroup.permissionSetName; each must be unique (got \"acme-analytics-analysts\")",
    ]);
  });

  test("the instance ARN, identity store id and Run As attribute", () => {
    const raw = exampleRaw();
    raw.identityCenter = { ...raw.identityCenter, instanceArn: "arn:aws:sso:::instance/x", identityStoreId: "store", runAs: { attribute: "userName" } };
    expect(problemsOf(raw)).toEqual([
      "identityCenter.instanceArn: must be an IAM Identity Center instance ARN such as arn:aws:sso:::instance/ssoins-0123456789abcdef (got \"arn:aws:sso:::instance/x\")",
      "identityCenter.identityStoreId: must be an identity store id such as d-0123456789 (got \"store\")",
      "identityCenter.runAs.attribute: must be an identity store attribute path such as ${path:userName} or ${path:enterprise.employeeNumber} (got \"userName\")",
    ]);
  });
});

describe("the identity-center stack", () => {
  const stacks = synth();
  const ic = stacks["identity-center"];
  const workload = stacks["workload-analytics"];

  test("deploys in the administering account and the instance's region", () => {
    expect(ic.provider.aws).toEqual([expect.objectContaining({ region: "eu-west-1", allowed_account_ids: ["101010101010"] })]);
  });

  test("a permission set within AWS's limits, with the Session Manager console as relay state", () => {
    expect(onlyResource(ic, "aws_ssoadmin_permission_set")).toMatchObject({
      name: "acme-analytics-analysts",
      instance_arn: "arn:aws:sso:::instance/ssoins-0123456789abcdef",
      session_duration: "PT1H",
      relay_state: "https://us-east-1.console.aws.amazon.com/systems-manager/session-manager?region=us-east-1",
    });
  });

  test("references the access policy and both guardrail policies by the name and path the workload stack creates them with", () => {
    const references = resourcesOf(ic, "aws_ssoadmin_customer_managed_policy_attachment").map(([, a]) => a.customer_managed_policy_reference);
    expect(references).toEqual([
      { name: "acme-analysts-session-access", path: "/session-manager/" },
      { name: "acme-session-guardrails", path: "/session-manager/" },
      { name: "acme-session-setup-guardrails", path: "/session-manager/" },
    ]);
    const created = resourcesOf(workload, "aws_iam_policy").map(([, p]) => `${p.path}${p.name}`);
    for (const r of references) expect(created).toContain(`${r.path}${r.name}`);
    // Nothing else makes up the role: no inline policy, no AWS managed policy, no boundary.
    expect(Object.keys(ic.resource).sort()).toEqual([
      "aws_ssoadmin_account_assignment",
      "aws_ssoadmin_customer_managed_policy_attachment",
      "aws_ssoadmin_instance_access_control_attributes",
      "aws_ssoadmin_permission_set",
    ]);
  });

  test("assigns the group, found by display name, in the workload account", () => {
    const lookup = Object.values<any>(ic.data.aws_identitystore_group)[0];
    expect(lookup).toMatchObject({
      identity_store_id: "d-0123456789",
      alternate_identifier: { unique_attribute: { attribute_path: "DisplayName", attribute_value: "Data Analysts" } },
    });
    const assignment = onlyResource(ic, "aws_ssoadmin_account_assignment");
    expect(assignment).toMatchObject({ principal_type: "GROUP", target_type: "AWS_ACCOUNT", target_id: "333333333333" });
    expect(assignment.principal_id).toMatch(/^\$\{data\.aws_identitystore_group\.[^.]+\.group_id\}$/);
  });

  test("a group id needs no lookup", () => {
    const raw = exampleRaw();
    analytics(raw).accessGroups[1].identityCenterGroup = { groupId: "9067b4a2e1-1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901" };
    const byId = synth(raw)["identity-center"];
    expect(byId.data).toBeUndefined();
    expect(onlyResource(byId, "aws_ssoadmin_account_assignment").principal_id).toBe("9067b4a2e1-1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901");
  });

  test("maps the configured identity store attribute to SSMSessionRunAs, escaped so Terraform passes it as written", () => {
    const attributes = onlyResource(ic, "aws_ssoadmin_instance_access_control_attributes");
    expect(attributes.attribute).toEqual([{ key: "SSMSessionRunAs", value: [{ source: ["$${path:userName}"] }] }]);
    expect(terraformLiteral(attributes.attribute[0].value[0].source[0])).toBe("${path:userName}");
    const raw = exampleRaw();
    delete raw.identityCenter.runAs;
    expect(resourcesOf(synth(raw)["identity-center"], "aws_ssoadmin_instance_access_control_attributes")).toEqual([]);
  });

  test("session duration: the workload's sessions in whole hours, at least one, at most twelve", () => {
    const hours = (minutes: number, override?: number): string => {
      const raw = exampleRaw();
      analytics(raw).session.maxSessionDurationMinutes = minutes;
      if (override !== undefined) analytics(raw).accessGroups[1].identityCenterGroup.sessionDurationHours = override;
      return onlyResource(synth(raw)["identity-center"], "aws_ssoadmin_permission_set").session_duration;
    };
    expect([hours(30), hours(150), hours(1440), hours(600, 4)]).toEqual(["PT1H", "PT2H", "PT12H", "PT4H"]);
  });

  test("exists only when an access group is an Identity Center group", () => {
    const raw = exampleRaw();
    delete analytics(raw).accessGroups[1].identityCenterGroup;
    expect(Object.keys(synth(raw))).not.toContain("identity-center");
    expect(exampleConfig().identityCenter).toBeDefined();
  });
});

describe("the workload stack of an Identity Center access group", () => {
  const workload = synth()["workload-analytics"];
  const policy = resourcesOf(workload, "aws_iam_policy").find(([, p]) => p.name === "acme-analysts-session-access")![1];
  const statements: Record<string, any>[] = JSON.parse(terraformLiteral(policy.policy)).Statement;

  test("creates its access policy and no IAM group; the guardrails attach to the IAM groups only", () => {
    expect(policy.path).toBe("/session-manager/");
    expect(resourcesOf(workload, "aws_iam_group").map(([, g]) => g.name)).toEqual(["acme-data-engineers"]);
    const attached = resourcesOf(workload, "aws_iam_group_policy_attachment").map(([, a]) => a.group);
    expect(attached.every((g) => !String(g).includes("analysts"))).toBe(true);
  });

  test("has no MFA Deny, which would lock out sessions that never carry aws:MultiFactorAuthPresent", () => {
    expect(JSON.stringify(statements)).not.toContain("aws:MultiFactorAuthPresent");
    // The IAM group's policy keeps it.
    const iam = resourcesOf(workload, "aws_iam_policy").find(([, p]) => p.name === "acme-data-engineers-session-access")![1];
    expect(iam.policy).toContain("DenySessionsWithoutMfa");
  });

  test("opens data channels of its own sessions only, by aws:userid (the review's simulator cannot evaluate this action)", () => {
    expect(statements.find((s) => s.Sid === "OpenOwnDataChannels")).toEqual({
      Sid: "OpenOwnDataChannels",
      Effect: "Allow",
      Action: "ssmmessages:OpenDataChannel",
      Resource: ["arn:aws:ssm:us-east-1:333333333333:session/${aws:userid}-*"],
    });
  });
});

describe("attribute scope (identityCenter.abacTagKeys)", () => {
  const raw = exampleRaw();
  raw.identityCenter.abacTagKeys = { CostCenter: "${path:enterprise.costCenter}" };
  const config = validateConfig(raw);

  test("Identity Center maps the attribute, the Identity Center group's policy denies outside it, the IAM group's does not", () => {
    const stacks = synth(raw);
    expect(onlyResource(stacks["identity-center"], "aws_ssoadmin_instance_access_control_attributes").attribute).toEqual([
      { key: "SSMSessionRunAs", value: [{ source: ["$${path:userName}"] }] },
      { key: "CostCenter", value: [{ source: ["$${path:enterprise.costCenter}"] }] },
    ]);
    const policy = (name: string): Record<string, any>[] =>
      JSON.parse(terraformLiteral(resourcesOf(stacks["workload-analytics"], "aws_iam_policy").find(([, p]) => p.name === name)![1].policy)).Statement;
    const federated = policy("acme-analysts-session-access");
    expect(federated.filter((st) => /Attribute/.test(st.Sid))).toEqual([
      {
        Sid: "DenySessionsOutsideAttributeScope1",
        Effect: "Deny",
        Action: ["ssm:StartSession", "ssm:SendCommand"],
        Resource: ["arn:aws:ec2:*:333333333333:instance/*", "arn:aws:ssm:*:333333333333:managed-instance/*"],
        Condition: { StringNotEquals: { "ssm:resourceTag/CostCenter": "${aws:PrincipalTag/CostCenter}" } },
      },
      {
        Sid: "DenySessionsWithoutAttribute1",
        Effect: "Deny",
        Action: ["ssm:StartSession", "ssm:SendCommand"],
        Resource: ["arn:aws:ec2:*:333333333333:instance/*", "arn:aws:ssm:*:333333333333:managed-instance/*"],
        Condition: { Null: { "aws:PrincipalTag/CostCenter": "true" } },
      },
    ]);
    expect(JSON.stringify(policy("acme-data-engineers-session-access"))).not.toContain("PrincipalTag");
    // Nobody in the account's groups sets the tag on a session, or changes it on an instance.
    const setup = policy("acme-session-setup-guardrails");
    expect(setup.find((st) => st.Sid === "DenyRunAsTagChanges")?.Condition).toEqual({
      "ForAnyValue:StringEqualsIgnoreCase": { "aws:TagKeys": ["SSMSessionRunAs", "CostCenter"] },
    });
    expect(setup.find((st) => st.Sid === "DenyScopeTagChanges")?.Condition["ForAnyValue:StringEqualsIgnoreCase"]["aws:TagKeys"]).toContain("CostCenter");
  });

  test("the review: own attribute value only, a session tag required, none to set; each outcome decided by its statement", async () => {
    const resolved = synthesizeAndResolve(config);
    const model = accessModel(config, resolved);
    const checks = accessChecks(config, model, "workload-analytics").filter((c) => c.column.startsWith("analysts (Identity Center)"));
    const rows = checks.filter((c) => /CostCenter/.test(c.row));
    expect(rows.map((c) => [c.row, c.expect, c.sid])).toEqual([
      ["start a session on an instance whose CostCenter is someone else's", "ExplicitlyDenied", "DenySessionsOutsideAttributeScope1"],
      ["start a session without a CostCenter session tag", "ExplicitlyDenied", "DenySessionsWithoutAttribute1"],
      ["assume a role with a CostCenter session tag, holding sts:*", "ExplicitlyDenied", "DenyRunAsTagChanges"],
    ]);
    // Every check of the persona holds with the attribute scope on, the allowed ones included.
    for (const check of checks) {
      const outcome = await evaluate(model, check.persona, check.request);
      expect([check.row, outcome.decision]).toEqual([check.row, check.expect]);
      if (check.sid !== undefined) expect(outcome.deciders.map((d) => d.sid)).toContain(check.sid);
    }
    // Without its statement, each attribute row's outcome changes.
    for (const check of rows) {
      const mutated = accessModel(config, editStatements(resolved, (st) => (st.Sid === check.sid ? undefined : st)));
      const again = accessChecks(config, mutated, "workload-analytics").find((c) => c.row === check.row && c.column === check.column)!;
      expect([check.row, (await evaluate(mutated, again.persona, again.request)).decision]).not.toEqual([check.row, check.expect]);
    }
  }, 60_000);
});
