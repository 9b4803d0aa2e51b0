import { runSimulation } from "@cloud-copilot/iam-simulate";
import { Testing } from "cdktf";
import { validateConfig } from "../config/load";
import { checkStack } from "../compliance/engine";
import type { Config } from "../config/types";
import { githubTargets, scpExemptPrincipals } from "../config/naming";
import type { PolicyDocument } from "../modules/policies/iam";
import { accessChecks, accessModel, type AccessCheck } from "../review/checks";
import { lintPolicies } from "../review/lint";
import type { ResolvedStack } from "../review/resolve";
import { evaluate } from "../review/simulate";
import { buildStacks } from "../stacks";
import { workspaceAwsVariables } from "../stacks/workspaces-stack";
import { editStatements, exampleRaw, policyOf, resourcesOf, type Synth, problemsOf, synthesizeAndResolve } from "./helpers";

const REPO = "my-org/sessions";
const S3 = { type: "s3", bucket: "ssm-terraform-state", region: "eu-west-1" };
const GITHUB = { roleName: "ssm-deploy", planRoleName: "ssm-plan", createRoles: { repository: REPO } };
const PROVIDER = (account: string, host: string): string => `arn:aws:iam::${account}:oidc-provider/${host}`;
const GH = "token.actions.githubusercontent.com";

function githubRaw(github: unknown = GITHUB): Record<string, any> {
  const raw = exampleRaw();
  raw.deployment = { ...raw.deployment, github, backend: S3 };
  return raw;
}

function cloudRaw(createRunRoles: unknown = { planRoleName: "hcp-plan" }): Record<string, any> {
  const raw = exampleRaw();
  raw.deployment = {
    ...raw.deployment,
    backend: { type: "cloud", organization: "my-org", workspaces: { project: "platform", runRoleName: "hcp-run", createRunRoles } },
  };
  return raw;
}

/** Every AWS stack of `config`, synthesized, by name. */
function synthStacks(config: Config): Record<string, Synth> {
  const app = Testing.app({ stackTraces: false });
  const { logArchive, workloads, organization } = buildStacks(app, config);
  return Object.fromEntries([logArchive, ...workloads, ...(organization ? [organization] : [])].map((s) => [s.node.id, JSON.parse(Testing.synth(s))]));
}

const GITHUB_STACKS = synthStacks(validateConfig(githubRaw()));

/** The role of a stack's deployment role set, with its trust and permission policies as AWS reads them. */
function roleOf(stack: Synth, kind: "plan" | "deploy"): { name: string; path: string; trust: PolicyDocument; permissions: PolicyDocument } {
  const [, role] = resourcesOf(stack, "aws_iam_role", `deployment-roles/${kind}-role`)[0]!;
  const [, inline] = resourcesOf(stack, "aws_iam_role_policy", `deployment-roles/${kind}-permissions`)[0]!;
  return { name: role.name, path: role.path, trust: policyOf(role.assume_role_policy), permissions: policyOf(inline.policy) };
}

/**
 * The trust policy with the stack's provider reference made concrete, as IAM stores it after apply, and the issuer's
 * claim keys renamed for iam-simulate, which ignores keys it does not know (`<issuer>:sub`): each becomes a String
 * key it knows, the same in the policy and in the request, so matching is unchanged.
 */
const claimKey = (host: string, claim: string): string => `aws:RequestTag/oidc-${host}-${claim}`;
const concreteTrust = (trust: PolicyDocument, providerArn: string, host: string): PolicyDocument =>
  JSON.parse(
    JSON.stringify(trust)
      .replace(/\$\{aws_iam_openid_connect_provider\.[^}]+\}/g, providerArn)
      .replaceAll(`"${host}:aud"`, `"${claimKey(host, "aud")}"`)
      .replaceAll(`"${host}:sub"`, `"${claimKey(host, "sub")}"`),
  );

/**
 * AWS's decision on AssumeRoleWithWebIdentity of `roleArn` with a token of `claims`, evaluated by iam-simulate on
 * the role's trust policy: the token's issuer is the principal, its claims the context keys.
 */
