import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Each test loads the cache module afresh, as a new run would, with SESSIONS_CEDAR_CACHE naming a file of its own.
let dir: string;
let file: string;
const before = process.env.SESSIONS_CEDAR_CACHE;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cedar-cache-"));
  file = join(dir, "cedar.json");
  process.env.SESSIONS_CEDAR_CACHE = file;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  if (before === undefined) delete process.env.SESSIONS_CEDAR_CACHE;
  else process.env.SESSIONS_CEDAR_CACHE = before;
});

function freshRun<T>(fn: (m: typeof import("../modules/policies/cedar-cache") & typeof import("../modules/policies/cedar")) => T): T {
  let out!: T;
  jest.isolateModules(() => {
    out = fn({ ...require("../modules/policies/cedar-cache"), ...require("../modules/policies/cedar") });
  });
  return out;
}

/** Lets the cache write what this run learnt (it writes once the synchronous work is done). */
const settled = () => new Promise((r) => setImmediate(r));

const ENGINE = (JSON.parse(readFileSync(join(__dirname, "..", "node_modules", "@cedar-policy", "cedar-wasm", "nodejs", "package.json"), "utf8")) as { version: string }).version;

describe("Cedar answers remembered between runs", () => {
  test("asks once per distinct question in a run, and hands out copies", () => {
    freshRun(({ remembered }) => {
      const ask = jest.fn(() => ({ decision: "allow", reasons: [0] }));
      remembered("isAuthorized", { q: 1 }, ask).reasons.push(98);
      remembered("isAuthorized", { q: 1 }, ask).reasons.push(99);
      expect(remembered("isAuthorized", { q: 1 }, ask)).toEqual({ decision: "allow", reasons: [0] });
      expect(ask).toHaveBeenCalledTimes(1);
      remembered("isAuthorized", { q: 2 }, ask);
      remembered("validate", { q: 1 }, ask);
      expect(ask).toHaveBeenCalledTimes(3);
    });
  });

  test("a later run answers from the file without asking, and only for the same engine", async () => {
    freshRun(({ remembered }) => remembered("validate", "policy text", () => ({ type: "success", validationErrors: [] })));
    await settled();
    const kept = JSON.parse(readFileSync(file, "utf8")) as { engine: string; answers: Record<string, unknown> };
    expect(kept.engine).toBe(ENGINE);
    expect(Object.values(kept.answers)).toEqual([{ type: "success", validationErrors: [] }]);

    const ask = jest.fn(() => ({ type: "failure" }));
    expect(freshRun(({ remembered }) => remembered("validate", "policy text", ask))).toEqual({ type: "success", validationErrors: [] });
    expect(ask).not.toHaveBeenCalled();

    writeFileSync(file, JSON.stringify({ ...kept, engine: "0.0.1" }));
    expect(freshRun(({ remembered }) => remembered("validate", "policy text", ask))).toEqual({ type: "failure" });
    expect(ask).toHaveBeenCalledTimes(1);
  });

  test("off asks the engine every time and writes nothing", async () => {
    process.env.SESSIONS_CEDAR_CACHE = "off";
    const ask = jest.fn(() => 1);
    freshRun(({ remembered }) => [remembered("validate", "x", ask), remembered("validate", "x", ask)]);
    await settled();
    expect(ask).toHaveBeenCalledTimes(2);
    expect(() => readFileSync(file)).toThrow();
  });

  test("a damaged file is ignored, then replaced", async () => {
    writeFileSync(file, "{ not json");
    const ask = jest.fn(() => 1);
    freshRun(({ remembered }) => remembered("validate", "x", ask));
    await settled();
    expect(ask).toHaveBeenCalledTimes(1);
    expect(JSON.parse(readFileSync(file, "utf8")).engine).toBe(ENGINE);
  });

  test("a cache that cannot be written costs only the engine's answers, and leaves no partial file", async () => {
    mkdirSync(file); // a directory where the file should be
    const ask = jest.fn(() => 1);
    freshRun(({ remembered }) => remembered("validate", "x", ask));
    await settled();
    expect(ask).toHaveBeenCalledTimes(1);
    expect(readdirSync(dir)).toEqual(["cedar.json"]);
  });

  test("remembered answers of the engine equal fresh ones: validation problems, parts, decisions", async () => {
    const denyRule = 'forbid (principal in AWS::IdentityStore::Group::"g-1", action, resource) when { resource.hasTag("Tier") && resource.getTag("Tier") == "prod" };';
    const broken = 'permit (principal, action, resource) when { resource.nosuch };';
    const run = () =>
      freshRun(({ validatePolicies, parsePolicies, authorize }) => ({
        valid: validatePolicies(denyRule, "forbid"),
        wrongEffect: validatePolicies(denyRule, "permit"),
        invalid: validatePolicies(broken, "permit"),
        unparsable: validatePolicies("permit (", "permit"),
        parts: parsePolicies(`${denyRule}\n${broken}`),
        denied: authorize([denyRule], { groups: ["g-1"], nodeTags: { Tier: "prod" } }),
        notDenied: authorize([denyRule], { groups: ["g-1"], nodeTags: { Tier: "dev" } }),
      }));
    const fresh = run();
    await settled();
    expect(Object.keys(JSON.parse(readFileSync(file, "utf8")).answers).length).toBeGreaterThanOrEqual(7);
    expect(run()).toEqual(fresh);
    process.env.SESSIONS_CEDAR_CACHE = "off";
    expect(run()).toEqual(fresh);
    expect(fresh.valid).toEqual([]);
    expect(fresh.wrongEffect).toEqual([expect.stringContaining("statement 1 is a forbid")]);
    expect(fresh.invalid).toEqual([expect.stringContaining("does not validate against the just-in-time schema")]);
    expect(fresh.unparsable[0]).toMatch(/^does not parse/);
    expect(fresh.denied).toEqual({ decision: "deny", reasons: [0] });
    expect(fresh.notDenied).toEqual({ decision: "deny", reasons: [] });
  });
});
