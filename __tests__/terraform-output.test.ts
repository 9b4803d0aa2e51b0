import { execFile, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runReport } from "../review/cli";
import { loadSynthesizedStacks } from "../review/resolve";
import { importHcl, synthSummary, unwrapInterpolationOnly } from "../stacks/synthesize";
import { EXAMPLE_CONFIG, exampleConfig, hclBlocks, synthesizeHere, terraformLiteral } from "./helpers";
import { sharedExample, sharedExampleOut } from "./shared-example";

// What Terraform reads: the example's JSON output (the app command's, shared by the run: shared-example.ts) and its
// HCL output, written by synthesize() in this process (bundle.test.ts proves the two write the same stacks).

const scratch = mkdtempSync(join(tmpdir(), "smc-terraform-output-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A JSON synthesis of the example in `out` inside the directory returned: the run's shared one, read only. */
async function jsonOutput(): Promise<string> {
  sharedExampleOut();
  return sharedExample().cwd;
}

/** An earlier synthesis of the example in `cwd`/out: a copy of the one jsonOutput() made. */
async function earlierOutput(cwd: string): Promise<void> {
  mkdirSync(cwd, { recursive: true });
  cpSync(join(await jsonOutput(), "out"), join(cwd, "out"), { recursive: true });
}

/** An HCL synthesis of the example: the one the JSON-to-HCL switch test left, or a new one. */
async function hclOutput(): Promise<string> {
  const cwd = join(scratch, "switch");
  if (!existsSync(join(cwd, "out", "stacks", "log-archive", "cdk.tf"))) {
    mkdirSync(cwd, { recursive: true });
    await synthesizeHere(exampleConfig(), join(cwd, "out"), true);
  }
  return cwd;
}

test("switching to HCL replaces cdk.tf.json, so Terraform never loads both", async () => {
  const cwd = join(scratch, "switch");
  await earlierOutput(cwd);
  const { stacks } = await synthesizeHere(exampleConfig(), join(cwd, "out"), true);
  // The same summary as a JSON synth: the counts come from the stacks' JSON form.
  expect(synthSummary(stacks)[1]).toBe("workload-payments   account 222222222222  132 resources");
  expect(readdirSync(join(cwd, "out", "stacks", "log-archive")).sort()).toEqual(["cdk.tf", "metadata.json"]);
  expect(readFileSync(join(cwd, "out", "stacks", "log-archive", "cdk.tf"), "utf8")).toMatch(
    /^terraform \{\n  required_version = ">= 1\.10"\n  required_providers \{$/m,
  );
  // An HCL synth converts every stack with cdktf's HCL tools: seconds on a busy machine.
}, 30_000);

describe("HCL output", () => {
  const stacksOf = (cwd: string): string[] => readdirSync(join(cwd, "out", "stacks")).sort();

  test("keeps the import block that adopts analytics' SSM-SessionManagerRunShell, as the JSON output has it", async () => {
    const hcl = await hclOutput();
    const json = await jsonOutput();
    expect(stacksOf(hcl)).toEqual(["identity-center", "just-in-time", "log-archive", "organization", "workload-analytics", "workload-batch", "workload-payments"]);
    for (const stack of stacksOf(hcl)) {
      const blocks = hclBlocks(readFileSync(join(hcl, "out", "stacks", stack, "cdk.tf"), "utf8"));
      const imports = blocks.filter((b) => b.type === "import").map((b) => b.attributes);
      const expected = JSON.parse(readFileSync(join(json, "out", "stacks", stack, "cdk.tf.json"), "utf8")).import ?? [];
      expect([stack, imports]).toEqual([stack, expected.map((i: any) => ({ to: i.to, id: JSON.stringify(i.id), provider: i.provider }))]);
    }
    const analytics = hclBlocks(readFileSync(join(hcl, "out", "stacks", "workload-analytics", "cdk.tf"), "utf8"));
    const [adoption] = analytics.filter((b) => b.type === "import");
    expect(adoption.attributes).toEqual({
      to: expect.stringMatching(/^aws_ssm_document\.session-us-east-1_preferences_[0-9A-F]{8}$/),
      id: '"SSM-SessionManagerRunShell"',
      provider: "aws",
    });
    // `to` names the preferences document of this HCL, and `provider` its default provider, in us-east-1.
    const [type, name] = adoption.attributes.to.split(".");
    const target = analytics.find((b) => b.type === "resource" && b.labels[0] === type && b.labels[1] === name);
    expect(target?.attributes).toMatchObject({ name: '"SSM-SessionManagerRunShell"', document_type: '"Session"' });
    expect(target?.attributes.provider).toBe("aws");
    const providers = analytics.filter((b) => b.type === "provider" && b.labels[0] === "aws" && b.attributes.alias === undefined);
    expect(providers.map((p) => p.attributes.region)).toEqual(['"us-east-1"']);
  });

  test("keeps each stack's Terraform JSON outside the stacks' directories, and npm run report reads it", async () => {
    const hcl = await hclOutput();
    const json = await jsonOutput();
    expect(readdirSync(join(hcl, "out", "json")).sort()).toEqual(stacksOf(hcl).map((s) => `${s}.json`));
    for (const stack of stacksOf(hcl)) {
      expect(JSON.parse(readFileSync(join(hcl, "out", "json", `${stack}.json`), "utf8"))).toEqual(
        JSON.parse(readFileSync(join(json, "out", "stacks", stack, "cdk.tf.json"), "utf8")),
      );
    }
    expect(loadSynthesizedStacks(join(hcl, "out"))).toEqual(loadSynthesizedStacks(join(json, "out")));
    // The review's synthesis inputs are equal; the report itself (its simulation takes seconds) runs once, to
    // prove it accepts an HCL synthesis.
    const run = await runReport({ CDKTF_OUTDIR: join(hcl, "out"), SESSIONS_CONFIG: EXAMPLE_CONFIG });
    expect(run).toMatchObject({ code: 0, err: "" });
    expect(readFileSync(join(hcl, "out", "review.md"), "utf8")).toContain("941 access checks, all as intended");
    // The simulation of every check: seconds, more on a busy machine.
  }, 30_000);

  test("a JSON synth after an HCL one drops the kept JSON, and the report reads cdk.tf.json again", async () => {
    const cwd = join(scratch, "back");
    mkdirSync(cwd, { recursive: true });
    cpSync(join(await hclOutput(), "out"), join(cwd, "out"), { recursive: true });
    rmSync(join(cwd, "out", "json", "log-archive.json"));
    expect(() => loadSynthesizedStacks(join(cwd, "out"))).toThrow(
      `log-archive: ${join(cwd, "out", "json", "log-archive.json")} not found: synthesize again (npm run synth)`,
    );
    await synthesizeHere(exampleConfig(), join(cwd, "out"));
    expect(existsSync(join(cwd, "out", "json"))).toBe(false);
    expect(loadSynthesizedStacks(join(cwd, "out")).map((s) => s.name)).toEqual(stacksOf(cwd));
  });

  test("an import id is a string literal: a template sequence in it stays text", () => {
    expect(importHcl({ to: "aws_ssm_document.d", id: 'a"${b}%{c}', provider: "aws.eu-west-1" })).toBe(
      ['import {', "  to = aws_ssm_document.d", '  id = "a\\"$${b}%%{c}"', "  provider = aws.eu-west-1", "}"].join("\n"),
    );
    expect(hclBlocks(importHcl({ to: "aws_ssm_document.d", id: "x" }))).toEqual([{ type: "import", labels: [], attributes: { to: "aws_ssm_document.d", id: '"x"' } }]);
  });
});

describe("Terraform reads the output", () => {
  const terraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
  if (!terraform) {
    // A visible note rather than a silent pass.
    console.warn("SKIPPED: terraform is not on PATH, so `terraform fmt -check` and the parse check did not run.");
  }
  const withTerraform = terraform ? test : test.skip;

  /**
   * A Terraform CLI configuration whose only provider source is an empty directory: init parses the configuration
   * and then stops at installing the providers, the same with or without a network (online, each stack's init would
   * otherwise download the AWS provider).
   */
  function offlineCliConfig(): string {
    const file = join(scratch, "offline.tfrc");
    if (!existsSync(file)) {
      mkdirSync(join(scratch, "no-providers"), { recursive: true });
      writeFileSync(file, `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(join(scratch, "no-providers"))}\n  }\n}\n`);
    }
    return file;
  }

  /**
   * Terraform parses every stack in `out`: init stops only at installing the providers (offlineCliConfig). The
   * stacks are read side by side, one Terraform process each.
   */
  async function expectTerraformParses(out: string): Promise<void> {
    const stacks = readdirSync(join(out, "stacks"));
    const texts = await Promise.all(
      stacks.map(
        (stack) =>
          new Promise<string>((resolve, reject) => {
            const args = ["init", "-backend=false", "-input=false", "-no-color"];
            const env = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: offlineCliConfig() };
            // A failed init (no provider to download) is an exit code; only a Terraform that did not run is an error.
            execFile("terraform", args, { cwd: join(out, "stacks", stack), env, timeout: 60_000 }, (error, stdout, stderr) =>
              error !== null && typeof error.code !== "number" ? reject(error) : resolve(stdout + stderr),
            );
          }),
      ),
    );
    stacks.forEach((stack, i) => {
      const errors = texts[i]!.match(/^Error: .*$/gm) ?? [];
      expect([stack, errors.filter((e) => !/provider packages|install provider/i.test(e))]).toEqual([stack, []]);
      expect([stack, texts[i]!.match(/^Warning: .*$/gm) ?? []]).toEqual([stack, []]);
    });
  }

  withTerraform("cdktf synth --hcl output passes terraform fmt -check and parses without warnings", async () => {
    const cwd = await hclOutput();
    const fmt = spawnSync("terraform", ["fmt", "-check", "-recursive", "-no-color", "out"], { cwd, encoding: "utf8" });
    expect(fmt.stdout).toBe("");
    expect(fmt.status).toBe(0);
    await expectTerraformParses(join(cwd, "out"));
  });

  // What the two tests below have Terraform evaluate, each as outputs of its own prefix (json__, hcl__), in one
  // working directory, so that one init and one apply serve both.

  /** Every policy and document string of the example's JSON output, references replaced by a marker. */
  async function policyTexts(): Promise<{ texts: Record<string, string>; marker: (t: string) => string }> {
    const cwd = await jsonOutput();
    const texts: Record<string, string> = {};
    for (const stack of readdirSync(join(cwd, "out", "stacks"))) {
      const config = JSON.parse(readFileSync(join(cwd, "out", "stacks", stack, "cdk.tf.json"), "utf8"));
      for (const [type, resources] of Object.entries<Record<string, any>>(config.resource)) {
        for (const [name, body] of Object.entries<Record<string, any>>(resources)) {
          for (const attr of ["policy", "assume_role_policy", "content"]) {
            if (typeof body[attr] === "string") texts[`json__${stack}__${type}__${name}__${attr}`.replace(/[^\w-]/g, "_")] = body[attr];
          }
        }
      }
    }
    const marker = (t: string) => t.replace(/\$\{aws_[a-z0-9_]+\.[^}]+\}/g, "REF");
    return { texts, marker };
  }

  /**
   * Every top-level `name = "…"` of every resource in the HCL output, as HCL outputs, with the JSON output's value
   * for the same resource and argument as Terraform will read it.
   */
  async function hclStrings(): Promise<{ outputs: string[]; expected: Record<string, string> }> {
    const hcl = await hclOutput();
    const json = await jsonOutput();
    const outputs: string[] = [];
    const expected: Record<string, string> = {};
    for (const stack of readdirSync(join(hcl, "out", "stacks"))) {
      const tfJson = JSON.parse(readFileSync(join(json, "out", "stacks", stack, "cdk.tf.json"), "utf8"));
      let resource: [string, string] | undefined;
      // Nested blocks by depth, each with its position among same-named blocks (egress { … } twice, say).
      let blocks: [string, number][] = [];
      let seen = new Map<string, number>();
      for (const line of readFileSync(join(hcl, "out", "stacks", stack, "cdk.tf"), "utf8").split("\n")) {
        const opens = line.match(/^resource "([\w]+)" "([\w-]+)" \{$/);
        if (opens) [resource, blocks, seen] = [[opens[1], opens[2]], [], new Map()];
        else if (line === "}") resource = undefined;
        const indent = line.length - line.trimStart().length;
        const block = line.match(/^\s+([a-z_]+) \{$/);
        if (block) {
          const parent = blocks.slice(0, indent / 2 - 1);
          const where = JSON.stringify([...parent, block[1]]);
          const index = seen.get(where) ?? 0;
          seen.set(where, index + 1);
          blocks = [...parent, [block[1], index]];
        }
        const attr = line.match(/^(\s+)([a-z_]+)\s*= ("(?:[^"\\]|\\.)*")$/);
        if (resource === undefined || attr === null || attr[3].includes("${")) continue;
        const inside = blocks.slice(0, attr[1].length / 2 - 1);
        const path = [...inside.map(([name, i]) => `${name}${i}`), attr[2]];
        let value: any = tfJson.resource[resource[0]][resource[1]];
        for (const [name, i] of inside) value = Array.isArray(value?.[name]) ? value[name][i] : value?.[name];
        value = value?.[attr[2]];
        if (typeof value !== "string") continue; // a map entry or list element: not a resource argument
        const key = `hcl__${stack}__${resource[1]}__${resource[0]}__${path.join("__")}`.replace(/[^\w-]/g, "_");
        outputs.push(`output "${key}" {\n  value = ${attr[3]}\n}`);
        expected[key] = terraformLiteral(value);
      }
    }
    return { outputs, expected };
  }

  /** The outputs of both, as Terraform evaluates them (init, apply, output -json), computed once for the file. */
  let evaluation: Promise<Record<string, string>> | undefined;
  const evaluatedByTerraform = (): Promise<Record<string, string>> =>
    (evaluation ??= (async () => {
      const dir = join(scratch, "evaluated");
      mkdirSync(dir, { recursive: true });
      const { texts, marker } = await policyTexts();
      writeFileSync(join(dir, "policies.tf.json"), JSON.stringify({ output: Object.fromEntries(Object.entries(texts).map(([k, t]) => [k, { value: marker(t) }])) }));
      writeFileSync(join(dir, "strings.tf"), (await hclStrings()).outputs.join("\n"));
      const tf = (...args: string[]) =>
        spawnSync("terraform", args, { cwd: dir, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
      for (const step of [["init", "-input=false", "-no-color"], ["apply", "-auto-approve", "-input=false", "-no-color"]]) {
        const run = tf(...step);
        if (run.status !== 0) throw new Error(`terraform ${step[0]} failed:\n${run.stdout}${run.stderr}`);
      }
      return Object.fromEntries(Object.entries<any>(JSON.parse(tf("output", "-json").stdout)).map(([k, o]) => [k, o.value as string]));
    })());

  withTerraform("Terraform itself turns every policy and document into the text the tests assert on", async () => {
    // The other tests read policies through terraformLiteral (a copy of Terraform's unescaping). Here Terraform
    // evaluates every policy and document string of the example, references replaced by a marker, as outputs.
    const { texts, marker } = await policyTexts();
    const all = await evaluatedByTerraform();
    const evaluated = Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith("json__")));
    expect(Object.keys(evaluated).length).toBeGreaterThan(10);
    expect(Object.keys(evaluated).sort()).toEqual(Object.keys(texts).sort());
    for (const [k, t] of Object.entries(texts)) expect(evaluated[k]).toBe(marker(terraformLiteral(t)));
    const joined = Object.values(evaluated).join("\n");
    expect(joined).toContain('session/${aws:userid}-*"');
    expect(joined).toContain('"ssm:resourceTag/aws:ssmmessages:session-id": "${aws:userid}"');
    expect(joined).toContain('/${aws:PrincipalAccount}/*"');
    expect(joined).not.toContain("$${");
  });

  withTerraform("HCL output gives Terraform the same single-line strings as JSON output (backslashes included)", async () => {
    // Every top-level `name = "…"` of every resource in the HCL, evaluated by Terraform as an output, must equal
    // the JSON output's value for the same resource and argument (Terraform unescapes both the same way).
    const { expected } = await hclStrings();
    expect(Object.keys(expected).some((k) => k.includes("alarm_description"))).toBe(true);
    expect(Object.keys(expected).some((k) => k.includes("metric_filter") && k.endsWith("pattern"))).toBe(true);
    const all = await evaluatedByTerraform();
    expect(Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith("hcl__")))).toEqual(expected);
  });

  withTerraform("the JSON output parses without warnings", async () => {
    // A copy: init may write into each stack's directory, and the shared output is read by other files.
    const cwd = join(scratch, "json-parse");
    await earlierOutput(cwd);
    await expectTerraformParses(join(cwd, "out"));
  });
});

describe("HCL clean-up", () => {
  test("unwraps interpolation-only strings and quoted references, but never inside a heredoc", () => {
    const hcl = [
      'resource "x" "y" {',
      '  bucket   = "${aws_s3_bucket.b.id}"',
      '  provider = "aws.eu-central-1"',
      "  policy   = <<EOF",
      '{ "Resource": "${aws_kms_key.k.arn}", "provider": "aws" }',
      "EOF",
      "  depends_on = [",
      '    "aws_s3_bucket.b",',
      "  ]",
      '  name = "${var.prefix}-x"',
      "}",
    ].join("\n");
    expect(unwrapInterpolationOnly(hcl).split("\n")).toEqual([
      'resource "x" "y" {',
      "  bucket   = aws_s3_bucket.b.id",
      "  provider = aws.eu-central-1",
      "  policy   = <<EOF",
      '{ "Resource": "${aws_kms_key.k.arn}", "provider": "aws" }',
      "EOF",
      "  depends_on = [",
      "    aws_s3_bucket.b,",
      "  ]",
      '  name = "${var.prefix}-x"',
      "}",
    ]);
  });
});