async function assumes(
  trust: PolicyDocument,
  roleArn: string,
  providerArn: string,
  host: string,
  claims: { aud: string; sub: string },
  tokenIssuerArn = providerArn,
): Promise<boolean> {
  const result = await runSimulation(
    {
      request: {
        principal: tokenIssuerArn,
        action: "sts:AssumeRoleWithWebIdentity",
        resource: { resource: roleArn, accountId: roleArn.split(":")[4]! },
        contextVariables: { [claimKey(host, "aud")]: claims.aud, [claimKey(host, "sub")]: claims.sub },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: concreteTrust(trust, providerArn, host) as any,
    },
    { simulationMode: "Strict" },
  );
  if (result.resultType !== "single") throw new Error(JSON.stringify(result));
  if ((result.result.ignoredContextKeys ?? []).length > 0) throw new Error(`ignored ${result.result.ignoredContextKeys}`);
  return result.overallResult === "Allowed";
}

/** AWS's decision on `action` on `resource` by a role holding only `permissions`. */
async function allows(permissions: PolicyDocument, roleArn: string, action: string, resource: string, alsoAttached: PolicyDocument[] = []): Promise<boolean> {
  const account = roleArn.split(":")[4]!;
  const result = await runSimulation(
    {
      request: { principal: `${roleArn.replace(":role/", ":assumed-role/").replace("/session-manager/", "/").replace(":iam:", ":sts:")}/job`, action, resource: { resource, accountId: account }, contextVariables: action.startsWith("s3:") ? { "s3:ResourceAccount": account } : {} },
      identityPolicies: [permissions, ...alsoAttached].map((policy, i) => ({ name: `policy-${i}`, policy: policy as any })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    { simulationMode: "Strict" },
  );
  if (result.resultType !== "single") throw new Error(JSON.stringify(result));
  return result.overallResult === "Allowed";
}

describe("GitHub OIDC roles created by the stacks", () => {
  test("every stack creates the provider and both roles, under /session-manager/", () => {
    // The just-in-time stack deploys with the delegated administrator's own credentials.
    expect(Object.keys(GITHUB_STACKS)).toEqual(["log-archive", "workload-payments", "workload-analytics", "workload-batch", "organization"]);
    for (const stack of Object.values(GITHUB_STACKS)) {
      const [[, provider]] = resourcesOf(stack, "aws_iam_openid_connect_provider");
      expect(provider).toMatchObject({ url: `https://${GH}`, client_id_list: ["sts.amazonaws.com"] });
      expect(provider.thumbprint_list).toBeUndefined();
      expect([roleOf(stack, "plan"), roleOf(stack, "deploy")].map((r) => [r.name, r.path])).toEqual([
        ["ssm-plan", "/session-manager/"],
        ["ssm-deploy", "/session-manager/"],
      ]);
    }
  });

  test("the workflows assume the created roles by their ARNs, path included", () => {
    const targets = githubTargets(validateConfig(githubRaw()))!;
    expect(targets.workloads[0]).toMatchObject({
      planRoleArn: "arn:aws:iam::222222222222:role/session-manager/ssm-plan",
      deployRoleArn: "arn:aws:iam::222222222222:role/session-manager/ssm-deploy",
      environment: "workload-payments",
    });
  });

  test("the deploy role trusts its stack's environment of the repository, audience pinned, with StringEquals", () => {
    const { trust } = roleOf(GITHUB_STACKS["workload-payments"]!, "deploy");
    expect(trust.Statement).toEqual([
      {
        Sid: "AssumeForDeploys",
        Effect: "Allow",
        Principal: { Federated: expect.stringMatching(/^\$\{aws_iam_openid_connect_provider\./) },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { [`${GH}:aud`]: "sts.amazonaws.com", [`${GH}:sub`]: `repo:${REPO}:environment:workload-payments` } },
      },
    ]);
  });

  describe("who gets which role (AWS's evaluation of the trust policies)", () => {
    const account = "222222222222";
    const provider = PROVIDER(account, GH);
    const deploy = roleOf(GITHUB_STACKS["workload-payments"]!, "deploy");
    const plan = roleOf(GITHUB_STACKS["workload-payments"]!, "plan");
    const deployArn = `arn:aws:iam::${account}:role/session-manager/ssm-deploy`;
    const planArn = `arn:aws:iam::${account}:role/session-manager/ssm-plan`;
    const token = (sub: string, aud = "sts.amazonaws.com") => ({ sub, aud });

    test.each([
      ["the approved workload-payments environment of the repository", `repo:${REPO}:environment:workload-payments`, true],
      ["another stack's environment", `repo:${REPO}:environment:workload-analytics`, false],
      ["a pull request of the repository", `repo:${REPO}:pull_request`, false],
      ["a push to main, outside the environment", `repo:${REPO}:ref:refs/heads/main`, false],
      ["the same environment name in another repository (a fork)", `repo:someone/sessions:environment:workload-payments`, false],
      ["a repository whose name starts the same", `repo:${REPO}-fork:environment:workload-payments`, false],
    ])("deploy role, %s: %s", async (_what, sub, expected) => {
      await expect(assumes(deploy.trust, deployArn, provider, GH, token(sub))).resolves.toBe(expected);
    });

    test.each([
      ["a pull request of the repository", `repo:${REPO}:pull_request`, true],
      ["a pull request of another repository", `repo:someone/sessions:pull_request`, false],
      ["a branch push", `repo:${REPO}:ref:refs/heads/feature`, false],
    ])("plan role, %s", async (_what, sub, expected) => {
      await expect(assumes(plan.trust, planArn, provider, GH, token(sub))).resolves.toBe(expected);
    });

    test("a token for another audience gets neither role", async () => {
      await expect(assumes(deploy.trust, deployArn, provider, GH, token(`repo:${REPO}:environment:workload-payments`, "sigstore"))).resolves.toBe(false);
      await expect(assumes(plan.trust, planArn, provider, GH, token(`repo:${REPO}:pull_request`, "sigstore"))).resolves.toBe(false);
    });

    test("another issuer's token with the same claims gets no role", async () => {
      const claims = token(`repo:${REPO}:environment:workload-payments`);
      await expect(assumes(deploy.trust, deployArn, provider, GH, claims, PROVIDER(account, "gitlab.com"))).resolves.toBe(false);
    });
  });

  describe("what the roles may do (AWS's evaluation of their policies)", () => {
    const account = "222222222222";
    const plan = roleOf(GITHUB_STACKS["workload-payments"]!, "plan").permissions;
    const deploy = roleOf(GITHUB_STACKS["workload-payments"]!, "deploy").permissions;
    const planArn = `arn:aws:iam::${account}:role/session-manager/ssm-plan`;
    const deployArn = `arn:aws:iam::${account}:role/session-manager/ssm-deploy`;
    const doc = `arn:aws:ssm:eu-west-1:${account}:document/SSM-SessionManagerRunShell`;
    const logGroup = `arn:aws:logs:eu-west-1:${account}:log-group:/acme/session-manager/sessions`;
    const state = "arn:aws:s3:::ssm-terraform-state/session-manager/workload-payments.tfstate";

    test("the plan role reads the setup and its own state", async () => {
      await expect(allows(plan, planArn, "ssm:GetDocument", doc)).resolves.toBe(true);
      await expect(allows(plan, planArn, "s3:GetObject", state)).resolves.toBe(true);
    });

    test.each([
      ["change the preferences document", "ssm:UpdateDocument", doc],
      ["write its state", "s3:PutObject", state],
      ["take the state lock", "s3:PutObject", `${state}.tflock`],
      ["change a role", "iam:PutRolePolicy", `arn:aws:iam::${account}:role/session-manager/ssm-deploy`],
      ["read another stack's state", "s3:GetObject", "arn:aws:s3:::ssm-terraform-state/session-manager/log-archive.tfstate"],
    ])("the plan role cannot %s", async (_what, action, resource) => {
      await expect(allows(plan, planArn, action, resource)).resolves.toBe(false);
    });

    test("the plan role writes nothing even when someone attaches an administrator's policy to it", async () => {
      const everything: PolicyDocument = { Version: "2012-10-17", Statement: [{ Sid: "Everything", Effect: "Allow", Action: "*", Resource: "*" }] };
      await expect(allows(plan, planArn, "ssm:GetDocument", doc, [everything])).resolves.toBe(true);
      await expect(allows(plan, planArn, "ssm:UpdateDocument", doc, [everything])).resolves.toBe(false);
      await expect(allows(plan, planArn, "s3:PutObject", `${state}.tflock`, [everything])).resolves.toBe(false);
      await expect(allows(plan, planArn, "iam:PutRolePolicy", planArn, [everything])).resolves.toBe(false);
      await expect(allows(plan, planArn, "logs:GetLogEvents", `${logGroup}:log-stream:alice-0123`, [everything])).resolves.toBe(false);
    });

    test("the deploy role changes the setup and takes the state lock", async () => {
      await expect(allows(deploy, deployArn, "ssm:UpdateDocument", doc)).resolves.toBe(true);
      await expect(allows(deploy, deployArn, "s3:PutObject", `${state}.tflock`)).resolves.toBe(true);
      await expect(allows(deploy, deployArn, "iam:PutRolePolicy", `arn:aws:iam::${account}:role/session-manager/acme-session-instance`)).resolves.toBe(true);
    });

    test.each([
      ["plan", "read a transcript in CloudWatch", "logs:GetLogEvents", `${logGroup}:log-stream:alice-0123`],
      ["deploy", "read a transcript in CloudWatch", "logs:GetLogEvents", `${logGroup}:log-stream:alice-0123`],
      ["deploy", "search transcripts", "logs:FilterLogEvents", logGroup],
      ["deploy", "read a command's output", "ssm:GetCommandInvocation", "*"],
      ["deploy", "open a session", "ssm:StartSession", `arn:aws:ec2:eu-west-1:${account}:instance/i-0123456789abcdef0`],
      ["deploy", "run a command", "ssm:SendCommand", `arn:aws:ec2:eu-west-1:${account}:instance/i-0123456789abcdef0`],
      ["deploy", "change a role outside this project", "iam:AttachRolePolicy", `arn:aws:iam::${account}:role/Admin`],
    ])("the %s role cannot %s", async (kind, _what, action, resource) => {
      await expect(allows(kind === "plan" ? plan : deploy, kind === "plan" ? planArn : deployArn, action, resource)).resolves.toBe(false);
    });

    test("the log-archive deploy role cannot read, delete or unlock a transcript", async () => {
      const logDeploy = roleOf(GITHUB_STACKS["log-archive"]!, "deploy").permissions;
      const role = "arn:aws:iam::111111111111:role/session-manager/ssm-deploy";
      const object = "arn:aws:s3:::acme-session-logs-111111111111/222222222222/eu-west-1/alice-0123.log";
      await expect(allows(logDeploy, role, "s3:PutBucketPolicy", "arn:aws:s3:::acme-session-logs-111111111111")).resolves.toBe(true);
      for (const action of ["s3:GetObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"]) {
        await expect(allows(logDeploy, role, action, object)).resolves.toBe(false);
      }
    });
  });

  test("the SCPs exempt the created deploy role in every account, not the plan role", () => {
    const config = validateConfig(githubRaw());
    const exempt = scpExemptPrincipals(config);
    expect(exempt).toContain("arn:aws:iam::*:role/session-manager/ssm-deploy");
    expect(exempt.some((p) => p.includes("ssm-plan"))).toBe(false);
    const scps = resourcesOf(GITHUB_STACKS.organization!, "aws_organizations_policy").filter(([, p]) => p.type === "SERVICE_CONTROL_POLICY");
    for (const [, scp] of scps) {
      for (const s of policyOf(scp.content).Statement.filter((st) => st.Effect === "Deny")) {
        expect(s.Condition?.ArnNotLike?.["aws:PrincipalArn"]).toContain("arn:aws:iam::*:role/session-manager/ssm-deploy");
      }
    }
  });

  test("an existing provider is referenced by ARN, not created", () => {
    const stacks = synthStacks(validateConfig(githubRaw({ ...GITHUB, createRoles: { repository: REPO, oidcProviderExists: true } })));
    const stack = stacks["workload-payments"]!;
    expect(resourcesOf(stack, "aws_iam_openid_connect_provider")).toEqual([]);
    expect(roleOf(stack, "deploy").trust.Statement[0]!.Principal).toEqual({ Federated: PROVIDER("222222222222", GH) });
  });

  test("bad input: every problem at once, each with its field", () => {
    const raw = githubRaw({ roleName: "ssm-deploy", createRoles: { repository: "not a repo" } });
    raw.organization.guardrails.managementAccountId = "222222222222";
    expect(problemsOf(raw)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^deployment\.github\.createRoles\.repository: must be the GitHub repository as owner\/name/),
        expect.stringMatching(/^deployment\.github\.planRoleName: must be set, and differ from roleName, with createRoles/),
        expect.stringMatching(/^organization\.guardrails\.managementAccountId: is the account of workloads\[0\]\.accountId too/),
      ]),
    );
    expect(problemsOf(githubRaw({ ...GITHUB, planRoleName: "ssm-deploy" }))).toEqual([
      expect.stringMatching(/^deployment\.github\.planRoleName: must be set, and differ from roleName/),
    ]);
  });

  test("without createRoles the stacks create no role for deployment", () => {
    const stacks = synthStacks(validateConfig(githubRaw({ roleName: "ssm-deploy", planRoleName: "ssm-plan" })));
    for (const stack of Object.values(stacks)) {
      expect(resourcesOf(stack, "aws_iam_openid_connect_provider")).toEqual([]);
      expect(resourcesOf(stack, "aws_iam_role", "deployment-roles")).toEqual([]);
    }
  });
});

