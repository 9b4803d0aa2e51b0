import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./helpers";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plan = require("../scripts/plan-offline") as {
  withoutImports: (config: Record<string, any>) => { config: Record<string, any>; imports: { to: string; id: string }[] };
  testFile: (config: Record<string, any>, assertions?: { condition: string; error_message: string }[]) => string;
  planCounts: (output: string) => { add: number; change: number; destroy: number; read: number };
  summary: (name: string, counts: { add: number; change: number; destroy: number }, imports: { to: string; id: string }[]) => string;
  ASSERTIONS: Record<string, { condition: string; error_message: string }[]>;
};

describe("npm run plan", () => {
  test("mocks the default aws provider and every alias, plans once, and asserts the organization's policy sizes", () => {
    const config = { provider: { aws: [{ region: "eu-west-1" }, { alias: "eu-central-1", region: "eu-central-1" }] } };
    expect(plan.testFile(config).split("\n")).toEqual([
      'mock_provider "aws" {}',
      "",
      'mock_provider "aws" {',
      '  alias = "eu-central-1"',
      "}",
      "",
      'run "plan" {',
      "  command = plan",
      "}",
      "",
    ]);
    expect(plan.testFile({ provider: { aws: [{ region: "us-east-1" }] } }, plan.ASSERTIONS.organization)).toContain(
      [
        "  assert {",
        "    condition     = alltrue([for name, size in output.policy-sizes : size <= 5120])",
        '    error_message = "an SCP or RCP is over 5,120 characters"',
        "  }",
      ].join("\n"),
    );
  });

  test("plans a copy without the import blocks, which mock providers cannot import, and says so", () => {
    const imported = { id: "SSM-SessionManagerRunShell", provider: "aws", to: "aws_ssm_document.prefs" };
    const original = { import: [imported], resource: { aws_ssm_document: { prefs: {} } } };
    const { config, imports } = plan.withoutImports(original);
    expect(config).toEqual({ resource: { aws_ssm_document: { prefs: {} } } });
    expect(original.import).toEqual([imported]);
    expect(plan.summary("workload-analytics", { add: 51, change: 0, destroy: 0 }, imports)).toBe(
      "workload-analytics: 51 to add, 0 to change, 0 to destroy; planned without its import of aws_ssm_document.prefs (SSM-SessionManagerRunShell): mock providers cannot import, so it counts as an add here",
    );
    expect(plan.summary("log-archive", { add: 18, change: 0, destroy: 0 }, [])).toBe("log-archive: 18 to add, 0 to change, 0 to destroy");
  });

  test("counts the changes terraform test -verbose prints, as terraform plan sums them", () => {
    const output = [
      "  run \"plan\"... pass",
      "  # aws_s3_bucket.logs will be created",
      '  + resource "aws_s3_bucket" "logs" {',
      '      + policy = "# aws_iam_role.x will be created"',
      "  # aws_kms_key.k must be replaced",
      "  # aws_iam_role.r will be updated in-place",
      "  # aws_iam_user.u will be destroyed",
      "  # data.aws_ssm_parameter.ami will be read during apply",
      "    # (3 unchanged attributes hidden)",
    ].join("\n");
    expect(plan.planCounts(output)).toEqual({ add: 2, change: 1, destroy: 2, read: 1 });
  });

  test("without terraform: one SKIPPED line, exit 0, before any synth", () => {
    const run = spawnSync(process.execPath, [join(ROOT, "scripts", "plan-offline.js")], {
      env: { PATH: "/nonexistent", TF_PLUGIN_DIR: "/nonexistent/plugins" },
      encoding: "utf8",
    });
    expect({ status: run.status, stdout: run.stdout }).toEqual({
      status: 0,
      stdout: "SKIPPED: npm run plan needs terraform on PATH and an AWS provider under /nonexistent/plugins/registry.terraform.io/hashicorp/aws.\n",
    });
  });
});
