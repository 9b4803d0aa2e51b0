import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
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

// eslint-disable-next-line @typescript-eslint/no-require-imports
const local = require("../scripts/terraform-local") as {
  pluginVersions: (dir: string) => Record<string, string>;
  missingProviders: (config: Record<string, any>, versions: Record<string, string>) => string[];
  forLocalProvider: (config: Record<string, any>, versions: Record<string, string>) => string[];
};

describe("the local providers of npm run validate and npm run plan", () => {
  const workspacesStack = () => ({
    terraform: {
      required_providers: { tfe: { source: "hashicorp/tfe", version: "0.70.0" } },
      cloud: { organization: "my-org", workspaces: { name: "acme-workspaces" } },
    },
    provider: { tfe: [{ hostname: "app.terraform.io" }] },
  });

  test("finds the newest version of every provider in the plugin directory", () => {
    const dir = mkdtempSync(join(tmpdir(), "smc-plugins-"));
    try {
      for (const v of ["5.9.0", "5.100.0", "5.10.0"]) mkdirSync(join(dir, "registry.terraform.io", "hashicorp", "aws", v, "linux_amd64"), { recursive: true });
      mkdirSync(join(dir, "registry.terraform.io", "hashicorp", "tfe", "0.70.0", "linux_amd64"), { recursive: true });
      expect(local.pluginVersions(dir)).toEqual({ "hashicorp/aws": "5.100.0", "hashicorp/tfe": "0.70.0" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a stack whose providers are all local is planned, pinned to them, without its backend; one that needs another is left out", () => {
    expect(local.missingProviders(workspacesStack(), { "hashicorp/aws": "5.100.0" })).toEqual(["hashicorp/tfe"]);
    const versions = { "hashicorp/aws": "5.100.0", "hashicorp/tfe": "0.68.2" };
    expect(local.missingProviders(workspacesStack(), versions)).toEqual([]);
    // cdktf writes the AWS provider's source as "aws", the registry's short form.
    expect(local.missingProviders({ terraform: { required_providers: { aws: { source: "aws" } } } }, versions)).toEqual([]);
    const config = workspacesStack();
    local.forLocalProvider(config, versions);
    expect(config.terraform).toEqual({ required_providers: { tfe: { source: "hashicorp/tfe", version: "0.68.2" } } });
    expect(plan.testFile(config).split("\n").slice(0, 2)).toEqual(['mock_provider "tfe" {}', ""]);
  });
});

describe("npm run plan", () => {
  test("mocks the default aws provider and every alias, plans once, and asserts the organization's policy sizes", () => {
    const withData = { terraform: { required_providers: { aws: { source: "hashicorp/aws" } } }, data: { aws_identitystore_group: { g: {} } } };
    expect(plan.testFile(withData)).toContain('mock_provider "aws" {\n  mock_data "aws_identitystore_group" {');
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
