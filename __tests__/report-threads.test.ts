import { join } from "node:path";
import { runReport } from "../review/cli";
import { evaluateStacks } from "../review/report";
import { type Outcome, simulateJob, type SimulationJob } from "../review/simulate";
import { reportThreads, SimulationThreads } from "../review/threads";
import { exampleConfig, ROOT } from "./helpers";
import { sharedExampleStacks } from "./shared-example";

// The other threads run the report's bundle, rebuilt before the run if a source is newer (global-setup.js), as
// `npm run report` does.
const BUNDLE = join(ROOT, "dist", "report.js");

describe("the review's simulations on several threads", () => {
  test("the example's checks of its fullest workload come out the same from one thread and from three", async () => {
    const config = exampleConfig();
    const stacks = sharedExampleStacks();
    const one = await evaluateStacks(config, stacks, "workload-payments");
    // Threads from the first question (a review starts them from 2,000 distinct questions).
    const threads = SimulationThreads.start(BUNDLE, 3, 0)!;
    try {
      const three = await evaluateStacks(config, stacks, "workload-payments", threads);
      expect(one.results.length).toBeGreaterThan(300);
      expect(new Set(one.results.map((r) => r.outcome.decision))).toEqual(new Set(["Allowed", "ExplicitlyDenied", "ImplicitlyDenied"]));
      expect(three.results).toEqual(one.results);
    } finally {
      threads.close();
    }
    // The workload's checks evaluated twice, once with two more threads loading the report's bundle: seconds on a busy machine.
  }, 30_000);

  test("fewer questions than pay for another thread are answered by this one", async () => {
    const threads = SimulationThreads.start(BUNDLE, 2)!;
    const jobs = Array.from({ length: 20 }, (_, i) => ({ i }) as unknown as SimulationJob);
    const answered: number[] = [];
    const outcomes = await threads.run(jobs, async (job) => {
      answered.push((job as unknown as { i: number }).i);
      return { decision: "Allowed", reason: "", deciders: [] };
    });
    threads.close();
    expect(answered).toEqual(jobs.map((_, i) => i));
    expect(outcomes).toHaveLength(20);
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

    const threads = SimulationThreads.start(BUNDLE, 3, 0)!;
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
    const threads = SimulationThreads.start(BUNDLE, 2, 0)!;
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

  test("a thread that ended between two runs fails the next run instead of leaving it unanswered", async () => {
    const threads = SimulationThreads.start(BUNDLE, 2, 0)!;
    const allowed = async (): Promise<Outcome> => ({ decision: "Allowed", reason: "", deciders: [] });
    const jobs = Array.from({ length: 40 }, (_, i) => ({ i }) as unknown as SimulationJob);
    expect(await threads.run([], allowed)).toEqual([]); // starts the other thread
    threads.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expect(threads.run(jobs, () => new Promise(() => undefined))).rejects.toThrow(/a simulation thread ended \(exit code \d+\) before the review's questions/);
  });

  test("the report uses one thread unless REPORT_THREADS asks for more", () => {
    expect(reportThreads({})).toBe(1);
    expect(reportThreads({ REPORT_THREADS: "" })).toBe(1);
    expect(reportThreads({ REPORT_THREADS: "3" })).toBe(3);
  });

  test("REPORT_THREADS must be a whole number of 1 or more", async () => {
    // Refused before cdktf.out (here none) or the config is read.
    expect(await runReport({ CDKTF_OUTDIR: join(ROOT, "nowhere"), SESSIONS_CONFIG: join(ROOT, "sessions.yaml"), REPORT_THREADS: "0" })).toEqual({
      code: 1,
      out: "",
      err: "REPORT_THREADS must be a whole number of threads, 1 or more, not 0",
    });
  });
});
