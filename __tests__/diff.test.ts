import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import { parse } from "yaml";
import { validateConfig } from "../config/load";
import type { Config } from "../config/types";
import { changesSection, FORCES_REPLACEMENT } from "../review/diff";
import { evaluateStacks } from "../review/report";
import { loadSynthesizedStacks, resolveStack, type ResolvedStack } from "../review/resolve";
import { buildStacks } from "../stacks";
import { editStatements, exampleConfig, exampleRaw, ROOT } from "./helpers";

const scratch = mkdtempSync(join(tmpdir(), "diff-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let synths = 0;
function synthesized(config: Config): ResolvedStack[] {
  const outdir = join(scratch, String((synths += 1)));
  const app = new App({ outdir, stackTraces: false });
  buildStacks(app, config);
  app.synth();
  return loadSynthesizedStacks(outdir);
}

/** The analytics account's checks only: one region, one group, enough for every scenario and a few seconds. */
const ONLY = "workload-analytics";
const evaluated = (config: Config, stacks: readonly ResolvedStack[]) => evaluateStacks(config, stacks, ONLY);

/** The example with `edit` applied to its raw YAML. */
function exampleWith(edit: (raw: Record<string, any>) => void): Config {
  const raw = exampleRaw();
  edit(raw);
  return validateConfig(raw, "sessions.yaml");
}
const analytics = (raw: Record<string, any>) => raw.workloads.find((w: any) => w.name === "analytics");

const config = exampleConfig();
const stacks = synthesized(config);

const HEADER = ["### What changed", ""];
const ACCESS = ["**Access**", "", "| Stack | Region | Who | Attempt | Before | After |", "|---|---|---|---|---|---|"];

describe("what changed against a base", () => {
  test("no change: one line", async () => {
    const base = await evaluated(config, stacks);
    expect(changesSection(base, base)).toEqual([...HEADER, "No change in access, policies, resources or settings against the base.", ""]);
    // Another synthesis of the same config is no change either.
    expect(changesSection(base, await evaluated(config, synthesized(config)))).toEqual(changesSection(base, base));
  });

  test("a removed Deny: the checks it decided are newly allowed, in bold and first, and the statement is gone", async () => {
    const base = await evaluated(config, stacks);
    const head = editStatements(stacks, (s) => (s.Sid === "DenySessionsWithoutMfa" ? undefined : s));
    expect(changesSection(base, await evaluated(config, head))).toEqual([
      ...HEADER,
      ...ACCESS,
      "| workload-analytics | us-east-1 | data-engineers member | **start a session without MFA** | ⛔ DenySessionsWithoutMfa | **✅ allowed** |",
      "| workload-analytics | us-east-1 | data-engineers member | **start a session with long-term access keys (no MFA key)** | ⛔ DenySessionsWithoutMfa | **✅ allowed** |",
      "| workload-analytics | us-east-1 | data-engineers member | **end own session without MFA** | ⛔ DenySessionsWithoutMfa | **✅ allowed** |",
      "| workload-analytics | us-east-1 | data-engineers member + other grants | **run a shell script without MFA, holding ssm:*** | ⛔ DenySessionsWithoutMfa | **✅ allowed** |",
      "",
      "**Policy statements**",
      "",
      "- workload-analytics `aws_iam_policy.access-group-data-engineers_policy_FA6ED7F6` (acme-data-engineers-session-access): **removed** `DenySessionsWithoutMfa`",
      "- workload-payments `aws_iam_policy.access-group-payments-developers_policy_495A989A` (acme-payments-developers-session-access): **removed** `DenySessionsWithoutMfa`",
      "- workload-payments `aws_iam_policy.access-group-payments-operators_policy_36E9074E` (acme-payments-operators-session-access): **removed** `DenySessionsWithoutMfa`",
      "",
    ]);
  });

  test("a widened tag scope: the Allow and the scope Deny each name the new value", async () => {
    const base = await evaluated(config, stacks);
    const wider = exampleWith((raw) => (analytics(raw).accessGroups[0].instanceTags.Team = ["analytics", "ml"]));
    expect(changesSection(base, await evaluated(wider, synthesized(wider)))).toEqual([
      ...HEADER,
      "**Policy statements**",
      "",
      "- workload-analytics `aws_iam_policy.access-group-data-engineers_policy_FA6ED7F6` (acme-data-engineers-session-access): changed `StartSessionOnTaggedInstances` (Condition.StringEquals.ssm:resourceTag/Team: +ml)",
      "- workload-analytics `aws_iam_policy.guardrails_policy_F1B5EC3A` (acme-session-guardrails): changed `DenySessionsOutsideTagScope1` (Condition.StringNotEquals.ssm:resourceTag/Team: +ml)",
      "",
    ]);
  });

  test("an added group: what its members can now do, its policy's statements and its resources", async () => {
    const base = await evaluated(config, stacks);
    const more = exampleWith((raw) =>
      analytics(raw).accessGroups.push({ name: "data-scientists", instanceTags: { Team: ["analytics"], Environment: ["sandbox"] } }),
    );
    expect(changesSection(base, await evaluated(more, synthesized(more)))).toEqual([
      ...HEADER,
      ...ACCESS,
      "| workload-analytics | us-east-1 | data-scientists member | **start a session on a tagged instance** | — | **✅ allowed** |",
      "| workload-analytics | us-east-1 | data-scientists member | **start it with the audited document** | — | **✅ allowed** |",
      "| workload-analytics | us-east-1 | data-scientists member | **generate the session data key** | — | **✅ allowed** |",
      "| workload-analytics | us-east-1 | data-scientists member | **end own session** | — | **✅ allowed** |",
      "",
      "56 checks new or gone, denied either way: the matrix below has them.",
      "",
      "**Policy statements**",
      "",
      "- workload-analytics `aws_iam_policy.access-group-data-scientists_policy_5737F3D0` (acme-data-scientists-session-access): added `StartSessionOnTaggedInstances`, `StartSessionWithApprovedDocuments`, `ManageOwnSessions`, `OpenOwnDataChannels`, `DescribeSessionsAndInstances`, `GenerateSessionDataKey`, `DenyPreferencesDocumentChanges`, `DenyFleetHygieneChanges`, `DenySessionsWithoutMfa`",
      "- workload-analytics `aws_iam_policy.guardrails_setup-policy_3EA3AFAE` (acme-session-setup-guardrails): changed `DenyScopeTagChanges` (Condition.ForAnyValue:StringEqualsIgnoreCase.aws:TagKeys: +Environment)",
      "",
      "**Resources**",
      "",
      "- workload-analytics: added `aws_iam_group.access-group-data-scientists_group_79A471D8`",
      "- workload-analytics: added `aws_iam_group_policy_attachment.access-group-data-scientists_attachment_DC39E79A`",
      "- workload-analytics: added `aws_iam_group_policy_attachment.guardrails_attachment-data-scientists_61243BE8`",
      "- workload-analytics: added `aws_iam_group_policy_attachment.guardrails_setup-attachment-data-scientists_457CA48E`",
      "- workload-analytics: added `aws_iam_policy.access-group-data-scientists_policy_5737F3D0`",
      "",
    ]);
  });

  test("a renamed log bucket is a replacement, flagged: the bucket has prevent_destroy", () => {
    // The bucket's name changed in the synthesized Terraform only; the access checks are the base's.
    const head = stacks.map((s) => {
      if (s.name !== "log-archive") return s;
      const tf = JSON.parse(JSON.stringify(s.terraform));
      for (const body of Object.values<any>(tf.resource.aws_s3_bucket)) if (body.bucket === "acme-session-logs-111111111111") body.bucket = "acme-transcripts-111111111111";
      return resolveStack(s.name, tf);
    });
    expect(changesSection({ stacks, results: [] }, { stacks: head, results: [] })).toEqual([
      ...HEADER,
      "**Resources**",
      "",
      "- log-archive: **replaced** `aws_s3_bucket.log-bucket_38F5EEF0` (bucket: acme-session-logs-111111111111 → acme-transcripts-111111111111) ⚠️ **prevent_destroy**: Terraform refuses to destroy it",
      "",
    ]);
    expect(FORCES_REPLACEMENT).toEqual({
      aws_s3_bucket: ["bucket", "bucket_prefix", "object_lock_enabled"],
      aws_kms_key: ["customer_master_key_spec", "key_usage"],
      aws_ssm_document: ["name"],
    });
  });

  test("a removed key is flagged too, and a settings change names each input", () => {
    // Edited as resolved data: the resource diff reads the Terraform, the settings diff the resolved documents.
    const head = stacks.map((s): ResolvedStack => {
      if (s.name !== ONLY) return s;
      const tf = JSON.parse(JSON.stringify(s.terraform));
      const [alertKey] = Object.keys(tf.resource.aws_kms_key).filter((k) => k.includes("alert"));
      delete tf.resource.aws_kms_key[alertKey];
      const documents = s.documents.map((d) =>
        d.name === "SSM-SessionManagerRunShell" ? { ...d, content: { ...d.content, inputs: { ...d.content.inputs, idleSessionTimeout: "20" } } } : d,
      );
      return { ...s, terraform: tf, documents };
    });
    const lines = changesSection({ stacks, results: [] }, { stacks: head, results: [] });
    expect(lines.filter((l) => l.includes("aws_kms"))).toEqual([
      expect.stringMatching(/^- workload-analytics: \*\*removed\*\* `aws_kms_key\.\S*alert\S*` ⚠️ \*\*prevent_destroy\*\*: Terraform refuses to destroy it$/),
    ]);
    expect(lines.slice(lines.indexOf("**Session settings**"))).toEqual(["**Session settings**", "", "- workload-analytics us-east-1: idleSessionTimeout 15 → 20", ""]);
  });
});

test("the pull-request workflow synthesizes the base commit and passes it to the report", () => {
  const workflow = parse(readFileSync(join(ROOT, ".github", "workflows", "pull-request.yml"), "utf8"));
  const steps: { name?: string; run?: string; env?: Record<string, string> }[] = workflow.jobs.review.steps;
  const base = steps.findIndex((s) => s.name === "Synthesize the base branch");
  const report = steps.findIndex((s) => /npm run report -- --base "\$RUNNER_TEMP\/base\/cdktf\.out"/.test(s.run ?? ""));
  expect(base).toBeGreaterThan(steps.findIndex((s) => s.run === "npm run synth"));
  expect(report).toBeGreaterThan(base);
  expect(steps[base].run).toContain('git worktree add --detach "$RUNNER_TEMP/base" "$BASE_SHA"');
  expect(steps[base].env).toEqual({ BASE_SHA: "${{ github.event.pull_request.base.sha }}" });
});
