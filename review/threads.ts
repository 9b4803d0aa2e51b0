/**
 * The review's simulations on several threads, when REPORT_THREADS asks for them (one by default: see
 * reportThreads), for reviews that ask many distinct questions. Once every distinct question is known, and there
 * are enough of them to pay for starting the other threads, the main thread and the others take them a few at a
 * time from one queue, and each outcome goes back to the place of its question.
 * Outcomes depend on their question alone, so the report is the same from any number of threads (a test compares
 * one thread with several).
 *
 * Policies are sent to a thread once, then named by number: the simulator's policy preparation is remembered per
 * policy object (see simulate.ts), and a policy copied into every message would be a new object each time.
 */
import { parentPort, Worker } from "node:worker_threads";
import type { Outcome, SimulationJob } from "./simulate";

/** Questions handed out at a time: a few milliseconds of work, so no thread waits long for the last ones. */
const CHUNK = 16;
/**
 * Distinct questions from which other threads help: each costs about as much CPU to start (loading the simulator,
 * warming its caches) as this thread takes for 800 questions, so fewer are answered sooner by this thread alone.
 */
const MIN_QUESTIONS = 2000;

/** Another thread: what it has been sent, and its exit code once it has ended. */
interface Thread {
  readonly worker: Worker;
  readonly sent: Set<number>;
  ended?: number;
}

/** A job as sent to a thread: its policies by number. */
type SentJob = Omit<SimulationJob, "simulation"> & { readonly simulation: unknown };
type Message = { readonly policies: [number, unknown][]; readonly jobs: { readonly index: number; readonly job: SentJob }[] };
type Reply = { readonly index: number; readonly outcome: Outcome } | { readonly index: number; readonly error: string };

/** A REPORT_THREADS that is not a number of threads. */
export class ThreadsError extends Error {}

/** How many threads simulate: REPORT_THREADS, else one. Checked before anything is read. */
export function reportThreads(env: NodeJS.ProcessEnv): number {
  const chosen = env.REPORT_THREADS;
  // One unless asked: with the simulator's caches (review/simulator-caches.ts), each thread warms its own, and on
  // two cores a second thread made every measured review slower (60 accounts that all differ, 29,159 checks: 5.5 s
  // on one thread, 5.7-6.7 s on two).
  if (chosen === undefined || chosen === "") return 1;
  const n = Number(chosen);
  if (!Number.isInteger(n) || n < 1) throw new ThreadsError(`REPORT_THREADS must be a whole number of threads, 1 or more, not ${chosen}`);
  return n;
}

export class SimulationThreads {
  /** Each policy's number, in the order they were first sent. */
  private readonly policyIds = new Map<object, number>();
  private workers: readonly Thread[] | undefined;

  /**
   * Up to `threads - 1` other threads running `file` (the report bundle, which serves simulations off the main
   * thread), started when a run first has `minQuestions` questions or more.
   */
  private constructor(
    private readonly file: string,
    private readonly others: number,
    private readonly minQuestions: number,
  ) {}

  static start(file: string, threads: number, minQuestions = MIN_QUESTIONS): SimulationThreads | undefined {
    return threads < 2 ? undefined : new SimulationThreads(file, threads - 1, minQuestions);
  }

  private started(): readonly Thread[] {
    this.workers ??= Array.from({ length: this.others }, () => {
      const worker = new Worker(this.file);
      // An idle thread must not keep the report running; run() refs the threads while it needs them.
      worker.unref();
      const thread: Thread = { worker, sent: new Set<number>() };
      // A thread that ends between two runs (a review with a base runs twice) must fail the next run, not take
      // questions that nobody answers.
      worker.once("exit", (code) => (thread.ended = code));
      return thread;
    });
    return this.workers;
  }

