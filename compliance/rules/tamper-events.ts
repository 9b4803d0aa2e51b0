import { PREFERENCES_DOCUMENT } from "../../config/naming";
import { unescapeTemplateSequences } from "../../modules/terraform-json";
import type { Rule } from "../types";
import { asList, referenced, resources, type Resource } from "../terraform";

/** The calls no alert topic may go without an alert on: each silences the alerts or the session audit. */
export const CORE_TAMPER_EVENTS: readonly { readonly service: string; readonly event: string; readonly document?: string }[] = [
  { service: "ssm", event: "UpdateDocument", document: PREFERENCES_DOCUMENT },
  { service: "ssm", event: "DeleteDocument", document: PREFERENCES_DOCUMENT },
  { service: "logs", event: "DeleteLogGroup" },
  { service: "logs", event: "DeleteMetricFilter" },
  { service: "kms", event: "ScheduleKeyDeletion" },
  { service: "kms", event: "DisableKey" },
  { service: "sns", event: "Unsubscribe" },
];

type Clause = { eventSource?: unknown; eventName?: unknown; requestParameters?: Record<string, unknown> };

/** The alternatives of a CloudTrail pattern: its detail, or each branch of a `$or` in it. */
function clausesOf(pattern: unknown): Clause[] {
  const detail = (pattern as { detail?: Record<string, unknown> } | undefined)?.detail;
  if (detail === undefined) return [];
  return Array.isArray(detail.$or) ? (detail.$or as Clause[]) : [detail as Clause];
}

function covers(clause: Clause, required: (typeof CORE_TAMPER_EVENTS)[number]): boolean {
  if (!asList(clause.eventSource as string[] | undefined).includes(`${required.service}.amazonaws.com`)) return false;
  const named = asList(clause.eventName as unknown[] | undefined).some(
    (e) => e === required.event || (typeof (e as { prefix?: unknown })?.prefix === "string" && required.event.startsWith((e as { prefix: string }).prefix)),
  );
  if (!named) return false;
  const documents = clause.requestParameters?.name;
  return required.document === undefined || documents === undefined || asList(documents as unknown[]).includes(required.document);
}

function patternOf(rule: Resource): unknown {
  try {
    return JSON.parse(unescapeTemplateSequences(String(rule.body.event_pattern ?? "")));
  } catch {
    return undefined;
  }
}

const describe = (r: (typeof CORE_TAMPER_EVENTS)[number]): string => `${r.service}:${r.event}${r.document ? ` (${r.document})` : ""}`;

export const tamperEvents: Rule = {
  id: "SM-CW-3",
  title: "Every alert topic gets an alert when someone silences alerts or the session audit (tamper rules)",
  severity: "error",
  rationale: "Deleting a metric filter, a key or the preferences document, or unsubscribing, is silent unless CloudTrail's record of it alerts.",
  controls: ["CIS AWS Foundations 4.x (CloudTrail-based change alarms)", "Prowler cloudwatch_log_metric_filter_*"],
  fix: `Keep observability.tamperEvents on (the default with alerts), or suppress with a reason; the rules must match ${CORE_TAMPER_EVENTS.map(describe).join(", ")}.`,
  check: ({ tf, workload }) => {
    if (workload?.observability.alerts === undefined) return [];
    const targets = resources(tf, "aws_cloudwatch_event_target");
    return resources(tf, "aws_sns_topic").flatMap((topic) => {
      const rules = targets
        .filter((t) => referenced(tf, t.body.arn)?.address === topic.address)
        .map((t) => referenced(tf, t.body.rule))
        .filter((r): r is Resource => r !== undefined && r.type === "aws_cloudwatch_event_rule");
      const clauses = rules.flatMap((r) => clausesOf(patternOf(r)));
      const missing = CORE_TAMPER_EVENTS.filter((required) => !clauses.some((c) => covers(c, required)));
      if (missing.length === CORE_TAMPER_EVENTS.length) {
        return [{ path: topic.path, message: `no EventBridge rule in ${topic.region} alerts this topic on tampering (observability.tamperEvents is off?)` }];
      }
      return missing.length === 0 ? [] : [{ path: topic.path, message: `no rule alerting this topic matches ${missing.map(describe).join(", ")}` }];
    });
  },
};
