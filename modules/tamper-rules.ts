import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { IAM_PATH, tamperFailedAlarmName, tamperRuleName, tamperRuleParts, type TamperRulePart } from "../config/naming";
import { PARTITION } from "../config/regions";
import { alertAlarm } from "./alert-alarm";
import { escapeTemplateSequences, toTerraformJson } from "./terraform-json";

/**
 * EventBridge's default limit on an event pattern, in characters (Terraform's aws_cloudwatch_event_rule docs; it
 * can be raised to 4096 through a quota increase, which this project does not assume).
 */
export const EVENT_PATTERN_MAX_CHARS = 2048;
/**
 * Length a Terraform reference (a key id or ARN) may resolve to, for the size check: the longest key ARN, in the
 * longest region name, is under 90 characters.
 */
const REFERENCE_CHARS = 90;

/** What the tamper rules of one account and region watch, each by the name CloudTrail records in the request. */
export interface TamperTargets {
  readonly accountId: string;
  /** This project's log groups in the region: the session transcripts and the watchdog's log. */
  readonly logGroupNames: readonly string[];
  /** This project's EventBridge rules in the region (activity, tamper, watchdog schedule). */
  readonly ruleNames: readonly string[];
  /** The watchdog function, when there is one. */
  readonly functionName?: string;
  readonly topicArn: string;
  /** The preferences document and this project's Command documents. */
  readonly documentNames: readonly string[];
  /** This project's KMS keys in the region, by id and by ARN (references): callers may name a key either way. */
  readonly keys: readonly { readonly id: string; readonly arn: string }[];
  /** The prefix every alarm of this project starts with. */
  readonly alarmNamePrefix: string;
  /** This project's IAM groups. */
  readonly groupNames: readonly string[];
}

/** A CloudTrail record of a management call, as EventBridge sees it (detail-type and eventSource). */
const CLOUDTRAIL = "AWS API Call via CloudTrail";

/** The calls each rule watches, by service, as CloudTrail names them. Lambda appends an API version: see below. */
export const TAMPER_EVENTS = {
  logs: ["DeleteLogGroup", "DeleteMetricFilter", "PutMetricFilter", "PutRetentionPolicy", "DeleteRetentionPolicy", "DisassociateKmsKey"],
  eventRules: ["PutRule", "DeleteRule", "DisableRule"],
  eventTargets: ["PutTargets", "RemoveTargets"],
  // CloudTrail records Lambda calls with the API version appended (UpdateFunctionConfiguration20150331v2), so
  // these match as prefixes; DeleteFunction thereby also covers DeleteFunctionConcurrency and the like.
  lambda: ["UpdateFunctionConfiguration", "UpdateFunctionCode", "DeleteFunction", "RemovePermission"],
  snsTopic: ["SetTopicAttributes", "DeleteTopic", "RemovePermission"],
  snsSubscription: ["Unsubscribe"],
  alarms: ["DeleteAlarms", "DisableAlarmActions"],
  alarm: ["PutMetricAlarm"],
  documents: ["UpdateDocument", "DeleteDocument", "UpdateDocumentDefaultVersion", "ModifyDocumentPermission"],
  ssmAccount: ["DeleteAssociation", "UpdateAssociation", "UpdateServiceSetting", "ResetServiceSetting"],
  keys: ["ScheduleKeyDeletion", "DisableKey", "PutKeyPolicy"],
  groups: ["DetachGroupPolicy", "DeleteGroupPolicy", "PutGroupPolicy"],
  policies: ["CreatePolicyVersion", "SetDefaultPolicyVersion", "DeletePolicy", "DetachGroupPolicy"],
} as const;

type Clause = Record<string, unknown>;
const clause = (service: string, eventName: readonly unknown[], requestParameters?: Record<string, unknown[]>): Clause => ({
  eventSource: [`${service}.amazonaws.com`],
  eventName: [...eventName],
  ...(requestParameters === undefined ? {} : { requestParameters }),
});

/**
 * The event pattern of each tamper rule of a region, split so that each stays under EventBridge's size limit:
 * `alerts` watches the alert path (log groups and metric filters, rules, the watchdog, the topic), `setup` the
 * alarms and the session setup (documents, associations, service settings, keys), `iam` the access groups and
 * policies. Each call is narrowed to this project's resources where CloudTrail records the name in the request;
 * calls that also fail (AccessDenied) match, so an attempt alerts as well.
 */
