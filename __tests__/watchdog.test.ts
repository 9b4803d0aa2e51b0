import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeSessionsCommand, type Session, SSMClient, TerminateSessionCommand } from "@aws-sdk/client-ssm";
import { PublishCommand, type PublishCommandInput, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import {
  formatAlert,
  formatDuration,
  handler,
  logJson,
  runWatchdog,
  settingsFromEnv,
  snsSubject,
  type WatchdogSettings,
  WatchdogRunError,
} from "../watchdog/handler";

const ssm = mockClient(SSMClient);
const sns = mockClient(SNSClient);

const TOPIC = "arn:aws:sns:eu-west-1:111122223333:acme-session-alerts";
const NOW = new Date("2025-03-04T12:00:00.000Z");
const MAX = 60;
const SETTINGS: WatchdogSettings = { topicArn: TOPIC, maxSessionMinutes: MAX, dryRun: false };
const OWNER = "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice";

/** A session that started `minutesAgo` (plus `extraMs`) before NOW. */
function session(id: string, minutesAgo: number, extra: Partial<Session> & { extraMs?: number } = {}): Session {
  const { extraMs = 0, ...rest } = extra;
  return {
    SessionId: id,
    Owner: OWNER,
    Target: "i-0123456789abcdef0",
    DocumentName: "SSM-SessionManagerRunShell",
    Status: "Connected",
    StartDate: new Date(NOW.getTime() - minutesAgo * 60_000 - extraMs),
    ...rest,
  };
}

/** DescribeSessions answers these sessions in one page. */
function onePage(...sessions: Session[]): void {
  ssm.on(DescribeSessionsCommand).resolves({ Sessions: sessions });
}

/** Runs the watchdog with the mocks, a fixed clock and a captured log. */
async function run(settings: WatchdogSettings = SETTINGS) {
  const logs: Record<string, unknown>[] = [];
  const deps = { ssm: new SSMClient({}), sns: new SNSClient({}), now: () => NOW, log: (e: Record<string, unknown>) => logs.push(e) };
  const summary = await runWatchdog(deps, settings);
  return { summary, logs };
}

/** Like `run`, for a run that must throw: returns the error and the log. */
async function failingRun(settings: WatchdogSettings = SETTINGS) {
  const logs: Record<string, unknown>[] = [];
  const deps = { ssm: new SSMClient({}), sns: new SNSClient({}), now: () => NOW, log: (e: Record<string, unknown>) => logs.push(e) };
  try {
    await runWatchdog(deps, settings);
  } catch (error) {
    return { error: error as Error, logs };
  }
  throw new Error("the run did not throw");
}

const terminated = (): (string | undefined)[] => ssm.commandCalls(TerminateSessionCommand).map((c) => c.args[0].input.SessionId);
const published = (): PublishCommandInput[] => sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
const events = (logs: Record<string, unknown>[]): unknown[] => logs.map((l) => l.event);

beforeEach(() => {
  ssm.reset();
  sns.reset();
  ssm.on(TerminateSessionCommand).callsFake((input) => ({ SessionId: input.SessionId }));
  sns.on(PublishCommand).resolves({ MessageId: "m-1" });
});

describe("runWatchdog", () => {
  test("follows NextToken through every page and judges the sessions of each", async () => {
    const pages: Record<string, { Sessions: Session[]; NextToken?: string }> = {
      first: { Sessions: [session("old-1", 90), session("new-1", 5)], NextToken: "t1" },
      t1: { Sessions: [session("old-2", 61)], NextToken: "t2" },
      t2: { Sessions: [session("old-3", 600), session("new-2", 59)] },
    };
    let calls = 0;
    ssm.on(DescribeSessionsCommand).callsFake((input) => {
      // A token not passed on would list the first page forever.
      if (++calls > 3) throw new Error("DescribeSessions called more than 3 times");
      return pages[input.NextToken ?? "first"];
    });

    const { summary } = await run();

    expect(ssm.commandCalls(DescribeSessionsCommand).map((c) => c.args[0].input)).toEqual([
      { State: "Active", MaxResults: 200, NextToken: undefined },
      { State: "Active", MaxResults: 200, NextToken: "t1" },
      { State: "Active", MaxResults: 200, NextToken: "t2" },
    ]);
    expect(terminated()).toEqual(["old-1", "old-2", "old-3"]);
    expect(summary).toEqual({
      active: 5,
      overdue: ["old-1", "old-2", "old-3"],
      terminated: ["old-1", "old-2", "old-3"],
      skipped: [],
      alertedBefore: [],
      failed: [],
      dryRun: false,
    });
  });

  test("lists every page before ending anything, so ending cannot shift a later page", async () => {
    ssm
      .on(DescribeSessionsCommand)
      .resolvesOnce({ Sessions: [session("old-1", 90)], NextToken: "t1" })
      .resolvesOnce({ Sessions: [session("old-2", 90)] });
    await run();
    const order = ssm.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name);
    expect(order).toEqual(["DescribeSessionsCommand", "DescribeSessionsCommand", "TerminateSessionCommand", "TerminateSessionCommand"]);
  });

  test("ends only overdue sessions, and alerts once for each", async () => {
    onePage(session("young", 10), session("old", 120), session("also-young", 59, { extraMs: 59_999 }));
    const { summary, logs } = await run();

    expect(ssm.commandCalls(TerminateSessionCommand).map((c) => c.args[0].input)).toEqual([{ SessionId: "old" }]);
    expect(published()).toEqual([
      {
        TopicArn: TOPIC,
        Subject: "Session Manager watchdog: ended session old",
        Message: expect.stringContaining("Action:   ended\nSession:  old\n"),
        MessageAttributes: { event: { DataType: "String", StringValue: "session-ended" } },
      },
    ]);
    expect(summary.overdue).toEqual(["old"]);
    expect(logs.find((l) => l.event === "session-terminated")).toEqual({
      level: "info",
      event: "session-terminated",
      sessionId: "old",
      owner: OWNER,
      target: "i-0123456789abcdef0",
      document: "SSM-SessionManagerRunShell",
      status: "Connected",
      dryRun: false,
    });
    expect(logs.find((l) => l.event === "session-overdue")).toMatchObject({ sessionId: "old", ageMinutes: 120 });
  });

  test("a session exactly at the maximum is not ended; 1 ms past it is", async () => {
    onePage(session("at-max", MAX), session("past-max", MAX, { extraMs: 1 }));
    const { summary } = await run();
    expect(terminated()).toEqual(["past-max"]);
    expect(summary.overdue).toEqual(["past-max"]);
  });

  test("ends SSH and port-forwarding sessions too, which maxSessionDuration does not bind", async () => {
    const docs = ["AWS-StartSSHSession", "AWS-StartPortForwardingSession", "AWS-StartPortForwardingSessionToRemoteHost"];
    onePage(...docs.map((d, i) => session(`tunnel-${i}`, 300, { DocumentName: d })));
    await run();
    expect(terminated()).toEqual(["tunnel-0", "tunnel-1", "tunnel-2"]);
    expect(published().map((p) => p.Message!.split("\n").find((l) => l.startsWith("Document:")))).toEqual(
      docs.map((d) => `Document: ${d}`),
    );
  });

  test("dry run ends nothing and says what it would end", async () => {
    onePage(session("old", 120), session("young", 1));
    const { summary, logs } = await run({ ...SETTINGS, dryRun: true });

    expect(ssm.commandCalls(TerminateSessionCommand)).toHaveLength(0);
    expect(published()).toEqual([
      {
        TopicArn: TOPIC,
        Subject: "Session Manager watchdog (dry run): would end session old",
        Message: expect.stringContaining("Action:   would end (dry run)\n"),
        MessageAttributes: { event: { DataType: "String", StringValue: "session-would-end" } },
      },
    ]);
    expect(published()[0].Message).toMatch(/^Dry run: .*Nothing was ended\.\n/);
    expect(summary).toEqual({ active: 2, overdue: ["old"], terminated: [], skipped: [], alertedBefore: [], failed: [], dryRun: true });
    expect(logs.at(-1)).toEqual({ level: "info", event: "run-end", active: 2, overdue: 1, terminated: 0, skipped: 0, alertedBefore: 0, failed: 0, dryRun: true });
  });

  test("one failed TerminateSession does not stop the others; the run reports it and then throws", async () => {
    onePage(session("s-1", 90), session("s-2", 90), session("s-3", 90));
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    ssm.on(TerminateSessionCommand, { SessionId: "s-2" }).rejects(throttled);

    const { error, logs } = await failingRun();

    // All three were tried; s-1 and s-3 were ended and alerted.
    expect(terminated()).toEqual(["s-1", "s-2", "s-3"]);
    const subjects = published().map((p) => p.Subject);
    expect(subjects).toEqual([
      "Session Manager watchdog: ended session s-1",
      "Session Manager watchdog: ended session s-3",
      "Session Manager watchdog: 1 failure in 111122223333/eu-west-1",
    ]);
    expect(published()[2]).toEqual({
      TopicArn: TOPIC,
      Subject: "Session Manager watchdog: 1 failure in 111122223333/eu-west-1",
      Message:
        "The session watchdog could not complete 1 step in 111122223333/eu-west-1.\n" +
        'A failed "terminate" means the session may still be running; a failed "publish" means no alert was sent for it.\n' +
        "\n" +
        "s-2: terminate failed: ThrottlingException: Rate exceeded\n",
      MessageAttributes: { event: { DataType: "String", StringValue: "watchdog-failed" } },
    });

    expect(error).toBeInstanceOf(WatchdogRunError);
    expect(error.message).toBe(
      "Session watchdog: 1 failure among 3 overdue sessions: s-2 terminate: ThrottlingException: Rate exceeded",
    );
    expect((error as WatchdogRunError).summary).toMatchObject({
      terminated: ["s-1", "s-3"],
      failed: [{ sessionId: "s-2", step: "terminate", error: "ThrottlingException: Rate exceeded" }],
    });
    expect(logs.find((l) => l.event === "terminate-failed")).toMatchObject({
      level: "error",
      sessionId: "s-2",
      error: "ThrottlingException: Rate exceeded",
    });
    expect(logs.find((l) => l.event === "run-end")).toEqual({
      level: "error",
      event: "run-end",
      active: 3,
      overdue: 3,
      terminated: 2,
      skipped: 0,
      alertedBefore: 0,
      failed: 1,
      dryRun: false,
    });
  });

  test("a failed alert does not stop the next session, and the run still throws when the summary alert fails too", async () => {
    onePage(session("s-1", 90), session("s-2", 90));
    sns.on(PublishCommand).rejectsOnce(new Error("KMS key disabled")).rejects(new Error("still down"));

    const { error, logs } = await failingRun();

    expect(terminated()).toEqual(["s-1", "s-2"]);
    expect(published().map((p) => p.Subject)).toEqual([
      "Session Manager watchdog: ended session s-1",
      "Session Manager watchdog: ended session s-2",
      "Session Manager watchdog: 2 failures in 111122223333/eu-west-1",
    ]);
    expect(error.message).toBe(
      "Session watchdog: 2 failures among 2 overdue sessions: s-1 publish: Error: KMS key disabled; s-2 publish: Error: still down",
    );
    expect(logs.filter((l) => l.event === "publish-failed").map((l) => l.sessionId ?? l.alert)).toEqual(["s-1", "s-2", "failures"]);
  });

  test("an account without sessions: nothing ended, nothing published, no error", async () => {
    ssm.on(DescribeSessionsCommand).resolves({});
    const { summary, logs } = await run();
    expect(ssm.commandCalls(TerminateSessionCommand)).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
    expect(summary).toEqual({ active: 0, overdue: [], terminated: [], skipped: [], alertedBefore: [], failed: [], dryRun: false });
    expect(events(logs)).toEqual(["run-start", "run-end"]);
  });

  test("a session without StartDate is skipped with a warning; a terminating one is left alone", async () => {
    onePage(session("no-start", 0, { StartDate: undefined }), session("ending", 500, { Status: "Terminating" }), session("old", 90));
    const { summary, logs } = await run();
    expect(terminated()).toEqual(["old"]);
    expect(summary.skipped).toEqual(["no-start", "ending"]);
    expect(logs.find((l) => l.event === "session-no-start-date")).toMatchObject({ level: "warn", sessionId: "no-start" });
    expect(logs.find((l) => l.event === "session-terminating")).toMatchObject({ level: "info", sessionId: "ending" });
  });

  test("a failed DescribeSessions is logged and thrown: nothing is ended on a partial list", async () => {
    ssm
      .on(DescribeSessionsCommand)
      .resolvesOnce({ Sessions: [session("old", 90)], NextToken: "t1" })
      .rejects(new Error("AccessDeniedException"));
    const { error, logs } = await failingRun();
    expect(error.message).toBe("AccessDeniedException");
    expect(ssm.commandCalls(TerminateSessionCommand)).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
    expect(logs.at(-1)).toMatchObject({ level: "error", event: "list-failed" });
  });
});

