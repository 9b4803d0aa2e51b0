import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { parseDocument } from "yaml";
import type * as z from "zod/mini";
import { crossCheck } from "./checks";
import { ConfigError, type Problem } from "./errors";
import {
  configSchema,
  OBJECT_LOCK_DEFAULTS,
  SESSION_DEFAULTS,
  SSH_DEFAULTS,
  WATCHDOG_DEFAULTS,
  type LogArchiveConfig,
  type ObservabilityConfig,
  type RawConfig,
} from "./schema";
import type { Config, LogArchiveSettings, ObservabilitySettings, SessionSettings, WorkloadConfig } from "./types";

/** Reads, validates and resolves a config file. Throws ConfigError listing every problem found. */
export function loadConfig(file: string): Config {
  return validateConfig(readConfig(file), file);
}

/** Reads and parses a config file, not yet validated (see validateConfig). Throws ConfigError if it cannot. */
export function readConfig(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(file, [{ path: "", message: `cannot read the config file: ${(e as Error).message}` }]);
  }
  return parseText(text, file);
}

/** Validates config text (YAML, or JSON when `file` ends in .json). */
export function parseConfig(text: string, file = "sessions.yaml"): Config {
  const data = parseText(text, file);
  return validateConfig(data, file);
}

/** Validates an already parsed config object. */
export function validateConfig(data: unknown, file = "sessions.yaml"): Config {
  const result = configSchema.safeParse(data, { reportInput: true });
  // Cross-field checks read the raw input defensively, so they report alongside shape errors in one pass.
  const problems = [...(result.success ? [] : result.error.issues.flatMap(toProblems)), ...crossCheck(data)];
  if (problems.length > 0 || !result.success) throw new ConfigError(file, problems);
  return resolve(result.data);
}

function parseText(text: string, file: string): unknown {
  const data = parseNonEmpty(text, file);
  if (data === null || data === undefined) {
    throw new ConfigError(file, [
      {
        path: "",
        message: "the file is empty (no settings, at most comments): start from the minimal config in the README, or write one with npm run init",
      },
    ]);
  }
  return data;
}

function parseNonEmpty(text: string, file: string): unknown {
  if (text.trim() === "") return null;
  if (extname(file).toLowerCase() === ".json") {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new ConfigError(file, [{ path: "", message: `not valid JSON: ${(e as Error).message}` }]);
    }
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({
        path: "",
        message: `not valid YAML at line ${e.linePos?.[0].line ?? "?"}: ${e.message.split("\n")[0].replace(/ at line \d+.*$/, "")}`,
      })),
    );
  }
  return doc.toJS();
}

function toProblems(issue: z.core.$ZodIssue): Problem[] {
  if (issue.code === "invalid_union") {
    // A value of the kind one alternative takes (an object where `false` or an object is allowed) gets that
    // alternative's own problems, with their paths, rather than the union's summary.
    const inside = issue.errors.find((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
    if (inside !== undefined) return inside.flatMap((i) => toProblems({ ...i, path: [...issue.path, ...i.path] }));
  }
  return [toProblem(issue)];
}

function toProblem(issue: z.core.$ZodIssue): Problem {
  const base = { path: formatPath(issue.path) };
  switch (issue.code) {
    case "unrecognized_keys":
      return { ...base, message: `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}` };
    case "invalid_type":
      if (issue.input === undefined) return { ...base, message: "is required" };
      break;
  }
  return { ...base, message: issue.message, value: issue.input };
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

function resolve(raw: RawConfig): Config {
  const prefix = raw.organization.namePrefix;
  const defaults = raw.sessionDefaults;
  const workloads: WorkloadConfig[] = raw.workloads.map((w) => {
    const o = w.session ?? {};
    const session: SessionSettings = {
      idleTimeoutMinutes: o.idleTimeoutMinutes ?? defaults.idleTimeoutMinutes,
      maxSessionDurationMinutes: o.maxSessionDurationMinutes ?? defaults.maxSessionDurationMinutes,
      runAs: { ...SESSION_DEFAULTS.runAs, ...defaults.runAs, ...o.runAs },
      shellProfile: { ...SESSION_DEFAULTS.shellProfile, ...defaults.shellProfile, ...o.shellProfile },
      cloudWatch: { ...SESSION_DEFAULTS.cloudWatch, ...defaults.cloudWatch, ...o.cloudWatch },
    };
    return {
      name: w.name,
      accountId: w.accountId,
      regions: w.regions,
      session,
      accessGroups: w.accessGroups,
      users: w.users,
      adoptDocumentRegions: w.adoptExistingDocument === true ? w.regions : w.adoptExistingDocument || [],
      observability: resolveObservability(raw.observabilityDefaults, w.observability, session),
      connectivity: w.connectivity ?? { egressPublicCidrs: [], vpcEndpoints: [], fleet: { defaultHostManagement: false }, ssh: { ...SSH_DEFAULTS } },
      accessMode: w.accessMode,
      justInTime: w.justInTime ?? { autoApprove: [], manualApproval: [] },
    };
  });
  return {
    organizationId: raw.organization.id,
    namePrefix: prefix,
    logArchive: resolveLogArchive(raw.logArchive),
    workloads,
    deployment: raw.deployment,
    compliance: raw.compliance,
    organizationGuardrails: raw.organization.guardrails,
    justInTime: raw.justInTime,
    identityCenter: raw.identityCenter,
  };
}

/** Object Lock is on unless the config says `objectLock: false`; its days default to the retention. */
function resolveLogArchive(raw: LogArchiveConfig): LogArchiveSettings {
  const { objectLock, ...rest } = raw;
  if (objectLock === false) return rest;
  return {
    ...rest,
    objectLock: { mode: objectLock?.mode ?? OBJECT_LOCK_DEFAULTS.mode, days: objectLock?.days ?? raw.retentionDays },
  };
}

/**
 * A workload's observability: each part (alerts, sessionEvents, tamperEvents, forbiddenCommands, watchdog) is the defaults' part
 * with the workload's fields over it. Cross-checks have already rejected a part that is on without what it needs.
 */
function resolveObservability(
  defaults: ObservabilityConfig | undefined,
  own: ObservabilityConfig | undefined,
  session: SessionSettings,
): ObservabilitySettings {
  const alerts = { ...defaults?.alerts, ...own?.alerts };
  const events = { ...defaults?.sessionEvents, ...own?.sessionEvents };
  const tamper = { ...defaults?.tamperEvents, ...own?.tamperEvents };
  const commands = { ...defaults?.forbiddenCommands, ...own?.forbiddenCommands };
  const watchdog = { ...defaults?.watchdog, ...own?.watchdog };
  return {
    alerts: alerts.enabled === true ? { subscriptions: alerts.subscriptions ?? [] } : undefined,
    sessionEvents: events.enabled === true,
    // On with alerts unless turned off: tampering with the alert path is what an intruder does first.
    tamperEvents: alerts.enabled === true && tamper.enabled !== false,
    forbiddenCommands: commands.enabled === true ? (commands.patterns ?? []) : [],
    watchdog:
      watchdog.enabled === true
        ? {
            // config/checks.ts requires a mode wherever the watchdog is on.
            mode: watchdog.mode!,
            maxSessionMinutes: watchdog.maxSessionMinutes ?? session.maxSessionDurationMinutes,
            scheduleMinutes: watchdog.scheduleMinutes ?? WATCHDOG_DEFAULTS.scheduleMinutes,
          }
        : undefined,
  };
}
