import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { sessionEventsRuleName } from "../config/naming";
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
 * The plain-text alert. EventBridge sends a template in double quotes as a string; `\n` inside it is a newline.
 * EventBridge leaves out a field the event lacks (no document: the default shell; no error: the call succeeded).
 */
export function sessionEventTemplate(): string {
  const lines = [
    "Session Manager <event> at <time> in account <account> (<region>)",
    line("Who", "who"),
    line("From", "from"),
    line("Target", "target"),
    `${line("Document", "document")} (none shown: the audited shell, SSM-SessionManagerRunShell)`,
    line("Session", "startedSession", "session"),
    `${line("Error", "error")} (none shown: the call succeeded)`,
  ];
  return JSON.stringify(lines.join("\n"));
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
    const rule = new CloudwatchEventRule(this, "rule", {
      name: sessionEventsRuleName(props.namePrefix),
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
  }
}
