import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { alertAlarmNames, lambdaLogGroupName, watchdogFunctionName } from "../config/naming";
import type { ObservabilitySettings } from "../config/types";
import { AlertTopic } from "./alert-topic";
import { ForbiddenCommands } from "./forbidden-commands";
import { SessionActivityRule } from "./session-activity-rule";
import { SessionWatchdog } from "./session-watchdog";

export interface SessionMonitoringProps {
  readonly namePrefix: string;
  readonly accountId: string;
  readonly region: string;
  readonly provider: TerraformProvider;
  readonly settings: ObservabilitySettings;
  /** The session transcript log group (name and reference), when CloudWatch logging is on. */
  readonly sessionLogGroup?: { readonly name: string; readonly ref: string };
  /** Days the watchdog keeps its log. */
  readonly logRetentionDays: number;
}

/**
 * Alerts and enforcement for one account and region, each part as the config turns it on: the alert topic,
 * session activity from CloudTrail, forbidden-command alarms on the transcripts, and the session watchdog.
 */
export class SessionMonitoring extends Construct {
  /** The alert topic's ARN, when alerts are on. */
  public readonly topicArn?: string;

  constructor(scope: Construct, id: string, props: SessionMonitoringProps) {
    super(scope, id);
    const { settings, provider } = props;
    const alerts = settings.alerts;
    // config/checks.ts rejects a part that publishes with alerts off, and forbidden commands without a log group.
    if (alerts === undefined) return;
    const topic = new AlertTopic(this, "alerts", {
      namePrefix: props.namePrefix,
      accountId: props.accountId,
      region: props.region,
      provider,
      subscriptions: alerts.subscriptions,
      sessionEvents: settings.sessionEvents,
      alarmNames: alertAlarmNames(props.namePrefix, settings),
      watchdogLogGroupName: settings.watchdog && lambdaLogGroupName(watchdogFunctionName(props.namePrefix)),
    });
    if (settings.sessionEvents) {
      new SessionActivityRule(this, "session-events", { namePrefix: props.namePrefix, provider, topicArn: topic.topicArnRef });
    }
    if (settings.forbiddenCommands.length > 0 && props.sessionLogGroup !== undefined) {
      new ForbiddenCommands(this, "forbidden-commands", {
        namePrefix: props.namePrefix,
        provider,
        logGroupName: props.sessionLogGroup.name,
        logGroupNameRef: props.sessionLogGroup.ref,
        patterns: settings.forbiddenCommands,
        topicArn: topic.topicArnRef,
      });
    }
    if (settings.watchdog !== undefined) {
      new SessionWatchdog(this, "watchdog", {
        namePrefix: props.namePrefix,
        accountId: props.accountId,
        region: props.region,
        provider,
        settings: settings.watchdog,
        topicArn: topic.topicArn,
        topicArnRef: topic.topicArnRef,
        alertKeyArn: topic.keyArn,
        logRetentionDays: props.logRetentionDays,
      });
    }
    this.topicArn = topic.topicArnRef;
  }
}
