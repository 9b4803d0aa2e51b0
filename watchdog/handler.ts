/**
 * The session watchdog: a Lambda function, run on a schedule in one account and region, that ends Session Manager
 * sessions older than a maximum. The preferences document's maxSessionDuration binds only Standard_Stream shell
 * sessions; port-forwarding and SSH sessions run until someone ends them, so this covers every document.
 *
 * Bundled on its own by modules/watchdog-code.ts: it imports nothing from the project, only the AWS SDK, which
 * Lambda's Node.js runtime provides.
 */
import { DescribeSessionsCommand, type Session, SSMClient, TerminateSessionCommand } from "@aws-sdk/client-ssm";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";

/** What one run does, from the function's environment variables (see `settingsFromEnv`). */
export interface WatchdogSettings {
  /** SNS topic every alert goes to (TOPIC_ARN). Its account and region label the alerts. */
  readonly topicArn: string;
  /** Sessions older than this many minutes are ended (MAX_SESSION_MINUTES). */
  readonly maxSessionMinutes: number;
  /** Alert only: end nothing, and word the alerts "would end" (DRY_RUN). */
  readonly dryRun: boolean;
  /**
   * Minutes between runs (SCHEDULE_MINUTES). A dry run alerts a session in the run after it passes the maximum
   * (with a minute of slack, so a late run may alert twice), not in every run until it ends.
   * @default undefined: every run alerts every overdue session
   */
  readonly scheduleMinutes?: number;
}

/** Everything a run touches outside itself, so tests can pass mocks and a fixed clock. */
export interface WatchdogDeps {
  readonly ssm: SSMClient;
  readonly sns: SNSClient;
  /** Read once per run: every session's age is measured against the same instant. */
  readonly now: () => Date;
  /** Receives one structured entry per event; `level` and `event` are always set. */
  readonly log: (entry: Record<string, unknown>) => void;
  /** Milliseconds left before Lambda stops the run (the context's getRemainingTimeInMillis). @default unlimited */
  readonly remainingMs?: () => number;
}

/** One step that failed for one session. */
export interface WatchdogFailure {
  readonly sessionId: string;
  /**
   * `terminate`: the session may still run. `publish`: the step before succeeded, but nobody was told.
   * `deferred`: the run ran out of time before this session; the next run judges it again.
   */
  readonly step: "terminate" | "publish" | "deferred";
  /** The error's name and message. */
  readonly error: string;
}

/** What a run found and did. Session ids, so the log and tests can say which. */
export interface WatchdogSummary {
  /** Active sessions listed. */
  readonly active: number;
  /** Sessions older than the maximum, dry run or not. */
  readonly overdue: readonly string[];
  /** Sessions this run ended; always empty in a dry run. */
  readonly terminated: readonly string[];
  /** Sessions not judged: no StartDate, or already terminating. */
  readonly skipped: readonly string[];
  /** Overdue sessions a dry run did not alert again: an earlier run did, when they passed the maximum (give or take a run). */
  readonly alertedBefore: readonly string[];
  /** Steps that failed; when any did, the run throws a `WatchdogRunError` carrying this summary. */
  readonly failed: readonly WatchdogFailure[];
  readonly dryRun: boolean;
}

/** Thrown at the end of a run with failures, so the Lambda Errors metric (and its alarm) counts the run. */
export class WatchdogRunError extends Error {
  constructor(readonly summary: WatchdogSummary) {
    super(runErrorMessage(summary));
    this.name = "WatchdogRunError";
  }
}

// DescribeSessions' largest page.
const PAGE_SIZE = 200;
// SNS rejects a Subject of 100 characters or more.
const SUBJECT_MAX = 99;
const MINUTE_MS = 60_000;
// How much longer than one schedule period a dry run still alerts an overdue session.
const DRY_RUN_SLACK_MINUTES = 1;
// Time kept back for the summary alert and the run-end log when the function's timeout nears.
const RESERVE_MS = 10_000;
const TOPIC_ARN_PATTERN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):[A-Za-z0-9_-]{1,256}$/;

