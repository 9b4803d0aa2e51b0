import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { initConfig } from "../config/init";
import { parseConfig } from "../config/load";
import { synthesize } from "../stacks/synthesize";
import { ROOT } from "./helpers";

const README = readFileSync(join(ROOT, "README.md"), "utf8");
const PAGES = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** The README is the five-minute page; the reference lives in docs/. */
const README_BUDGET_BYTES = 15_500;

/** Relative link targets of a Markdown page, outside code: `[text](target)`, without the #anchor. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1])
    .filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith("#"))
    .map((target) => target.split("#")[0]);
}

test(`README.md stays within ${README_BUDGET_BYTES} bytes`, () => {
  expect(Buffer.byteLength(README)).toBeLessThanOrEqual(README_BUDGET_BYTES);
});

test("every relative link in README.md and docs/*.md names a file that exists", () => {
  const broken = PAGES.flatMap((page) =>
    relativeLinks(readFileSync(join(ROOT, page), "utf8"))
      .filter((target) => !existsSync(join(ROOT, dirname(page), decodeURIComponent(target))))
      .map((target) => `${page} -> ${target}`),
  );
  expect(broken).toEqual([]);
  // Every docs page is reachable from the README.
  const linked = relativeLinks(README).filter((t) => t.startsWith("docs/"));
  expect(PAGES.filter((p) => p.startsWith("docs/") && !linked.includes(p))).toEqual([]);
});

test("the link check sees links, and only outside code", () => {
  expect(relativeLinks("[a](docs/x.md#y) [b](https://e.org) [c](#z) `[d](no.md)`\n```\n[e](no.md)\n```\n[f](../LICENSE)")).toEqual([
    "docs/x.md",
    "../LICENSE",
  ]);
});

describe("the README's minimal config", () => {
  const marker = "<!-- minimal config: what npm run init writes for the command above; a test synthesizes it -->";
  const block = README.slice(README.indexOf(marker)).match(/^```yaml\n([\s\S]*?)^```$/m)?.[1];
  const command = README.match(/^npm run init -- (.*) --out \S+$/m)?.[1];

  test("is in the README, after its marker, with the init command before it", () => {
    expect(README.indexOf(marker)).toBeGreaterThan(0);
    expect(block).toBeDefined();
    expect(command).toBeDefined();
  });

  test("is exactly what npm run init writes for the README's command", () => {
    const result = initConfig(command!.split(" "), () => "./sessions.schema.json");
    expect(result.ok && result.text).toBe(block);
  });

  test("synthesizes every stack with no finding, warnings included", async () => {
    const outdir = mkdtempSync(join(tmpdir(), "smc-minimal-"));
    try {
      const config = parseConfig(block!, "minimal.yaml");
      const { warnings } = await synthesize(config, outdir);
      expect(warnings).toEqual([]);
      expect(readdirSync(join(outdir, "stacks")).sort()).toEqual(["log-archive", "workload-payments"]);
      const log = JSON.parse(readFileSync(join(outdir, "stacks", "log-archive", "cdk.tf.json"), "utf8"));
      expect(Object.values<any>(log.resource.aws_s3_bucket_object_lock_configuration)[0].rule).toEqual({
        default_retention: { mode: "GOVERNANCE", days: 400 },
      });
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
