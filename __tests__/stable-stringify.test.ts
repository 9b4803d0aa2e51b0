import { createRequire } from "node:module";
import { Testing } from "cdktf";
import { buildStacks } from "../stacks";
import { exampleConfig } from "./helpers";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const stableStringify = require("../scripts/stable-stringify") as (value: unknown, options?: unknown) => string;
// The writer cdktf itself loads, which the bundle replaces.
const original = createRequire(require.resolve("cdktf"))("json-stable-stringify") as (value: unknown, options?: unknown) => string;

describe("the bundle's JSON writer", () => {
  test("writes what cdktf's json-stable-stringify writes, for every stack of the example", () => {
    const app = Testing.app({ stackTraces: false });
    buildStacks(app, exampleConfig());
    const stacks = app.node.children;
    expect(stacks.length).toBeGreaterThan(5);
    for (const stack of stacks) {
      const json = (stack as unknown as { toTerraform(): Record<string, unknown> }).toTerraform();
      expect(stableStringify(json, { space: 2 })).toBe(original(json, { space: 2 }));
    }
  });

  test.each([
    ["empty object and array", { a: {}, b: [], c: [[], {}] }],
    ["undefined, functions and null", { b: undefined, a: [undefined, () => 1, null], f: () => 1 }],
    ["toJSON", { d: new Date(0), x: { toJSON: () => [1, "two"] } }],
    ["key order", { é: 1, Z: 2, a: 3, 10: 4, 9: 5, "": 6 }],
    ["scalars", "text with \"quotes\" and \u2028"],
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