describe("HCP Terraform run roles created by the stacks", () => {
  const config = validateConfig(cloudRaw());
  const stacks = synthStacks(config);

  test("each phase of a workspace gets its own role, trusting that workspace and phase only", async () => {
    const stack = stacks["workload-payments"]!;
    const [[, provider]] = resourcesOf(stack, "aws_iam_openid_connect_provider");
    expect(provider).toMatchObject({ url: "https://app.terraform.io", client_id_list: ["aws.workload.identity"] });
    const sub = (ws: string, phase: string) => `organization:my-org:project:platform:workspace:${ws}:run_phase:${phase}`;
    const plan = roleOf(stack, "plan");
    const apply = roleOf(stack, "deploy");
    expect([plan.name, apply.name]).toEqual(["hcp-plan", "hcp-run"]);
    const provArn = PROVIDER("222222222222", "app.terraform.io");
    const planArn = "arn:aws:iam::222222222222:role/session-manager/hcp-plan";
    const applyArn = "arn:aws:iam::222222222222:role/session-manager/hcp-run";
    const token = (s: string) => ({ aud: "aws.workload.identity", sub: s });
    await expect(assumes(apply.trust, applyArn, provArn, "app.terraform.io", token(sub("acme-workload-payments", "apply")))).resolves.toBe(true);
    await expect(assumes(apply.trust, applyArn, provArn, "app.terraform.io", token(sub("acme-workload-payments", "plan")))).resolves.toBe(false);
    await expect(assumes(apply.trust, applyArn, provArn, "app.terraform.io", token(sub("acme-workload-analytics", "apply")))).resolves.toBe(false);
    await expect(assumes(apply.trust, applyArn, provArn, "app.terraform.io", token("organization:other-org:project:platform:workspace:acme-workload-payments:run_phase:apply"))).resolves.toBe(false);
    await expect(assumes(plan.trust, planArn, provArn, "app.terraform.io", token(sub("acme-workload-payments", "plan")))).resolves.toBe(true);
    await expect(assumes(plan.trust, planArn, provArn, "app.terraform.io", token(sub("acme-workload-payments", "apply")))).resolves.toBe(false);
  });

  test("the plan role of a run has no state to write and writes nothing", async () => {
    const { permissions } = roleOf(stacks["workload-payments"]!, "plan");
    expect(permissions.Statement.map((s) => s.Sid)).not.toContain("ReadState");
    await expect(allows(permissions, "arn:aws:iam::222222222222:role/session-manager/hcp-plan", "ssm:UpdateDocument", "arn:aws:ssm:eu-west-1:222222222222:document/SSM-SessionManagerRunShell")).resolves.toBe(false);
  });

  test("the workspaces give the plan phase the plan role and the apply phase the run role", () => {
    expect(workspaceAwsVariables("222222222222", config.deployment.backend.type === "cloud" ? config.deployment.backend.workspaces! : (undefined as never)).map(([k, v]) => [k, v])).toEqual([
      ["TFC_AWS_PROVIDER_AUTH", "true"],
      ["TFC_AWS_PLAN_ROLE_ARN", "arn:aws:iam::222222222222:role/session-manager/hcp-plan"],
      ["TFC_AWS_APPLY_ROLE_ARN", "arn:aws:iam::222222222222:role/session-manager/hcp-run"],
    ]);
  });

  test("bad input names the field", () => {
    expect(problemsOf(cloudRaw({ planRoleName: "hcp-run" }))).toEqual([
      "deployment.backend.workspaces.createRunRoles.planRoleName: must differ from runRoleName: a plan of any run must not get the role that applies",
    ]);
  });
});