describe("settingsFromEnv", () => {
  const valid = { TOPIC_ARN: TOPIC, MAX_SESSION_MINUTES: "60", DRY_RUN: "false" };

  test("reads valid settings", () => {
    expect(settingsFromEnv(valid)).toEqual({ topicArn: TOPIC, maxSessionMinutes: 60, dryRun: false });
    expect(settingsFromEnv({ ...valid, DRY_RUN: "true" }).dryRun).toBe(true);
  });

  test.each([
    ["TOPIC_ARN unset", { TOPIC_ARN: undefined }, "TOPIC_ARN must be a standard SNS topic ARN, arn:aws:sns:<region>:<account>:<name> (got nothing: the variable is not set)"],
    ["a FIFO topic", { TOPIC_ARN: "arn:aws:sns:eu-west-1:111122223333:alerts.fifo" }, "TOPIC_ARN must be a standard SNS topic ARN"],
    ["an SQS ARN", { TOPIC_ARN: "arn:aws:sqs:eu-west-1:111122223333:alerts" }, "TOPIC_ARN must be"],
    ["0 minutes", { MAX_SESSION_MINUTES: "0" }, 'MAX_SESSION_MINUTES must be a positive whole number of minutes (got "0")'],
    ["1.5 minutes", { MAX_SESSION_MINUTES: "1.5" }, 'MAX_SESSION_MINUTES must be a positive whole number of minutes (got "1.5")'],
    ["60min", { MAX_SESSION_MINUTES: "60min" }, "MAX_SESSION_MINUTES must be"],
    ["an empty maximum", { MAX_SESSION_MINUTES: "" }, "MAX_SESSION_MINUTES must be"],
    ["DRY_RUN yes", { DRY_RUN: "yes" }, 'DRY_RUN must be "true" or "false" (got "yes")'],
    ["DRY_RUN TRUE", { DRY_RUN: "TRUE" }, "DRY_RUN must be"],
  ])("rejects %s", (_label, change, message) => {
    expect(() => settingsFromEnv({ ...valid, ...change })).toThrow(message);
  });

  test("names every bad variable at once", () => {
    expect(() => settingsFromEnv({})).toThrow(/^Session watchdog settings: TOPIC_ARN .*; MAX_SESSION_MINUTES .*; DRY_RUN /);
  });
});

