import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, type TerraformStack } from "cdktf";
import { watchdogCode } from "../modules/watchdog-code";
import { buildStacks } from "../stacks";
import { EXAMPLE_CONFIG, exampleConfig, ROOT } from "./helpers";
import { sharedExampleOut } from "./shared-example";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const stableStringify = require("../scripts/stable-stringify") as (value: unknown, options?: unknown) => string;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fasterResolve, fasterEncoding } = require("../scripts/resolve-patch") as Record<string, (source: string) => string>;
const scratch = mkdtempSync(join(tmpdir(), "bundle-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const fromCdktf = createRequire(require.resolve("cdktf"));
// The writer cdktf itself loads, which the bundle replaces (loaded by the tests that compare with it).
const original = (value: unknown, options?: unknown): string =>
  (fromCdktf("json-stable-stringify") as (value: unknown, options?: unknown) => string)(value, options);

/** The example's stacks as these sources build them under jest, with cdktf's own resolver and writer. */
function exampleStacks(): TerraformStack[] {
  const app = new App({ outdir: join(scratch, "app"), stackTraces: false });
  buildStacks(app, exampleConfig());
  return app.node.children as TerraformStack[];
}

describe("the bundle's JSON writer", () => {
  test("writes what cdktf's json-stable-stringify writes, for every stack of the example", () => {
    const stacks = exampleStacks();
    expect(stacks.length).toBeGreaterThan(5);
    for (const stack of stacks) {
      const json = stack.toTerraform();
      expect(stableStringify(json, { space: 2 })).toBe(original(json, { space: 2 }));
    }
  });

  test.each([
    ["empty object and array", { a: {}, b: [], c: [[], {}] }],
    ["undefined, functions and null", { b: undefined, a: [undefined, () => 1, null], f: () => 1 }],
    ["toJSON", { d: new Date(0), x: { toJSON: () => [1, "two"] } }],
    ["key order", { é: 1, Z: 2, a: 3, 10: 4, 9: 5, "": 6 }],
    ["scalars", 'text with "quotes" and \u2028'],
  ])("writes what json-stable-stringify writes: %s", (_what, value) => {
    for (const options of [{ space: 2 }, { space: 0 }, { space: "\t" }, undefined]) {
      expect(stableStringify(value, options)).toBe(original(value, options));
    }
  });

  test("refuses a circular structure and the options cdktf does not pass", () => {
    const circular: Record<string, unknown> = {};
    circular.self = { circular };
    expect(() => stableStringify(circular, { space: 2 })).toThrow("Converting circular structure to JSON");
    expect(() => stableStringify({}, { space: 2, cycles: true })).toThrow("only the space option is supported, not cycles");
    // The same object twice, not within itself, is no cycle.
    const shared = { a: 1 };
    expect(stableStringify({ x: shared, y: [shared] }, { space: 2 })).toBe(original({ x: shared, y: [shared] }, { space: 2 }));
  });
});

describe("the bundle", () => {
  test("writes each stack of the example as cdktf itself writes it, unpatched, from these sources", () => {
    // One thread: the run's shared synthesis of the example (shared-example.ts; one thread, as the example's three
    // workloads get by default), which the other tests read. Two: the stacks written by another thread too.
    const outputs: Record<string, string> = { "1": sharedExampleOut(), "2": join(scratch, "out", "2") };
    const run = spawnSync(process.execPath, [join(ROOT, "scripts", "app.js")], {
      env: { PATH: process.env.PATH ?? "", SESSIONS_CONFIG: EXAMPLE_CONFIG, CDKTF_OUTDIR: outputs["2"]!, SYNTH_THREADS: "2" },
      encoding: "utf8",
    });
    expect(run.status).toBe(0);
    const stacks = exampleStacks();
    for (const threads of ["1", "2"]) {
      for (const stack of stacks) {
        const written = readFileSync(join(outputs[threads]!, "stacks", stack.node.id, "cdk.tf.json"), "utf8");
        expect({ threads, stack: stack.node.id, json: written }).toEqual({ threads, stack: stack.node.id, json: original(stack.toTerraform(), { space: 2 }) });
      }
    }
    // The manifest names stacks that other threads built: identity-center depends on the workloads it references.
    const manifest = readFileSync(join(outputs["2"]!, "manifest.json"), "utf8");
    expect(manifest).toBe(readFileSync(join(outputs["1"]!, "manifest.json"), "utf8"));
    expect(JSON.parse(manifest).stacks["identity-center"].dependencies).toEqual(["log-archive", "workload-analytics", "workload-batch"]);
  });

  test("fails to build, naming the edit, when cdktf's resolver no longer has the text it rewrites", () => {
    const resolve = readFileSync(fromCdktf.resolve("./tokens/private/resolve.js"), "utf8");
    const encoding = readFileSync(fromCdktf.resolve("./tokens/private/encoding.js"), "utf8");
    expect(fasterResolve(resolve)).toContain("if (plainValue(obj)) {");
    expect(fasterEncoding(encoding)).toContain("x.includes(exports.BEGIN_MAP_TOKEN_MARKER)");
    expect(() => fasterResolve(resolve.replace("const resolvedKey = makeContext()[0].resolve(key);", ""))).toThrow(
      "resolve-patch: resolve.js no longer has the keys exactly once",
    );
  });

  test("names the watchdog's asset by the hash cdktf would compute for it", () => {
    const { hashPath } = fromCdktf("./private/fs") as { hashPath: (path: string) => string };
    expect(watchdogCode().assetHash).toBe(hashPath(watchdogCode().zipPath));
  });
});

describe("the bundle's compiled code, kept between runs", () => {
  const freshBundle = JSON.stringify(join(ROOT, "scripts", "fresh-bundle.js"));
  // Each step is its own process: V8 reuses a script compiled earlier in the same process without reading a cache.
  const step = `
    const { compileWithCache } = require(${freshBundle});
    const [file, dir, save] = process.argv.slice(1);
    const { run, accepted, save: keep } = compileWithCache(file, dir);
    const module = { exports: {} };
    run.call(module.exports, module.exports, require, module, file, dir);
    if (save) keep(true);
    console.log(JSON.stringify({ value: module.exports.value, accepted }));`;
  /** Runs `file` compiled through the cache in `dir` (saving it after with `save`): its value, whether kept code ran. */
  const run = (file: string, dir: string, save = false): { value: string; accepted: boolean } => {
    const child = spawnSync(process.execPath, ["-e", step, file, dir, ...(save ? ["save"] : [])], { encoding: "utf8" });
    expect(child.stderr).toBe("");
    return JSON.parse(child.stdout);
  };
  /** Runs `file` as scripts/app.js runs the bundle (runWithCache), with `env`: the process's exit status and stderr. */
  const runs = (file: string, dir: string, env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ["-e", `require(${freshBundle}).runWithCache(...process.argv.slice(1))`, file, dir], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", ...env },
    });
  const bundle = (name: string, value: string, more = ""): string => {
    const file = join(scratch, name);
    writeFileSync(file, `"use strict";\nconst f = () => "${value}";\nmodule.exports.value = f();\n${more}`);
    return file;
  };
  const kept = (dir: string): string => join(dir, readdirSync(dir).find((f) => f.endsWith(".code"))!);

  test("is used by the next run of the same file once saved, and the code it holds gives the same result", () => {
    const dir = join(scratch, "code-same");
    const file = bundle("same.js", "first");
    expect(run(file, dir, true)).toEqual({ value: "first", accepted: false });
    expect(run(file, dir)).toEqual({ value: "first", accepted: true });
  });

  test("is not used for a rebuilt file of the same length, whose code would otherwise run stale", () => {
    const dir = join(scratch, "code-rebuilt");
    const file = bundle("rebuilt.js", "before");
    run(file, dir, true);
    bundle("rebuilt.js", "after!");
    expect(run(file, dir)).toEqual({ value: "after!", accepted: false });
  });

  test("is not used once changed, cut short or unreadable, and a cache that cannot be written leaves nothing behind", () => {
    const file = bundle("damaged.js", "kept-value");
    const dir = join(scratch, "code-damaged");
    run(file, dir, true);
    // V8 itself runs code whose bytes changed: here a string of it.
    const code = readFileSync(kept(dir));
    expect(code.includes("kept-value")).toBe(true);
    writeFileSync(kept(dir), Buffer.from(code.toString("latin1").replace("kept-value", "evil-value"), "latin1"));
    expect(run(file, dir)).toEqual({ value: "kept-value", accepted: false });
    writeFileSync(kept(dir), code.subarray(0, 40));
    expect(run(file, dir)).toEqual({ value: "kept-value", accepted: false });
    // A file where the cache's directory should be; a directory where its file should be.
    const blocked = join(scratch, "code-blocked");
    writeFileSync(blocked, "");
    expect(run(file, blocked, true)).toEqual({ value: "kept-value", accepted: false });
    rmSync(kept(dir));
    mkdirSync(join(dir, `damaged.js-${process.version}-${process.arch}.code`));
    expect(run(file, dir, true)).toEqual({ value: "kept-value", accepted: false });
    expect(readdirSync(dir).filter((f) => f.includes("partial"))).toEqual([]);
  });

  test("is kept by a run whatever its exit code, and replaced by a run that succeeds after one that failed", () => {
    const file = bundle("exits.js", "value", "process.exitCode = Number(process.env.EXIT);\n");
    const dir = join(scratch, "code-exits");
    const succeeded = (): number => readFileSync(kept(dir))[8]!;
    // A report with findings exits 1 after all its work: its code is kept, marked as a failed run's.
    expect(runs(file, dir, { EXIT: "1" }).status).toBe(1);
    expect(succeeded()).toBe(0);
    const failed = readFileSync(kept(dir));
    expect(runs(file, dir, { EXIT: "1" }).status).toBe(1);
    expect(readFileSync(kept(dir)).equals(failed)).toBe(true);
    // A refused config compiles little of a synth: the next run that succeeds keeps its own code instead.
    expect(runs(file, dir, { EXIT: "0" }).status).toBe(0);
    expect(succeeded()).toBe(1);
    const complete = readFileSync(kept(dir));
    expect(runs(file, dir, { EXIT: "1" }).status).toBe(1);
    expect(readFileSync(kept(dir)).equals(complete)).toBe(true);
    // Node.js's switch for its compile cache turns this one off too.
    expect(runs(file, join(scratch, "code-off"), { EXIT: "0", NODE_DISABLE_COMPILE_CACHE: "1" }).status).toBe(0);
    expect(existsSync(join(scratch, "code-off"))).toBe(false);
  });

  test("names the same line and column in a stack trace as Node.js's own loader", () => {
    const file = join(scratch, "throws.js");
    writeFileSync(file, '"use strict";function fails(){throw new Error("boom")}fails();\n');
    const where = (stderr: string): string | undefined => stderr.match(/at fails \((.*)\)/)?.[1];
    const own = spawnSync(process.execPath, [file], { encoding: "utf8" });
    expect(where(own.stderr)).toMatch(new RegExp(`^${file}:1:\\d+$`));
    expect(where(runs(file, join(scratch, "code-throws")).stderr)).toBe(where(own.stderr));
  });
});