describe("compliance rules on the created roles", () => {
  const config = validateConfig(githubRaw());
  const workload = config.workloads[0]!;
  const stackTf = (): Synth => JSON.parse(JSON.stringify(GITHUB_STACKS["workload-payments"]!));
  const ids = (tf: Synth) => checkStack(config, "workload-payments", tf, workload).map((f) => `${f.rule} ${f.message}`);

  test("the stacks as created pass every rule", () => {
    for (const [name, tf] of Object.entries(GITHUB_STACKS)) {
      const w = config.workloads.find((x) => `workload-${x.name}` === name);
      expect([name, checkStack(config, name, tf, w)]).toEqual([name, []]);
    }
  });

  test("SM-IAM-5: a trust that matches subjects with StringLike is a finding", () => {
    const tf = stackTf();
    const [id, role] = resourcesOf(tf, "aws_iam_role", "deployment-roles/deploy-role")[0]!;
    tf.resource.aws_iam_role[id].assume_role_policy = role.assume_role_policy.replace('"StringEquals"', '"StringLike"');
    expect(ids(tf)).toEqual([expect.stringMatching(/^SM-IAM-5 statement AssumeForDeploys trusts/)]);
  });

  test("SM-IAM-1: the deploy role's exception covers its stack's services, not *", () => {
    const tf = stackTf();
    const [id, inline] = resourcesOf(tf, "aws_iam_role_policy", "deployment-roles/deploy-permissions")[0]!;
    tf.resource.aws_iam_role_policy[id].policy = inline.policy.replace('"ssm:*"', '"*"');
    expect(ids(tf)).toEqual(expect.arrayContaining([expect.stringMatching(/^SM-IAM-1 statement ManageStackServices allows \*$/)]));
  });
});