describe("handler", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    jest.restoreAllMocks();
  });

  test("rejects invalid settings before calling AWS", async () => {
    delete process.env.TOPIC_ARN;
    process.env.MAX_SESSION_MINUTES = "60";
    process.env.DRY_RUN = "maybe";
    await expect(handler()).rejects.toThrow(/TOPIC_ARN must be .*; DRY_RUN must be "true" or "false" \(got "maybe"\)/);
    expect(ssm.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
  });

  test("runs with the environment's settings and logs one object per entry (the runtime's JSON format wraps it)", async () => {
    Object.assign(process.env, { TOPIC_ARN: TOPIC, MAX_SESSION_MINUTES: "1", DRY_RUN: "true", AWS_REGION: "eu-west-1" });
    onePage(session("old", 5, { StartDate: new Date(Date.now() - 5 * 60_000) }));
    const lines: Record<string, unknown>[] = [];
    jest.spyOn(console, "log").mockImplementation((entry: Record<string, unknown>) => lines.push(entry));

    const summary = await handler();

    expect(summary).toMatchObject({ overdue: ["old"], terminated: [], dryRun: true });
    expect(published()[0].Subject).toBe("Session Manager watchdog (dry run): would end session old");
    expect(lines.map((l) => l.event)).toEqual(["run-start", "session-overdue", "run-end"]);
  });
});