/**
 * Reads and validates the settings. Throws one message naming every variable that is missing or invalid, with
 * what would be valid.
 */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): WatchdogSettings {
  const problems: string[] = [];
  const topicArn = env.TOPIC_ARN ?? "";
  // A FIFO topic would need a MessageGroupId on every publish: the pattern leaves out `.fifo` names.
  if (!TOPIC_ARN_PATTERN.test(topicArn)) {
    problems.push(`TOPIC_ARN must be a standard SNS topic ARN, arn:aws:sns:<region>:<account>:<name> (got ${show(env.TOPIC_ARN)})`);
  }
  const max = env.MAX_SESSION_MINUTES ?? "";
  const maxSessionMinutes = Number(max);
  if (!/^[1-9][0-9]*$/.test(max) || !Number.isSafeInteger(maxSessionMinutes)) {
    problems.push(`MAX_SESSION_MINUTES must be a positive whole number of minutes (got ${show(env.MAX_SESSION_MINUTES)})`);
  }
  const dryRun = env.DRY_RUN;
  if (dryRun !== "true" && dryRun !== "false") problems.push(`DRY_RUN must be "true" or "false" (got ${show(dryRun)})`);
  const schedule = env.SCHEDULE_MINUTES;
  const scheduleMinutes = schedule === undefined ? undefined : Number(schedule);
  if (schedule !== undefined && (!/^[1-9][0-9]*$/.test(schedule) || !Number.isSafeInteger(scheduleMinutes))) {
    problems.push(`SCHEDULE_MINUTES must be a positive whole number of minutes when set (got ${show(schedule)})`);
  }
  if (problems.length > 0) throw new Error(`Session watchdog settings: ${problems.join("; ")}`);
  return { topicArn, maxSessionMinutes, dryRun: dryRun === "true", scheduleMinutes };
}

const show = (v: string | undefined): string => (v === undefined ? "nothing: the variable is not set" : JSON.stringify(v));

/**
 * One run: lists every active session, ends those older than the maximum (or only alerts, in a dry run) and
 * alerts once per session. A failed step does not stop the others; failures are reported at the end in one
 * summary alert, then thrown.
 */
export async function runWatchdog(deps: WatchdogDeps, settings: WatchdogSettings): Promise<WatchdogSummary> {
  const now = deps.now();
  const { dryRun, maxSessionMinutes } = settings;
  deps.log({ level: "info", event: "run-start", now: now.toISOString(), maxSessionMinutes, dryRun });

  let sessions: Session[];
  try {
    sessions = await listActiveSessions(deps.ssm);
  } catch (err) {
    deps.log({ level: "error", event: "list-failed", error: errorText(err), dryRun });
    throw err;
  }

  const overdue: string[] = [];
  const terminated: string[] = [];
  const skipped: string[] = [];
  const alertedBefore: string[] = [];
  const failed: WatchdogFailure[] = [];
  // One session at a time: a handful of calls per run stays far below the SSM and SNS rate limits.
  for (const [index, session] of sessions.entries()) {
    const sessionId = session.SessionId ?? "(no id)";
    const fields = sessionFields(session);
    if (deps.remainingMs !== undefined && deps.remainingMs() < RESERVE_MS) {
      // Out of time: what is left is reported, and the next run judges it again.
      const left = sessions.slice(index).map((s) => s.SessionId ?? "(no id)");
      failed.push(...left.map((id) => ({ sessionId: id, step: "deferred" as const, error: "the run ran out of time" })));
      deps.log({ level: "error", event: "out-of-time", sessionsLeft: left.length, dryRun });
      break;
    }
    if (session.StartDate === undefined) {
      deps.log({ level: "warn", event: "session-no-start-date", ...fields, dryRun });
      skipped.push(sessionId);
      continue;
    }
    // Ended already: ending it again would only send a second "ended" alert on the next run.
    if (session.Status === "Terminating") {
      deps.log({ level: "info", event: "session-terminating", ...fields, dryRun });
      skipped.push(sessionId);
      continue;
    }
    const ageMs = now.getTime() - session.StartDate.getTime();
    if (!isOverdue(ageMs, maxSessionMinutes)) continue;

    overdue.push(sessionId);
    deps.log({ level: "info", event: "session-overdue", ...fields, ageMinutes: Math.floor(ageMs / MINUTE_MS), dryRun });
    // A dry run ends nothing, so the session stays overdue: alert in the run after it passed the maximum. A
    // minute of slack covers a run that starts late; a second alert is better than none.
    if (dryRun && settings.scheduleMinutes !== undefined && isOverdue(ageMs, maxSessionMinutes + settings.scheduleMinutes + DRY_RUN_SLACK_MINUTES)) {
      alertedBefore.push(sessionId);
      continue;
    }
    if (!dryRun) {
      try {
        await deps.ssm.send(new TerminateSessionCommand({ SessionId: sessionId }));
      } catch (err) {
        failed.push({ sessionId, step: "terminate", error: errorText(err) });
        deps.log({ level: "error", event: "terminate-failed", ...fields, error: errorText(err), dryRun });
        continue;
      }
      terminated.push(sessionId);
      deps.log({ level: "info", event: "session-terminated", ...fields, dryRun });
    }
    const alert = formatAlert({ session, now, maxSessionMinutes, dryRun, topicArn: settings.topicArn });
    try {
      await publish(deps.sns, settings.topicArn, alert);
    } catch (err) {
      failed.push({ sessionId, step: "publish", error: errorText(err) });
      deps.log({ level: "error", event: "publish-failed", ...fields, error: errorText(err), dryRun });
    }
  }

  const summary: WatchdogSummary = { active: sessions.length, overdue, terminated, skipped, alertedBefore, failed, dryRun };
  deps.log({
    level: failed.length > 0 ? "error" : "info",
    event: "run-end",
    active: summary.active,
    overdue: overdue.length,
    terminated: terminated.length,
    skipped: skipped.length,
    alertedBefore: alertedBefore.length,
    failed: failed.length,
    dryRun,
  });
  if (failed.length > 0) {
    deps.log({ level: "error", event: "run-failed", failures: failed, dryRun });
    try {
      await publish(deps.sns, settings.topicArn, formatFailureAlert(failed, settings.topicArn, dryRun));
    } catch (err) {
      // Best effort: the thrown error below still reaches the Errors alarm.
      deps.log({ level: "error", event: "publish-failed", alert: "failures", error: errorText(err), dryRun });
    }
    throw new WatchdogRunError(summary);
  }
  return summary;
}