describe("the access review's rows for the created roles", () => {
  const COLUMNS = ["OIDC token", "plan role + *", "deploy role"];
  const title = (c: AccessCheck): string => `${c.stack}: ${c.column} / ${c.row}`;

  describe.each([
    ["GitHub", validateConfig(githubRaw())],
    ["HCP Terraform", validateConfig(cloudRaw())],
  ])("%s", (_name, config) => {
    let stacks: ResolvedStack[];
    try {
      stacks = synthesizeAndResolve(config);
    } catch (error) {
      // A synthesis that throws here fails one test by name rather than the whole file: with a cloud backend the
      // workspaces stack synthesizes with the others.
      test("the workspaces stack synthesizes with the others", () => {
        throw error;
      });
      return;
    }
    const model = accessModel(config, stacks);
    const checks = accessChecks(config, model).filter((c) => COLUMNS.includes(c.column));
    const again = (from: ResolvedStack[], check: AccessCheck) => {
      const m = accessModel(config, from);
      const found = accessChecks(config, m, check.stack).find((c) => c.row === check.row && c.column === check.column);
      if (found === undefined) throw new Error(`no check ${title(check)}`);
      return evaluate(m, found.persona, found.request);
    };

    test("every stack has them, and every resolved policy lints clean", async () => {
      expect([...new Set(checks.map((c) => c.stack))].sort()).toEqual(["log-archive", "organization", "workload-analytics", "workload-batch", "workload-payments"]);
      expect(await lintPolicies(stacks.flatMap((s) => s.policies))).toEqual([]);
    });

    test.each(checks.map((c) => [title(c), c] as const))("%s", async (_t, check) => {
      const outcome = await evaluate(model, check.persona, check.request);
      expect(outcome.decision).toBe(check.expect);
      if (check.sid !== undefined) expect(outcome.deciders.map((d) => d.sid)).toContain(check.sid);
    });

    test.each(checks.filter((c) => c.sid !== undefined && c.stack === "workload-payments").map((c) => [title(c), c] as const))(
      "without its deciding statement: %s",
      async (_t, check) => {
        const outcome = await again(editStatements(stacks, (s) => (s.Sid === check.sid ? undefined : s)), check);
        expect(outcome.decision).not.toBe(check.expect);
      },
    );

    test.each(checks.filter((c) => c.column === "OIDC token" && c.expect === "ImplicitlyDenied" && c.stack === "workload-payments").map((c) => [title(c), c] as const))(
      "without the condition that keeps it out: %s",
      async (_t, check) => {
        // The audience row is kept out by aud, every other near miss by sub: drop that one key.
        const claim = check.row.includes("audience") ? ":aud" : ":sub";
        const drop = (s: Record<string, any>) => ({
          ...s,
          Condition: { StringEquals: Object.fromEntries(Object.entries(s.Condition.StringEquals).filter(([k]) => !k.endsWith(claim))) },
        });
        const loose = editStatements(stacks, (s) => (s.Sid === "AssumeForDeploys" ? drop(s) : s));
        await expect(again(loose, check).then((o) => o.decision)).resolves.toBe("Allowed");
      },
    );
  });
});
