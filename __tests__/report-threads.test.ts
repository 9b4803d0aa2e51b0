import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import { runReport } from "../review/cli";
import { type Outcome, simulateJob, type SimulationJob } from "../review/simulate";
import { SimulationThreads } from "../review/threads";
import { buildStacks } from "../stacks";
import { appStderr, exampleConfig, ROOT } from "./helpers";

const outdir = mkdtempSync(join(tmpdir(), "report-threads-"));
const app = new App({ outdir, stackTraces: false });
buildStacks(app, exampleConfig());
app.synth();
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** `npm run report` on the example, as a process (the bundle), with `threads` threads: its review.md. */
function report(threads: string): string {
  const run = spawnSync(process.execPath, [join(ROOT, "scripts", "run-report.js")], {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir, SESSIONS_CONFIG: join(ROOT, "sessions.yaml"), REPORT_THREADS: threads },
    encoding: "utf8",
  });
  expect({ status: run.status, stderr: appStderr(run.stderr) }).toEqual({ status: 0, stderr: "" });
  return readFileSync(join(outdir, "review.md"), "utf8");
}

describe("the review's simulations on several threads", () => {
  test("npm run report writes the same review from one thread and from three", () => {
    const one = report("1");
    expect(one).toContain("941 access checks, all as intended");
    expect(report("3")).toBe(one);
  });

  test("other threads answer as this one does, policies sent once and named by number", async () => {
    // Questions sharing policy objects, as a persona's checks do; this thread slowed, so the others take most.
    const admin = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] };
    const deny = { Version: "2012-10-17", Statement: [{ Sid: "NoDeletes", Effect: "Deny", Action: "s3:DeleteObject", Resource: "*" }] };
    const job = (action: string, i: number): SimulationJob => ({
      simulation: {
        request: {
          principal: "arn:aws:iam::111111111111:user/alice",
          action,
          resource: { resource: `arn:aws:s3:::bucket-${i % 3}/key`, accountId: "111111111111" },
          contextVariables: {},
        },
        identityPolicies: [
          { name: "admin", policy: admin },
          { name: "deny", policy: deny },
        ],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      action,
      resource: `arn:aws:s3:::bucket-${i % 3}/key`,
      who: "alice",
    });
    const jobs = Array.from({ length: 120 }, (_, i) => job(["s3:GetObject", "s3:DeleteObject", "s3:PutObject"][i % 3]!, i));
    const expected: Outcome[] = [];
    for (const j of jobs) expected.push(await simulateJob(j));
    expect(expected[1]).toEqual({ decision: "ExplicitlyDenied", deciders: [{ sid: "NoDeletes", policy: "identity deny" }], reason: expect.any(String) });

    // The bundle serves simulations off the main thread; `npm run report` above has just built it.
    const threads = SimulationThreads.start(join(ROOT, "dist", "report.js"), 3)!;
    let mine = 0;
    try {
      const outcomes = await threads.run(jobs, async (j) => {
        mine += 1;
        await new Promise((r) => setTimeout(r, 50));
        return simulateJob(j);
      });
      expect(outcomes).toEqual(expected);
      expect(mine).toBeLessThan(jobs.length / 2);
    } finally {
      threads.close();
    }
  });

  test("a simulation that fails in another thread fails the run with its message", async () => {
    const threads = SimulationThreads.start(join(ROOT, "dist", "report.js"), 2)!;
    const broken: SimulationJob = {
      simulation: {
        request: { principal: "arn:aws:iam::111111111111:user/alice", action: "s3:GetObject", resource: { resource: "arn:aws:s3:::b/k", accountId: "111111111111" }, contextVariables: {} },
        identityPolicies: [{ name: "bad", policy: { Version: "2012-10-17", Statement: [{ Effect: "Sometimes", Action: "s3:*", Resource: "*" }] } }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      action: "s3:GetObject",
      resource: "arn:aws:s3:::b/k",
      who: "alice",
    };
    try {
      // This thread waits, so the other takes the question.
      await expect(threads.run([broken], () => new Promise(() => undefined))).rejects.toThrow(/Sometimes|Effect/);
    } finally {
      threads.close();
    }
  });

  test("REPORT_THREADS must be a whole number of 1 or more", async () => {
    expect(await runReport({ CDKTF_OUTDIR: outdir, SESSIONS_CONFIG: join(ROOT, "sessions.yaml"), REPORT_THREADS: "0" })).toEqual({
      code: 1,
      out: "",
      err: "REPORT_THREADS must be a whole number of threads, 1 or more, not 0",
    });
  });
});