describe("alert text", () => {
  test("an ended session, from an IAM Identity Center role", () => {
    const alert = formatAlert({
      session: {
        SessionId: "alice-0a1b2c3d4e5f67890",
        Owner: "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Operator_0123456789abcdef/alice",
        Target: "i-0123456789abcdef0",
        DocumentName: "AWS-StartPortForwardingSession",
        StartDate: new Date("2025-03-04T10:52:41.000Z"),
      },
      now: new Date("2025-03-04T12:00:00.000Z"),
      maxSessionMinutes: 60,
      dryRun: false,
      topicArn: TOPIC,
    });
    expect(alert.subject).toBe("Session Manager watchdog: ended session alice-0a1b2c3d4e5f67890");
    expect(alert.message).toBe(
      [
        "The session watchdog ended this session because it was older than the maximum.",
        "",
        "Action:   ended",
        "Session:  alice-0a1b2c3d4e5f67890",
        "Owner:    arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Operator_0123456789abcdef/alice",
        "Target:   i-0123456789abcdef0",
        "Document: AWS-StartPortForwardingSession",
        "Started:  2025-03-04T10:52:41.000Z",
        "Age:      1 h 7 min",
        "Maximum:  60 min",
        "Account:  111122223333",
        "Region:   eu-west-1",
        "",
      ].join("\n"),
    );
  });

  test("unknown fields say so instead of printing undefined", () => {
    const { message } = formatAlert({
      session: { SessionId: "s-1", StartDate: new Date("2025-03-04T10:00:00Z") },
      now: NOW,
      maxSessionMinutes: 60,
      dryRun: true,
      topicArn: TOPIC,
    });
    expect(message).toContain("Owner:    (unknown)\nTarget:   (unknown)\nDocument: (unknown)\n");
    expect(message).not.toContain("undefined");
  });

  test.each([
    [0, "0 min"],
    [59_999, "0 min"],
    [45 * 60_000, "45 min"],
    [67 * 60_000 + 59_999, "1 h 7 min"],
    [120 * 60_000, "2 h 0 min"],
    [(2 * 1440 + 5) * 60_000, "2 d 0 h 5 min"],
  ])("formatDuration(%d) is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test("subjects are printable ASCII under 100 characters", () => {
    const long = snsSubject(`Session Manager watchdog: ended session ${"x".repeat(96)}`);
    expect(long).toHaveLength(99);
    expect(long.endsWith("xxx...")).toBe(true);
    expect(snsSubject("ended s\u00e9ance\nnext")).toBe("ended s?ance?next");
    expect(snsSubject("a".repeat(99))).toBe("a".repeat(99));
  });
});