/** Strictly older than the maximum: a session exactly at it is within its allowance. */
export function isOverdue(ageMs: number, maxSessionMinutes: number): boolean {
  return ageMs > maxSessionMinutes * MINUTE_MS;
}

/** Every active session, every page. All pages first: ending sessions while paging could shift later pages. */
async function listActiveSessions(ssm: SSMClient): Promise<Session[]> {
  const sessions: Session[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ssm.send(new DescribeSessionsCommand({ State: "Active", MaxResults: PAGE_SIZE, NextToken: nextToken }));
    sessions.push(...(page.Sessions ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return sessions;
}

function sessionFields(s: Session): Record<string, unknown> {
  return { sessionId: s.SessionId, owner: s.Owner, target: s.Target, document: s.DocumentName, status: s.Status };
}

/** What `formatAlert` needs about one overdue session. */
export interface AlertInput {
  /** The session as DescribeSessions returned it; StartDate must be set. */
  readonly session: Pick<Session, "SessionId" | "Owner" | "Target" | "DocumentName" | "StartDate">;
  /** The run's clock: the age is `now - StartDate`. */
  readonly now: Date;
  readonly maxSessionMinutes: number;
  readonly dryRun: boolean;
  /** Its account and region label the alert: the topic lives in the account and region it watches. */
  readonly topicArn: string;
}

/** An SNS message: a one-line subject for e-mail and the plain-text body. */
export interface Alert {
  readonly event: "session-ended" | "session-would-end" | "watchdog-failed";
  readonly subject: string;
  readonly message: string;
}

/** The alert for one overdue session: one field per line, no locale-dependent formatting. */
export function formatAlert(a: AlertInput): Alert {
  const id = a.session.SessionId ?? "(no id)";
  const start = a.session.StartDate;
  if (start === undefined) throw new Error(`formatAlert: session ${id} has no StartDate`);
  const { account, region } = arnLocation(a.topicArn);
  const lines = [
    a.dryRun
      ? `Dry run: the session watchdog would have ended this session, which is older than the maximum. Nothing was ended.`
      : `The session watchdog ended this session because it was older than the maximum.`,
    "",
    field("Action", a.dryRun ? "would end (dry run)" : "ended"),
    field("Session", id),
    field("Owner", a.session.Owner ?? "(unknown)"),
    field("Target", a.session.Target ?? "(unknown)"),
    field("Document", a.session.DocumentName ?? "(unknown)"),
    field("Started", start.toISOString()),
    field("Age", formatDuration(a.now.getTime() - start.getTime())),
    field("Maximum", `${a.maxSessionMinutes} min`),
    field("Account", account),
    field("Region", region),
  ];
  return {
    event: a.dryRun ? "session-would-end" : "session-ended",
    subject: snsSubject(`Session Manager watchdog${a.dryRun ? " (dry run)" : ""}: ${a.dryRun ? "would end" : "ended"} session ${id}`),
    message: `${lines.join("\n")}\n`,
  };
}

/** The one alert after a run with failures: what failed, session by session. */
export function formatFailureAlert(failures: readonly WatchdogFailure[], topicArn: string, dryRun: boolean): Alert {
  const { account, region } = arnLocation(topicArn);
  const lines = [
    `The session watchdog${dryRun ? " (dry run)" : ""} could not complete ${plural(failures.length, "step")} in ${account}/${region}.`,
    `A failed "terminate" means the session may still be running; a failed "publish" means no alert was sent for it.`,
    "",
    ...failures.map((f) => `${f.sessionId}: ${f.step} failed: ${f.error}`),
  ];
  return {
    event: "watchdog-failed",
    subject: snsSubject(`Session Manager watchdog: ${plural(failures.length, "failure")} in ${account}/${region}`),
    message: `${lines.join("\n")}\n`,
  };
}

// Labels padded to one width, so the values line up in a monospaced mail client.
const field = (label: string, value: string): string => `${`${label}:`.padEnd(10)}${value}`;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Whole minutes, largest unit first: "45 min", "1 h 7 min", "2 d 0 h 5 min". */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / MINUTE_MS);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d > 0) return `${d} d ${h} h ${m} min`;
  if (h > 0) return `${h} h ${m} min`;
  return `${m} min`;
}

