import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import { runReport } from "../review/cli";
import { buildReview, redact } from "../review/report";
import { loadSynthesizedStacks, type ResolvedStack } from "../review/resolve";
import { validateConfig } from "../config/load";
import { buildStacks } from "../stacks";
import { synthesize } from "../stacks/synthesize";
import { appStderr, editStatements, exampleConfig, exampleRaw, ROOT } from "./helpers";
import { RULES } from "../compliance/engine";
import { sharedExampleStacks } from "./shared-example";

const config = exampleConfig();
const outdir = mkdtempSync(join(tmpdir(), "report-"));
const app = new App({ outdir, stackTraces: false });
buildStacks(app, config);
app.synth();
const stacks = loadSynthesizedStacks(outdir);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const editing = (sid: string, edit: (s: Record<string, any>) => Record<string, any> | undefined): ResolvedStack[] =>
  editStatements(stacks, (s) => (s.Sid === sid ? edit(s) : s));

describe("review report", () => {
  test("npm run report on the example: counts, settings, a matrix per workload, no findings; the same text every time", async () => {
    const run = await runReport({ CDKTF_OUTDIR: outdir, SESSIONS_CONFIG: join(ROOT, "sessions.yaml") });
    expect(run).toEqual({ code: 0, out: `${join(outdir, "review.md")}: 941 access checks, 0 not as intended, 0 lint findings`, err: "" });
    const md = readFileSync(join(outdir, "review.md"), "utf8");
    expect(md).toMatch(/^## Session Manager access review\n/);
    expect(md).toContain("7 stacks · 52 policies linted · 941 access checks, all as intended");
    expect(md).toContain("| workload-payments | 222222222222 | eu-west-1, eu-central-1 | 132 |");
    expect(md).toContain(
      "| workload-payments | eu-central-1 | 20 / 60 | acme-session-logs-111111111111/222222222222/eu-central-1, encryption enforced | /acme/session-manager/sessions, encryption enforced, streaming | alias/acme-session-manager | ssm-session (tags: alice.example→alice, bob.example→bob) | `exec bash -l` |",
    );
    expect(md).toContain("| workload-analytics (adopted) | us-east-1 | 15 / 60 |");
    expect(md).toMatch(/\| start an SSH session \|(\s*\|){6} ➖ no allow in identity \|\s*\| ✅ allowed \|/);
    expect(md).toContain("| start a session without MFA |  |  |  |  |  |  | ⛔ DenySessionsWithoutMfa |  | ⛔ DenySessionsWithoutMfa |  |");
    expect(md).toContain("| start a session on an untagged instance, holding ssm:* |  |  |  |  |  |  |  | ⛔ DenySessionsOutsideTagScope1, DenySessionsOutsideTagScope2 |");
    expect(md).toMatch(/\| start an SSH session with AWS-StartSSHSession \(any port\) \|(\s*\|){6} ⛔ DenyUnapprovedSessionDocuments \|\s*\| ⛔ DenyUnapprovedSessionDocuments \|/);
    expect(md).toContain(
      "| workload-payments | eu-central-1 | acme-session-alerts (alias/acme-session-alerts); email payments-oncall@example.com, https https://alerts.example.com/sns/session | on | pipe-to-shell, sudo-shell, sudo-su, sudoers | **enforce**: ends sessions older than 60 min, rate(5 minutes) |",
    );
    expect(md).toContain("| workload-analytics | us-east-1 | acme-session-alerts (alias/acme-session-alerts); email security-alerts@example.com | on | pipe-to-shell, sudo-shell, sudo-su, sudoers | dry run: alerts on sessions older than 60 min, rate(5 minutes) |");
    expect(md).toContain("### Policy lint\n\nNo findings.");
    // Just-in-time approvals, evaluated with Cedar from the synthesized policies.
    expect(md).toContain("| batch | batch-operators | Environment=staging, Team=batch | ⛔ denied | no approval policy applies |");
    // The organization's policies, their sizes, and the matrix rows evaluated with them.
    expect(md).toMatch(/\| acme-session-setup-scp-1 \| SCP \| \d{4} \| 9 \| ou-a1b2-c3d4e5f6 \|/);
    expect(md).toMatch(/\| acme-session-setup-scp-2 \| SCP \| \d{3,4} \| 1 \| ou-a1b2-c3d4e5f6 \|/);
    expect(md).toMatch(/\| acme-session-logs-rcp-1 \| RCP \| \d{4} \| 5 \| ou-a1b2-c3d4e5f6 \|/);
    expect(md).toContain("<b>organization</b>: 117 checks in eu-west-1, us-east-1, all as intended");
    expect(md).toMatch(/\| schedule deletion of the session key in payments \| ⛔ ScpProtectSessionKeys \| ✅ allowed \|/);
    expect(md).not.toMatch(/\/tmp|\/work|\d{4}-\d\d-\d\dT/);
    // Another synthesis, in another directory (the app command's, shared by the run), gives the same text.
    expect((await buildReview(config, sharedExampleStacks())).markdown).toBe(md);
  });

  test("a missing statement shows up at the top, as intended vs evaluated", async () => {
    const review = await buildReview(config, editing("DenySessionsWithoutMfa", () => undefined));
    // Both ways of starting without MFA (MFA false, and no MFA key at all), ending a session and running a command
    // without MFA, for every group and region.
    const rows = ["start a session without MFA", "start a session with long-term access keys (no MFA key)", "end own session without MFA"];
    expect(review.surprises.map((s) => `${s.check.stack} ${s.check.region} ${s.check.column} / ${s.check.row}`)).toEqual(
      [
        "workload-payments eu-west-1 payments-operators member",
        "workload-payments eu-west-1 payments-developers member",
        "workload-payments eu-central-1 payments-operators member",
        "workload-payments eu-central-1 payments-developers member",
        "workload-analytics us-east-1 data-engineers member",
      ].flatMap((who) => [
        ...rows.map((row) => `${who} / ${row}`),
        // Broad grants are proven in each account's home region.
        ...(/eu-west-1|us-east-1/.test(who) ? [`${who} + other grants / run a shell script without MFA, holding ssm:*`] : []),
        // The bastion is in eu-west-1.
        ...(who.includes("eu-west-1") ? [`${who} / push a key to the bastion's jump user without MFA`] : []),
      ]),
    );
    expect(review.markdown).toContain("**20 of 941 access checks differ from the intended model**");
    expect(review.markdown).toContain(
      "| workload-payments | eu-west-1 | payments-operators member | start a session without MFA | ExplicitlyDenied by DenySessionsWithoutMfa | ✅ allowed |",
    );
    expect(review.markdown).toContain("| start a session without MFA |  |  |  |  |  |  | ❗ ✅ allowed |  | ❗ ✅ allowed |  |");
  });

  test("without organization guardrails, the report says plainly which attacks stay open, and proves them", async () => {
    const raw = exampleRaw();
    delete raw.organization.guardrails;
    const review = await buildReview(validateConfig(raw), stacks.filter((s) => s.name !== "organization"));
    expect(review.surprises).toEqual([]);
    expect(review.markdown).toContain("**Not configured** (`organization.guardrails`)");
    expect(review.markdown).toContain("- tags users, roles or sessions `SSMSessionRunAs`");
    expect(review.markdown).toMatch(/\| schedule deletion of the session key in payments \(no organization guardrails: open\) \| ✅ allowed \|/);
    expect(review.markdown).toMatch(/\| delete a transcript version \(no organization guardrails: open\) \|  \| ✅ allowed \|/);
  });

  test("the compliance section lists every suppression with its reason, and the warnings", async () => {
    const raw = exampleRaw();
    raw.workloads[0].session = { maxSessionDurationMinutes: 240 };
    raw.workloads[1].accessGroups[0].mfaRequired = false;
    const reason = "Batch operators need four-hour sessions until the ETL runbook is split (OPS-123).";
    raw.compliance = {
      suppressions: [
        { rule: "SM-DOC-3", stack: "workload-payments", reason },
        { rule: "SM-KMS-1", stack: "log-archive", resource: "log-key/key", reason: "Kept from a migration; nothing matches it now." },
      ],
    };
    const suppressed = validateConfig(raw);
    const dir = mkdtempSync(join(tmpdir(), "report-suppressed-"));
    try {
      await synthesize(suppressed, dir);
      const md = (await buildReview(suppressed, loadSynthesizedStacks(dir))).markdown;
      expect(md).toContain(`${RULES.length} rules · no findings · **2 suppressions** · thresholds: sessions ≤ 60 min, idle ≤ 20 min, log retention ≥ 365 days, Object Lock required`);
      expect(md).toContain(`| SM-DOC-3 | workload-payments | (whole stack) | 2 | ${reason} |`);
      expect(md).toContain("| SM-KMS-1 | log-archive | log-key/key | 0 | Kept from a migration; nothing matches it now. |");
      expect(md).toContain("- ⚠️ warning SM-IAM-7 workload-analytics/access-group-data-engineers/policy: MFA is not required for data-engineers");
      expect(md).toContain("- ⚠️ warning compliance.suppressions: SM-KMS-1 for log-archive/log-key/key matches no finding; remove it");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("lint findings are listed, and access is not evaluated over policies that failed lint", async () => {
    const review = await buildReview(config, editing("ManageOwnSessions", (s) => ({ ...s, Action: ["ssm:TerminateSessions"] })));
    expect(review.checks).toBe(0);
    expect(review.markdown).toContain("**4 lint findings: access not evaluated**");
    expect(review.markdown).toContain(
      "| workload-payments | acme-payments-operators-session-access (`workload-payments/access-group-payments-operators/policy`) | Statement[2] (ManageOwnSessions).Action | action | ssm:TerminateSessions does not exist |",
    );
    expect(review.markdown).not.toContain("### Access matrix");
  });

  test("--base: what changed heads the report, after the verdict; the full matrix follows, collapsed", async () => {
    const env = { CDKTF_OUTDIR: outdir, SESSIONS_CONFIG: join(ROOT, "sessions.yaml") };
    const run = await runReport(env, ["--base", outdir, "--base-config", join(ROOT, "sessions.yaml")]);
    expect(run).toMatchObject({ code: 0, err: "" });
    const md = readFileSync(join(outdir, "review.md"), "utf8");
    expect(md.split("\n").slice(0, 7)).toEqual([
      "## Session Manager access review",
      "",
      "7 stacks · 52 policies linted · 941 access checks, all as intended",
      "",
      "### What changed",
      "",
      "No change in access, policies, resources or settings against the base.",
    ]);
    expect(md.indexOf("### What changed")).toBeLessThan(md.indexOf("### Stacks"));
    expect(md.indexOf("### Stacks")).toBeLessThan(md.indexOf("<details><summary><b>workload-payments</b>"));
    for (const args of [["--bogus", "x"], ["--base"], ["--base-config", "sessions.yaml"]]) {
      expect((await runReport(env, args)).code).toBe(1);
    }
    expect((await runReport(env, ["--bogus", "x"])).err).toBe(
      "npm run report: --bogus is not an option; use -- --base <cdktf.out of the base> [--base-config <its config file>]",
    );
    expect((await runReport(env, ["--base", join(outdir, "missing")])).err).toBe(`${join(outdir, "missing", "manifest.json")} not found: run \`npm run synth\` first`);
  });

  test("as a process, a missing cdktf.out is a one-line error and exit 1, with no stack trace", () => {
    const missing = join(outdir, "nowhere");
    // What `npm run report` runs: the bundle of scripts/report.ts.
    expect(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts.report).toBe("node scripts/run-report.js");
    const bad = spawnSync(process.execPath, [join(ROOT, "scripts", "run-report.js")], { cwd: ROOT, env: { ...process.env, CDKTF_OUTDIR: missing }, encoding: "utf8" });
    expect({ status: bad.status, stdout: bad.stdout, stderr: appStderr(bad.stderr) }).toEqual({
      status: 1,
      stdout: "",
      stderr: `${join(missing, "manifest.json")} not found: run \`npm run synth\` first\n`,
    });
    expect(existsSync(missing)).toBe(false);
  });
});

test("the report does not print credentials an https subscription may carry", () => {
  expect(redact("https://user:secret@alerts.example.com/sns")).toBe("https://…@alerts.example.com/sns");
  expect(redact("https://alerts.example.com/sns?x=a@b")).toBe("https://alerts.example.com/sns?x=a@b");
  expect(redact("oncall@example.com")).toBe("oncall@example.com");
});