describe("docs/alerts.md", () => {
  test("shows an alert exactly as the handler publishes it: an SSH session past the maximum, ended", async () => {
    const topicArn = "arn:aws:sns:eu-west-1:222222222222:acme-session-alerts";
    ssm.on(DescribeSessionsCommand).resolves({
      Sessions: [
        {
          SessionId: "bob.example-07e9d5a1c3b2f4e68",
          Owner: "arn:aws:iam::222222222222:user/session-manager/bob.example",
          Target: "i-0a1b2c3d4e5f67890",
          DocumentName: "AWS-StartSSHSession",
          Status: "Connected",
          StartDate: new Date("2026-11-23T09:12:05.000Z"),
        },
      ],
    });
    await runWatchdog(
      { ssm: new SSMClient({}), sns: new SNSClient({}), now: () => new Date("2026-11-23T10:24:40.000Z"), log: () => undefined },
      { topicArn, maxSessionMinutes: 60, dryRun: false },
    );
    const [alert] = published();
    const page = readFileSync(join(__dirname, "..", "docs", "alerts.md"), "utf8");
    expect(page).toContain(["```text", `Subject: ${alert.Subject}`, "", alert.Message!.trimEnd(), "```"].join("\n"));
  });
});

describe("dry run with a schedule", () => {
  test("alerts a session once, in the run after it passed the maximum, not in every run until it ends", async () => {
    // Runs every 5 minutes with a 60-minute maximum: 61 min is this run's news, 67 min was the last run's; up to
    // 66 min (a minute of slack for a late run) is still this run's.
    onePage(session("new-overdue", 61), session("seen-overdue", 67), session("young", 30), session("edge", 66));
    const { summary } = await run({ ...SETTINGS, dryRun: true, scheduleMinutes: 5 });
    expect(summary.overdue).toEqual(["new-overdue", "seen-overdue", "edge"]);
    expect(summary.alertedBefore).toEqual(["seen-overdue"]);
    // Exactly max + schedule + slack is still this run's (strictly older is an earlier one's).
    expect(published().map((p) => p.Subject)).toEqual([
      "Session Manager watchdog (dry run): would end session new-overdue",
      "Session Manager watchdog (dry run): would end session edge",
    ]);
    expect(terminated()).toEqual([]);
  });

  test("enforce mode alerts every session it ends, whatever its age", async () => {
    onePage(session("a", 61), session("b", 600));
    const { summary } = await run({ ...SETTINGS, scheduleMinutes: 5 });
    expect(summary.terminated).toEqual(["a", "b"]);
    expect(published()).toHaveLength(2);
  });
});

