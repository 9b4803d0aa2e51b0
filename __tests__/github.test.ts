import { validateConfig } from "../config/load";
import { githubTargets } from "../config/naming";
import { exampleRaw, problemsOf } from "./helpers";

const S3 = { type: "s3", bucket: "ssm-terraform-state", region: "eu-west-1" };

function withGithub(github: unknown, backend: unknown = S3): Record<string, any> {
  const raw = exampleRaw();
  raw.deployment = { ...raw.deployment, github, backend };
  return raw;
}

describe("deployment.github", () => {
  test("without it the workflows have nothing to plan or deploy with OIDC", () => {
    expect(githubTargets(validateConfig(exampleRaw()))).toBeUndefined();
  });

  test("every stack in deploy order, each with its own account's roles and environment", () => {
    const targets = githubTargets(validateConfig(withGithub({ roleName: "ssm-deploy", planRoleName: "ssm-plan" })))!;
    expect(targets.logArchive).toEqual({
      stack: "log-archive",
      accountId: "111111111111",
      region: "eu-west-1",
      planRoleArn: "arn:aws:iam::111111111111:role/ssm-plan",
      deployRoleArn: "arn:aws:iam::111111111111:role/ssm-deploy",
      environment: "log-archive",
    });
    expect(targets.workloads.map((t) => [t.stack, t.deployRoleArn])).toEqual([
      ["workload-payments", "arn:aws:iam::222222222222:role/ssm-deploy"],
      ["workload-analytics", "arn:aws:iam::333333333333:role/ssm-deploy"],
      ["workload-batch", "arn:aws:iam::444444444444:role/ssm-deploy"],
    ]);
    expect(targets.organization.map((t) => [t.stack, t.accountId, t.region])).toEqual([["organization", "101010101010", "us-east-1"]]);
    // Identity Center's administering account and the instance's region.
    expect(targets.identityCenter.map((t) => [t.stack, t.accountId, t.region, t.deployRoleArn])).toEqual([
      ["identity-center", "101010101010", "eu-west-1", "arn:aws:iam::101010101010:role/ssm-deploy"],
    ]);
    // The Systems Manager delegated administrator and the unified console's home region.
    const raw = exampleRaw();
    expect(targets.justInTime.map((t) => [t.stack, t.accountId, t.region, t.deployRoleArn])).toEqual([
      ["just-in-time", raw.justInTime.delegatedAdministratorAccountId, raw.justInTime.homeRegion, `arn:aws:iam::${raw.justInTime.delegatedAdministratorAccountId}:role/ssm-deploy`],
    ]);
  });

  test("no Identity Center access group, no identity-center job", () => {
    const raw = withGithub({ roleName: "ssm-deploy" });
    delete raw.workloads[1].accessGroups[1].identityCenterGroup;
    // The just-in-time workload's requesters are Identity Center groups too.
    raw.workloads = raw.workloads.filter((w: Record<string, unknown>) => w.accessMode !== "just-in-time");
    delete raw.justInTime;
    const targets = githubTargets(validateConfig(raw))!;
    expect(targets.identityCenter).toEqual([]);
    expect(targets.justInTime).toEqual([]);
  });

  test("the plan role defaults to the deploy role", () => {
    const targets = githubTargets(validateConfig(withGithub({ roleName: "ssm-deploy" })))!;
    expect(targets.workloads[0]!.planRoleArn).toBe("arn:aws:iam::222222222222:role/ssm-deploy");
  });

  test("no organization stack, no organization job", () => {
    const raw = withGithub({ roleName: "ssm-deploy" });
    delete raw.organization.guardrails;
    expect(githubTargets(validateConfig(raw))!.organization).toEqual([]);
  });

  test("names the field and what is valid", () => {
    expect(problemsOf(withGithub({ roleName: "not a role" }))).toContain("deployment.github.roleName: must be an IAM role name");
    expect(problemsOf(withGithub({ roleName: "ssm-deploy", role: "x" }))).toEqual([expect.stringMatching(/^deployment\.github: .*role/)]);
  });

  test("needs the s3 backend: a workflow run keeps no local state", () => {
    expect(problemsOf(withGithub({ roleName: "ssm-deploy" }, { type: "local" }))).toEqual([
      "deployment.backend.type: must be s3 with deployment.github: a workflow run keeps no local state, and a cloud backend plans with its own credentials",
    ]);
  });
});