export function tamperEventPatterns(t: TamperTargets, parts: readonly TamperRulePart[]): Partial<Record<TamperRulePart, Record<string, unknown>>> {
  const alerts: Clause[] = [
    ...(t.logGroupNames.length > 0 ? [clause("logs", TAMPER_EVENTS.logs, { logGroupName: [...t.logGroupNames] })] : []),
    clause("events", TAMPER_EVENTS.eventRules, { name: [...t.ruleNames] }),
    clause("events", TAMPER_EVENTS.eventTargets, { rule: [...t.ruleNames] }),
    ...(t.functionName === undefined
      ? []
      : [
          clause(
            "lambda",
            TAMPER_EVENTS.lambda.map((prefix) => ({ prefix })),
            // A name, a full ARN or a partial ARN (account:function:name): the last two end the same way.
            { functionName: [t.functionName, { suffix: `:function:${t.functionName}` }] },
          ),
        ]),
    clause("sns", TAMPER_EVENTS.snsTopic, { topicArn: [t.topicArn] }),
    // A subscription ARN is the topic ARN, a colon and the subscription id.
    clause("sns", TAMPER_EVENTS.snsSubscription, { subscriptionArn: [{ prefix: `${t.topicArn}:` }] }),
  ];
  const setup: Clause[] = [
    clause("monitoring", TAMPER_EVENTS.alarms, { alarmNames: [{ prefix: t.alarmNamePrefix }] }),
    clause("monitoring", TAMPER_EVENTS.alarm, { alarmName: [{ prefix: t.alarmNamePrefix }] }),
    clause("ssm", TAMPER_EVENTS.documents, { name: [...t.documentNames] }),
    // Associations are named by an id CloudTrail records only for some forms of the call, and service settings are
    // few and rare: any of these in the account and region alerts.
    clause("ssm", TAMPER_EVENTS.ssmAccount),
    // By id and by ARN, both Terraform references: ScheduleKeyDeletion, DisableKey and PutKeyPolicy accept no alias,
    // so an alias could not narrow them.
    ...(t.keys.length > 0 ? [clause("kms", TAMPER_EVENTS.keys, { keyId: t.keys.flatMap((k) => [k.id, k.arn]) })] : []),
  ];
  const iam: Clause[] = [
    ...(t.groupNames.length > 0 ? [clause("iam", TAMPER_EVENTS.groups, { groupName: [...t.groupNames] })] : []),
    clause("iam", TAMPER_EVENTS.policies, { policyArn: [{ prefix: `arn:${PARTITION}:iam::${t.accountId}:policy${IAM_PATH}` }] }),
  ];
  const all = { alerts, setup, iam };
  return Object.fromEntries(
    parts.map((part) => [part, { "detail-type": [CLOUDTRAIL], detail: all[part].length === 1 ? all[part][0] : { $or: all[part] } }]),
  );
}

/** The size a pattern will have once Terraform resolves its references, at most. */
export function resolvedPatternSize(pattern: string): number {
  return pattern.replace(/\$\{[^}]*\}/g, "x".repeat(REFERENCE_CHARS)).length;
}

/**
 * What the alert says: who called what, on which resource, from where. Each resource field is present only for
 * the calls that name it, so the line shows one or two of them. Lists (the alarm names of DeleteAlarms) are left
 * out, since EventBridge would insert them unescaped; the event id finds the full record in CloudTrail.
 */
export const TAMPER_EVENT_FIELDS = {
  event: "$.detail.eventName",
  service: "$.detail.eventSource",
  time: "$.detail.eventTime",
  account: "$.account",
  region: "$.region",
  who: "$.detail.userIdentity.arn",
  from: "$.detail.sourceIPAddress",
  logGroup: "$.detail.requestParameters.logGroupName",
  filter: "$.detail.requestParameters.filterName",
  name: "$.detail.requestParameters.name",
  rule: "$.detail.requestParameters.rule",
  function: "$.detail.requestParameters.functionName",
  topic: "$.detail.requestParameters.topicArn",
  subscription: "$.detail.requestParameters.subscriptionArn",
  key: "$.detail.requestParameters.keyId",
  alarm: "$.detail.requestParameters.alarmName",
  group: "$.detail.requestParameters.groupName",
  policy: "$.detail.requestParameters.policyArn",
  policyName: "$.detail.requestParameters.policyName",
  setting: "$.detail.requestParameters.settingId",
  association: "$.detail.requestParameters.associationId",
  error: "$.detail.errorCode",
  eventId: "$.detail.eventID",
} as const;

