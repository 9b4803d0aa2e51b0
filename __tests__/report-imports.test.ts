import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { ROOT } from "./helpers";

/**
 * The review report runs on every pull request and must load fast: nothing on its path may import a construct
 * module, which loads the AWS provider's classes (one such import once doubled the report's time). Its path is
 * followed through the source's relative imports, static and dynamic, type-only imports excepted.
 */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found: string[] = [];
  const specifiers = [
    ...[...text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+"(\.[^"]+)";/gms)].filter((m) => m[1] === undefined).map((m) => m[2]),
    // Dynamic imports load on first use, but load all the same.
    ...[...text.matchAll(/\bimport\("(\.[^"]+)"\)/g)].map((m) => m[1]),
  ];
  for (const specifier of specifiers) {
    const base = join(dirname(file), specifier);
    const target = [`${base}.ts`, join(base, "index.ts")].find((f) => existsSync(f));
    if (target !== undefined) found.push(target);
  }
  return found;
}

function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...importsOf(file));
  }
  return seen;
}

test("the review report imports no construct module, only pure policy and naming code", () => {
  const files = [...reachable(join(ROOT, "scripts", "report.ts"))].map((f) => relative(ROOT, f));
  expect(files).toContain("review/simulate.ts");
  expect(files).toContain("compliance/engine.ts");
  const constructs = files.filter((f) => f.startsWith("modules/") && !f.startsWith("modules/policies/") && f !== "modules/terraform-json.ts");
  expect(constructs).toEqual([]);
});