/** SNS subjects must be printable ASCII and under 100 characters: anything else becomes `?`, the tail `...`. */
export function snsSubject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, "?");
  return ascii.length <= SUBJECT_MAX ? ascii : `${ascii.slice(0, SUBJECT_MAX - 3)}...`;
}

/** Account and region of an ARN, `(unknown)` when it has none. */
export function arnLocation(arn: string): { readonly account: string; readonly region: string } {
  const parts = arn.split(":");
  return { account: parts[4] || "(unknown)", region: parts[3] || "(unknown)" };
}

async function publish(sns: SNSClient, topicArn: string, alert: Alert): Promise<void> {
  await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: alert.subject,
      Message: alert.message,
      // Lets subscriptions filter, e.g. only failures to a pager.
      MessageAttributes: { event: { DataType: "String", StringValue: alert.event } },
    }),
  );
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function runErrorMessage(s: WatchdogSummary): string {
  const shown = s.failed.slice(0, 5).map((f) => `${f.sessionId} ${f.step}: ${f.error}`);
  const more = s.failed.length > shown.length ? `; and ${s.failed.length - shown.length} more` : "";
  return `Session watchdog: ${plural(s.failed.length, "failure")} among ${plural(s.overdue.length, "overdue session")}: ${shown.join("; ")}${more}`;
}

/** The default `log`: one JSON object per line, which CloudWatch Logs Insights parses into fields. */
export function logJson(entry: Record<string, unknown>): void {
  // The function's log format is JSON: the runtime wraps this object, as an object, in its own JSON record
  // (timestamp, level, requestId, message), one line per entry.
  // The level reaches Lambda's record too: console.error and console.warn are logged as ERROR and WARN.
  if (entry.level === "error") console.error(entry);
  else if (entry.level === "warn") console.warn(entry);
  else console.log(entry);
}

// Created on the first run and kept for the container's life; the region is the runtime's own (AWS_REGION).
let clients: { readonly ssm: SSMClient; readonly sns: SNSClient } | undefined;

/** The Lambda entry point (`index.handler`). The scheduled event carries nothing the watchdog needs. */
export async function handler(_event?: unknown, context?: { getRemainingTimeInMillis(): number }): Promise<WatchdogSummary> {
  const settings = settingsFromEnv(process.env);
  clients ??= { ssm: new SSMClient({}), sns: new SNSClient({}) };
  const remainingMs = context === undefined ? undefined : () => context.getRemainingTimeInMillis();
  return runWatchdog({ ...clients, now: () => new Date(), log: logJson, remainingMs }, settings);
}
