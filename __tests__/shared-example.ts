import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSynthesizedStacks, type ResolvedStack } from "../review/resolve";
import { EXAMPLE_CONFIG, ROOT } from "./helpers";

/**
 * The shipped example synthesized once for the whole test run, by the app command as `npm run synth` runs it (its
 * bundle, JSON output, one thread as for any config with fewer than 16 workload stacks per core). The app runs with
 * --throw-deprecation, so its result also proves that a synth calls no deprecated Node.js API.
 *
 * The first test file that asks runs it; files in other workers wait for its result. The directory comes from
 * __tests__/global-setup.js (SMC_SHARED_DIR), which removes it after the run. The output is read, never changed:
 * a test that changes an output copies it first. Synth output is deterministic, and bundle.test.ts compares every
 * stack of it with what these sources synthesize in the test's own process, so it cannot drift from the code.
 */
export interface SharedExample {
  /** The working directory the app ran in; its output is `out` inside it. */
  readonly cwd: string;
  /** The output directory, `cwd`/out. */
  readonly out: string;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let shared: SharedExample | undefined;
let sharedStacks: ResolvedStack[] | undefined;

/** Blocks this thread for `ms` milliseconds. */
const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/** The example's shared synthesis: run by this file if no other file has started it, else waited for. */
export function sharedExample(): SharedExample {
  if (shared !== undefined) return shared;
  let root = process.env.SMC_SHARED_DIR;
  if (root === undefined) {
    // Without the global setup (jest run with another config), the file synthesizes it for itself.
    const own = mkdtempSync(join(tmpdir(), "smc-shared-"));
    afterAll(() => rmSync(own, { recursive: true, force: true }));
    root = own;
  }
  const cwd = join(root, "example");
  const result = join(root, "example.json");
  let mine = true;
  try {
    mkdirSync(cwd);
  } catch {
    mine = false;
  }
  if (mine) {
    const run = spawnSync(process.execPath, ["--throw-deprecation", join(ROOT, "scripts", "app.js")], {
      cwd,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", SESSIONS_CONFIG: EXAMPLE_CONFIG, CDKTF_OUTDIR: "out" },
      encoding: "utf8",
    });
    // Written aside and renamed: a waiting file never reads half of it.
    writeFileSync(`${result}.partial`, JSON.stringify({ status: run.status, stdout: run.stdout, stderr: run.stderr }));
    renameSync(`${result}.partial`, result);
  } else {
    const deadline = Date.now() + 120_000;
    while (!existsSync(result)) {
      if (Date.now() > deadline) throw new Error(`the shared synthesis of the example did not finish: ${result} not written`);
      sleep(20);
    }
  }
  shared = { cwd, out: join(cwd, "out"), ...JSON.parse(readFileSync(result, "utf8")) };
  return shared!;
}

/** The shared synthesis's output directory; fails, with the app's stderr, if the synth failed. */
export function sharedExampleOut(): string {
  const { status, stderr, out } = sharedExample();
  if (status !== 0) throw new Error(`the example's synth failed (exit ${status}):\n${stderr}`);
  return out;
}

/** The shared synthesis resolved for the review (loadSynthesizedStacks), once per file: read it, do not change it. */
export function sharedExampleStacks(): ResolvedStack[] {
  sharedStacks ??= loadSynthesizedStacks(sharedExampleOut());
  return sharedStacks;
}