type Field = keyof typeof TAMPER_EVENT_FIELDS;
const fields = (...names: Field[]): string => names.map((f) => `<${f}>`).join(" ").trim();

/** The plain-text alert, one quoted string per line, as the session-activity rule writes it. */
export function tamperEventTemplate(): string {
  const lines = [
    "Session setup changed: <event> (<service>) at <time> in account <account> (<region>)",
    `Who: ${fields("who")}`,
    `From: ${fields("from")}`,
    `Resource: ${fields("logGroup", "name", "rule", "function", "topic", "subscription", "key", "alarm", "group", "setting", "association")}`,
    `Detail: ${fields("filter", "policy", "policyName")}`,
    `Error: ${fields("error")}`,
    `CloudTrail event: ${fields("eventId")}`,
  ];
  return lines.map((l) => JSON.stringify(l)).join("\n");
}

export interface TamperRulesProps {
  readonly namePrefix: string;
  readonly region: string;
  readonly provider: TerraformProvider;
  readonly targets: TamperTargets;
  /** The alert topic (a reference, so the targets are created after the topic). */
  readonly topicArnRef: string;
}

/**
 * Forwards CloudTrail's record of every call that changes or removes the session setup or its alerting in one
 * region to the alert topic: a deleted metric filter, a disabled rule, an unsubscribed endpoint, a key scheduled
 * for deletion. IAM calls reach EventBridge in us-east-1 only, so the IAM rule exists only there.
 */
export class TamperRules extends Construct {
  /** The rule names, as the topic policy lists them. */
  public readonly ruleNames: readonly string[];

  constructor(scope: Construct, id: string, props: TamperRulesProps) {
    super(scope, id);
    const parts = tamperRuleParts(props.region);
    const patterns = tamperEventPatterns(props.targets, parts);
    this.ruleNames = parts.map((part) => tamperRuleName(props.namePrefix, part));
    for (const part of parts) {
      const ruleName = tamperRuleName(props.namePrefix, part);
      // The provider sends the pattern re-encoded without whitespace, so that is what counts against the limit.
      const size = resolvedPatternSize(JSON.stringify(patterns[part]));
      if (size > EVENT_PATTERN_MAX_CHARS) {
        throw new Error(
          `the event pattern of ${ruleName} would be up to ${size} characters, over EventBridge's ${EVENT_PATTERN_MAX_CHARS}: ` +
            "fewer log groups, rules, documents or access groups in this account, or split the rule in modules/tamper-rules.ts",
        );
      }
      const rule = new CloudwatchEventRule(this, `rule-${part}`, {
        name: ruleName,
        description: `Changes to the Session Manager setup and its alerts (${part}, from CloudTrail), to the session alert topic`,
        // Pretty-printed (a heredoc under --hcl): a one-line string with references would not be valid HCL.
        eventPattern: toTerraformJson(patterns[part]),
        provider: props.provider,
      });
      new CloudwatchEventTarget(this, `alert-${part}`, {
        rule: rule.name,
        targetId: "session-alerts",
        arn: props.topicArnRef,
        inputTransformer: {
          inputPaths: { ...TAMPER_EVENT_FIELDS },
          inputTemplate: escapeTemplateSequences(tamperEventTemplate()),
        },
        provider: props.provider,
      });
      // As for the activity rule: a tamper alert EventBridge cannot deliver must not vanish without a sign.
      alertAlarm(this, `delivery-failed-${part}`, {
        alarmName: tamperFailedAlarmName(props.namePrefix, part),
        description: `EventBridge could not deliver changes to the session setup (rule ${ruleName}) to the alert topic: tamper alerts are being lost.`,
        namespace: "AWS/Events",
        metricName: "FailedInvocations",
        dimensions: { RuleName: ruleName },
        periodSeconds: 300,
        topicArn: props.topicArnRef,
        provider: props.provider,
      });
    }
  }
}