describe("a run that nears the function's timeout", () => {
  test("stops before it, reports the sessions left for the next run, and fails", async () => {
    onePage(session("s-1", 90), session("s-2", 90), session("s-3", 90));
    let left = 12_000;
    const logs: Record<string, unknown>[] = [];
    const deps = {
      ssm: new SSMClient({}),
      sns: new SNSClient({}),
      now: () => NOW,
      log: (e: Record<string, unknown>) => logs.push(e),
      // Each session's work uses 3 s of the budget.
      remainingMs: () => (left -= 3_000) + 3_000,
    };
    const error = await runWatchdog(deps, SETTINGS).then(
      () => undefined,
      (e: WatchdogRunError) => e,
    );
    expect(terminated()).toEqual(["s-1"]);
    expect(error?.summary.failed).toEqual([
      { sessionId: "s-2", step: "deferred", error: "the run ran out of time" },
      { sessionId: "s-3", step: "deferred", error: "the run ran out of time" },
    ]);
    expect(logs.find((l) => l.event === "out-of-time")).toEqual({ level: "error", event: "out-of-time", sessionsLeft: 2, dryRun: false });
  });
});

describe("settingsFromEnv: SCHEDULE_MINUTES", () => {
  const base = { TOPIC_ARN: TOPIC, MAX_SESSION_MINUTES: "60", DRY_RUN: "true" };
  test("is optional, and a positive whole number when set", () => {
    expect(settingsFromEnv(base).scheduleMinutes).toBeUndefined();
    expect(settingsFromEnv({ ...base, SCHEDULE_MINUTES: "5" }).scheduleMinutes).toBe(5);
    expect(() => settingsFromEnv({ ...base, SCHEDULE_MINUTES: "0" })).toThrow(
      'SCHEDULE_MINUTES must be a positive whole number of minutes when set (got "0")',
    );
  });
});

describe("logJson", () => {
  test("logs warnings and errors at their level, so Lambda's JSON record carries it", () => {
    const calls: string[] = [];
    jest.spyOn(console, "log").mockImplementation(() => calls.push("log"));
    jest.spyOn(console, "warn").mockImplementation(() => calls.push("warn"));
    jest.spyOn(console, "error").mockImplementation(() => calls.push("error"));
    logJson({ level: "info", event: "a" });
    logJson({ level: "warn", event: "b" });
    logJson({ level: "error", event: "c" });
    expect(calls).toEqual(["log", "warn", "error"]);
    jest.restoreAllMocks();
  });
});
