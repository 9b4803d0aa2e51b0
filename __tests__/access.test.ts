import { validateConfig } from "../config/load";
import type { Config } from "../config/types";
import { accessChecks, accessModel, type AccessCheck } from "../review/checks";
import { lintPolicies } from "../review/lint";
import type { ResolvedStack } from "../review/resolve";
import { evaluate } from "../review/simulate";
import { editStatements, exampleConfig, exampleRaw, synthesizeAndResolve } from "./helpers";
import { sharedExampleStacks } from "./shared-example";

/**
 * Access proofs: every check of review/checks.ts, evaluated by iam-simulate over the policies resolved from a real
 * cdktf.out. Outcomes are exact (Allowed, ExplicitlyDenied or ImplicitlyDenied), and an Allowed or explicit Deny
 * must come from the named statement.
 */

/**
 * A second organization: three workloads in two regions, with group settings the example does not use. Alerts are
 * off here (the example proves them in three regions), which also proves that no alert checks appear then. It has
 * no organization guardrails: its organization rows prove which attacks stay open without them.
 */
function threeWorkloads(): Config {
  const raw = exampleRaw();
  delete raw.observabilityDefaults;
  delete raw.organization.guardrails;
  delete raw.justInTime; // its rules name the example's just-in-time workload
  raw.workloads = ["alpha", "beta", "gamma"].map((name, i) => ({
    name,
    accountId: `44444444444${i}`,
    regions: ["us-east-1", "ap-southeast-2"],
    accessGroups: [
      {
        name: `${name}-ops`,
        instanceTags: { Workload: [name], Tier: ["app", "db"] },
        ...(i === 0
          ? { allowPortForwarding: true, portForwardingPorts: [8080], allowRemoteHostPortForwarding: true, remoteHosts: [{ host: "db.alpha.internal", port: 5432 }] }
          : {}),
      },
      { name: `${name}-oncall`, instanceTags: { Workload: [name] }, allowSsh: true, mfaRequired: i !== 2 },
    ],
    ...(i === 1 ? { users: [{ name: `${name}.person`, groups: [`${name}-ops`] }] } : {}),
  }));
  return validateConfig(raw);
}

const title = (c: AccessCheck): string => `${c.stack} ${c.region}: ${c.column} / ${c.row}`;

type Model = ReturnType<typeof accessModel>;

/** The same check (stack, region, row, column) over other stacks, or over a model and its checks by stack. */
function sameCheck(config: Config, over: ResolvedStack[] | { model: Model; checks: Map<string, AccessCheck[]> }, check: AccessCheck): { check: AccessCheck; model: Model } {
  const { model, checks } = Array.isArray(over) ? { model: accessModel(config, over), checks: new Map<string, AccessCheck[]>() } : over;
  if (!checks.has(check.stack)) checks.set(check.stack, accessChecks(config, model, check.stack));
  const found = checks.get(check.stack)!.find(
    (c) => c.stack === check.stack && c.region === check.region && c.row === check.row && c.column === check.column,
  );
  if (found === undefined) throw new Error(`no check ${title(check)}`);
  return { check: found, model };
}

// The example's synthesis is the run's shared one: the tests read its stacks and change only copies (editStatements).
const example = exampleConfig();
const exampleStacks = sharedExampleStacks();