  /** Every job's outcome, in order: this thread runs `simulate` on its share, the others theirs. */
  async run(jobs: readonly SimulationJob[], simulate: (job: SimulationJob) => Promise<Outcome>): Promise<Outcome[]> {
    const outcomes: Outcome[] = new Array(jobs.length);
    let next = 0;
    const take = (): number[] => {
      const chunk: number[] = [];
      while (chunk.length < CHUNK && next < jobs.length) chunk.push(next++);
      return chunk;
    };
    const others = (jobs.length < this.minQuestions ? [] : this.started()).map(
      ({ worker, sent, ended }) =>
        new Promise<void>((resolve, reject) => {
          if (ended !== undefined) {
            reject(new Error(`a simulation thread ended (exit code ${ended}) before the review's questions`));
            return;
          }
          let pending = 0;
          const dispatch = (): void => {
            const chunk = take();
            if (chunk.length === 0) {
              cleanup();
              resolve();
              return;
            }
            pending = chunk.length;
            worker.postMessage(this.message(chunk.map((index) => ({ index, job: jobs[index]! })), sent));
          };
          const fail = (e: Error): void => {
            cleanup();
            next = jobs.length; // nobody starts another question
            reject(e);
          };
          const onMessage = (reply: Reply): void => {
            if ("error" in reply) {
              fail(new Error(reply.error));
              return;
            }
            outcomes[reply.index] = reply.outcome;
            if (--pending === 0) dispatch();
          };
          const onError = fail;
          const onExit = (code: number): void => fail(new Error(`a simulation thread ended (exit code ${code}) with questions unanswered`));
          const cleanup = (): void => {
            worker.off("message", onMessage).off("error", onError).off("exit", onExit);
            worker.unref();
          };
          worker.ref();
          worker.on("message", onMessage).on("error", onError).on("exit", onExit);
          dispatch();
        }),
    );
    const mine = (async () => {
      for (let chunk = take(); chunk.length > 0; chunk = take()) {
        for (const index of chunk) outcomes[index] = await simulate(jobs[index]!);
        // Lets the other threads' answers in, so that they get their next questions without waiting for this one.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })().catch((e: unknown) => {
      next = jobs.length; // the other threads start no further question
      throw e;
    });
    await Promise.all([mine, ...others]);
    return outcomes;
  }

  /** Ends the other threads. */
  close(): void {
    for (const { worker } of this.workers ?? []) void worker.terminate();
  }

  private message(jobs: readonly { index: number; job: SimulationJob }[], sent: Set<number>): Message {
    const policies: [number, unknown][] = [];
    const id = (policy: unknown): number | undefined => {
      if (policy === undefined) return undefined;
      let n = this.policyIds.get(policy as object);
      if (n === undefined) {
        n = this.policyIds.size;
        this.policyIds.set(policy as object, n);
      }
      if (!sent.has(n)) {
        sent.add(n);
        policies.push([n, policy]);
      }
      return n;
    };
    return { policies, jobs: jobs.map(({ index, job }) => ({ index, job: { ...job, simulation: mapPolicies(job.simulation, id) } })) };
  }
}

/** The simulation with each policy document replaced by `f(policy)`. */
function mapPolicies(simulation: any, f: (policy: any) => unknown): any {
  const level = (l: any) => ({ ...l, policies: l.policies.map((p: any) => ({ ...p, policy: f(p.policy) })) });
  return {
    ...simulation,
    identityPolicies: simulation.identityPolicies.map((p: any) => ({ ...p, policy: f(p.policy) })),
    resourcePolicy: f(simulation.resourcePolicy),
    serviceControlPolicies: simulation.serviceControlPolicies.map(level),
    resourceControlPolicies: simulation.resourceControlPolicies.map(level),
  };
}

/** A simulation thread's work: answers the main thread's questions until it is ended. */
export function serveSimulations(): void {
  const policies = new Map<number, unknown>();
  // The simulator loads as the thread starts, while the main thread sends the first questions.
  const loading = import("./simulate");
  parentPort!.on("message", async ({ policies: sent, jobs }: Message) => {
    for (const [n, policy] of sent) policies.set(n, policy);
    const { simulateJob } = await loading;
    for (const { index, job } of jobs) {
      try {
        const outcome = await simulateJob({ ...job, simulation: mapPolicies(job.simulation, (n: number | undefined) => (n === undefined ? undefined : policies.get(n))) });
        parentPort!.postMessage({ index, outcome } satisfies Reply);
      } catch (e) {
        parentPort!.postMessage({ index, error: (e as Error).message } satisfies Reply);
      }
    }
  });
}
