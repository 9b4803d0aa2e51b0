import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { sessionEventsFailedAlarmName, sessionEventsRuleName } from "../config/naming";
import { alertAlarm } from "./alert-alarm";
import { escapeTemplateSequences } from "./terraform-json";

/** The Session Manager calls that start, resume and end sessions, as CloudTrail records them. */
export const SESSION_EVENTS = ["StartSession", "ResumeSession", "TerminateSession"] as const;

/** The CloudTrail events of session activity in one region, as an EventBridge event pattern. */
export function sessionEventPattern(): Record<string, unknown> {
  return {
    source: ["aws.ssm"],
    "detail-type": ["AWS API Call via CloudTrail"],
    detail: { eventSource: ["ssm.amazonaws.com"], eventName: [...SESSION_EVENTS] },
  };
}

/**
 * What the alert says: who did what, to which target, with which document, from where. Paths an event lacks
 * (StartSession has no requestParameters.sessionId, a failed call no responseElements) come out empty.
 */
export const SESSION_EVENT_FIELDS = {
  event: "$.detail.eventName",
  time: "$.detail.eventTime",
  account: "$.account",
  region: "$.region",
  who: "$.detail.userIdentity.arn",
  from: "$.detail.sourceIPAddress",
  target: "$.detail.requestParameters.target",
  document: "$.detail.requestParameters.documentName",
  startedSession: "$.detail.responseElements.sessionId",
  session: "$.detail.requestParameters.sessionId",
  error: "$.detail.errorCode",
} as const;

type Field = keyof typeof SESSION_EVENT_FIELDS;
const line = (label: string, ...fields: Field[]): string => `${label}: ${fields.map((f) => `<${f}>`).join("")}`;

/**
 * The plain-text alert: one quoted string per line, the form EventBridge documents for text to SNS (a single
 * string with `\n` inside arrives with a literal backslash-n). Values are not escaped by EventBridge; the fields
 * here (ARNs, ids, addresses, error codes) hold no quotes. A field the event lacks is left out: no document means
 * the default shell (and ResumeSession/TerminateSession name none), no error means the call succeeded.
 */
export function sessionEventTemplate(): string {
  const lines = [
    "Session Manager <event> at <time> in account <account> (<region>)",
    line("Who", "who"),
    line("From", "from"),
    line("Target", "target"),
    line("Document", "document"),
    line("Session", "startedSession", "session"),
    line("Error", "error"),
  ];
  return lines.map((l) => JSON.stringify(l)).join("\n");
}

export interface SessionActivityRuleProps {
  readonly namePrefix: string;
  readonly provider: TerraformProvider;
  /** The alert topic (a reference, so the target is created after the topic). */
  readonly topicArn: string;
}

/**
 * Forwards CloudTrail's record of every session start, resume and end in one region to the alert topic, as a
 * readable message. CloudTrail must be on in the account (an organization trail does it); this does not create it.
 */
export class SessionActivityRule extends Construct {
  constructor(scope: Construct, id: string, props: SessionActivityRuleProps) {
    super(scope, id);
    const ruleName = sessionEventsRuleName(props.namePrefix);
    const rule = new CloudwatchEventRule(this, "rule", {
      name: ruleName,
      description: "Session Manager sessions started, resumed and ended (from CloudTrail), to the session alert topic",
      eventPattern: JSON.stringify(sessionEventPattern()),
      provider: props.provider,
    });
    new CloudwatchEventTarget(this, "alert", {
      rule: rule.name,
      targetId: "session-alerts",
      arn: props.topicArn,
      inputTransformer: {
        inputPaths: { ...SESSION_EVENT_FIELDS },
        // <field> placeholders are EventBridge's, not Terraform's; only ${ and %{ need escaping.
        inputTemplate: escapeTemplateSequences(sessionEventTemplate()),
      },
      provider: props.provider,
    });
    // A delivery EventBridge gives up on (a key or topic policy that stopped letting it publish) would otherwise
    // drop every session alert without a sign. The alarm reaches the topic as CloudWatch, another path.
    alertAlarm(this, "delivery-failed", {
      alarmName: sessionEventsFailedAlarmName(props.namePrefix),
      description: `EventBridge could not deliver session activity (rule ${ruleName}) to the alert topic: session alerts are being lost.`,
      namespace: "AWS/Events",
      metricName: "FailedInvocations",
      dimensions: { RuleName: ruleName },
      periodSeconds: 300,
      topicArn: props.topicArn,
      provider: props.provider,
    });
  }
}