describe.each([
  ["the example config", example],
  ["three workloads in two regions", threeWorkloads()],
])("%s", (_name, config) => {
  const stacks = config === example ? exampleStacks : synthesizeAndResolve(config);
  const model = accessModel(config, stacks);
  const checks = accessChecks(config, model);

  test("every resolved policy lints clean", async () => {
    const policies = stacks.flatMap((s) => s.policies);
    expect(policies.length).toBeGreaterThan(0);
    expect(await lintPolicies(policies)).toEqual([]);
  });

  test("every workload, region and access group is covered", () => {
    for (const w of config.workloads) {
      for (const region of w.regions) {
        const here = checks.filter((c) => c.stack === `workload-${w.name}` && c.region === region);
        for (const g of w.accessGroups) {
          const column = g.identityCenterGroup === undefined ? `${g.name} member` : `${g.name} (Identity Center)`;
          expect(here.some((c) => c.column === column)).toBe(true);
        }
        expect(here.some((c) => c.expect === "Allowed")).toBe(true);
        expect(here.some((c) => c.expect !== "Allowed")).toBe(true);
      }
    }
  });

  test("organization rows: SCP denials and the exempt deploy role with guardrails, open attempts without", () => {
    const rows = checks.filter((c) => c.stack === "organization");
    expect(rows.length).toBeGreaterThan(0);
    if (config.organizationGuardrails === undefined) {
      expect(rows.every((c) => c.expect === "Allowed" && c.row.endsWith("(no organization guardrails: open)"))).toBe(true);
    } else {
      const sids = new Set(rows.map((c) => c.sid));
      for (const sid of ["ScpProtectSessionDocuments", "ScpProtectSessionKeys", "ScpProtectSessionLogs", "ScpProtectSessionIam", "ScpProtectRunAsTag", "ScpProtectLogArchive", "RcpLogKeysOrgIdentitiesOnly", "RcpLogServicesForOrgOnly"]) {
        expect(sids.has(sid)).toBe(true);
      }
      expect(rows.filter((c) => c.column === "exempt deploy role (*)").every((c) => c.expect === "Allowed")).toBe(true);
    }
  });

  test("alert and watchdog checks exist exactly where alerts and the watchdog are on", () => {
    for (const w of config.workloads) {
      for (const region of w.regions) {
        const here = checks.filter((c) => c.stack === `workload-${w.name}` && c.region === region);
        expect(here.some((c) => c.row === "publish an alert")).toBe(w.observability.alerts !== undefined);
        expect(here.some((c) => c.column === "watchdog role")).toBe(w.observability.watchdog !== undefined);
      }
    }
    expect(stacks.flatMap((s) => s.topics).length > 0).toBe(config.workloads.some((w) => w.observability.alerts !== undefined));
  });

  const verify = async (check: AccessCheck): Promise<void> => {
    const outcome = await evaluate(model, check.persona, check.request);
    expect({ decision: outcome.decision, reason: outcome.reason }).toEqual({ decision: check.expect, reason: expect.any(String) });
    if (check.sid !== undefined) expect(outcome.deciders.map((d) => d.sid)).toContain(check.sid);
  };

  describe("things that must work", () => {
    test.each(checks.filter((c) => c.expect === "Allowed").map((c) => [title(c), c] as const))("%s", (_t, check) => verify(check));
  });

  describe("things that must be denied", () => {
    test.each(checks.filter((c) => c.expect !== "Allowed").map((c) => [title(c), c] as const))("%s", (_t, check) => verify(check));
  });

  describe("removing the deciding statement changes the outcome", () => {
    // One check per distinct (row, column, statement) keeps this fast; every statement named by a check is covered.
    const seen = new Set<string>();
    const decided = checks.filter((c) => {
      const key = `${c.row}|${c.column}|${c.sid}`;
      if (c.sid === undefined || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    // The checks that name the same statement share the synthesis without it, its model and its checks per stack.
    const withoutSid = new Map<string, { model: Model; checks: Map<string, AccessCheck[]> }>();
    const without = (sid: string): { model: Model; checks: Map<string, AccessCheck[]> } => {
      if (!withoutSid.has(sid)) withoutSid.set(sid, { model: accessModel(config, editStatements(stacks, (s) => (s.Sid === sid ? undefined : s))), checks: new Map() });
      return withoutSid.get(sid)!;
    };
    test.each(decided.map((c) => [`${title(c)} without ${c.sid}`, c] as const))("%s", async (_t, original) => {
      const { check, model: mutated } = sameCheck(config, without(original.sid!), original);
      const outcome = await evaluate(mutated, check.persona, check.request);
      expect(outcome.decision).not.toBe(original.expect);
    });
  });
});

describe("the conditions that make a denial implicit are load-bearing", () => {
  const config = example;
  const stacks = exampleStacks;
  const checkOf = (row: string, column: string, from: ResolvedStack[] = stacks) => {
    const model = accessModel(config, from);
    const check = accessChecks(config, model).find((c) => c.stack === "workload-payments" && c.region === "eu-west-1" && c.row === row && c.column === column);
    if (check === undefined) throw new Error(`no check ${row} / ${column}`);
    return { check, model };
  };
  const editing = (sid: string, edit: (s: Record<string, any>) => Record<string, any>) =>
    editStatements(stacks, (s) => (s.Sid === sid ? edit(s) : s));
  const dropCondition = (key: string) => (s: Record<string, any>) => ({
    ...s,
    Condition: Object.fromEntries(Object.entries(s.Condition ?? {}).map(([op, block]) => [op, Object.fromEntries(Object.entries(block as object).filter(([k]) => k !== key))])),
  });

  test.each([
    // A role outside the organization with this project's role name: only the organization condition stops it.
    ["look-alike writes its own prefix", "write own transcripts", "look-alike role (outside, *)", "OrganizationWritesOwnPrefix", dropCondition("aws:PrincipalOrgID")],
    ["look-alike uses the log key", "encrypt with the log key through S3", "look-alike role (outside, *)", "OrganizationWritesThroughS3", dropCondition("aws:PrincipalOrgID")],
    ["an account admin uses the log key", "encrypt with the log key through S3", "account admin (*)", "OrganizationWritesThroughS3", dropCondition("aws:PrincipalArn")],
    ["tags only another group reaches", "start a session on an instance only another group reaches", "payments-developers member", "StartSessionOnTaggedInstances", dropCondition("ssm:resourceTag/Environment")],
    ["log key administration", "schedule log key deletion", "account admin (*)", "LogAccountAdministersKey", (s: Record<string, any>) => ({ ...s, Principal: { AWS: "*" } })],
    ["Lambda assumes the role", "assume the instance role as Lambda", "AWS service", "Ec2AssumesRole", (s: Record<string, any>) => ({ ...s, Principal: { Service: ["ec2.amazonaws.com", "lambda.amazonaws.com"] } })],
  ])("%s: ImplicitlyDenied, Allowed once the restriction goes", async (_t, row, column, sid, edit) => {
    const before = checkOf(row, column);
    expect((await evaluate(before.model, before.check.persona, before.check.request)).decision).toBe("ImplicitlyDenied");
    const after = checkOf(row, column, editing(sid, edit));
    expect((await evaluate(after.model, after.check.persona, after.check.request)).decision).toBe("Allowed");
  });

  test("a cross-account write needs the identity policy and the bucket policy", async () => {
    // The instance role without its own grant: the bucket policy alone does not let it write.
    const { check } = checkOf("write own transcripts", "instance role");
    const withoutGrant = checkOf("write own transcripts", "instance role", editing("WriteOwnTranscripts", () => ({ Sid: "Removed", Effect: "Allow", Action: "sns:ListTopics", Resource: "*" })));
    expect(await evaluate(withoutGrant.model, withoutGrant.check.persona, check.request)).toMatchObject({ decision: "ImplicitlyDenied", reason: "no allow in identity" });
    // The look-alike holds s3:* in its own account; only the bucket policy is missing.
    const lookAlike = checkOf("write own transcripts", "look-alike role (outside, *)");
    expect(await evaluate(lookAlike.model, lookAlike.check.persona, lookAlike.check.request)).toMatchObject({
      decision: "ImplicitlyDenied",
      reason: "no allow in bucket policy",
    });
  });

  test("own sessions: the Allow's owner condition is load-bearing behind the guardrail", async () => {
    // Without the guardrail Deny, another user's session is still out of reach, by the Allow's condition alone.
    const row = "end another user's session";
    const withoutDeny = editStatements(stacks, (s) => (s.Sid === "DenyOtherPeoplesSessions" ? undefined : s));
    const before = checkOf(row, "payments-operators member", withoutDeny);
    expect((await evaluate(before.model, before.check.persona, before.check.request)).decision).toBe("ImplicitlyDenied");
    const open = editStatements(withoutDeny, (s) => {
      if (s.Sid !== "ManageOwnSessions") return s;
      const { Condition: _dropped, ...rest } = s;
      return rest;
    });
    const after = checkOf(row, "payments-operators member", open);
    expect((await evaluate(after.model, after.check.persona, after.check.request)).decision).toBe("Allowed");
  });
});
