import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { forbiddenCommandAlarmName, forbiddenCommandNamespace } from "../config/naming";
import type { ForbiddenCommandConfig } from "../config/types";
import { alertAlarm } from "./alert-alarm";
import { escapeTemplateSequences } from "./terraform-json";

/** Alarm period: a match is reported within about a minute of the line reaching CloudWatch. */
export const FORBIDDEN_COMMAND_PERIOD_SECONDS = 60;

export interface ForbiddenCommandsProps {
  readonly namePrefix: string;
  readonly provider: TerraformProvider;
  /** The session transcript log group's name. */
  readonly logGroupName: string;
  /** The same name as a reference to the log group, so filters are created after it. */
  readonly logGroupNameRef: string;
  readonly patterns: readonly ForbiddenCommandConfig[];
  /** The alert topic the alarms notify. */
  readonly topicArn: string;
}

/**
 * A metric filter on the session transcripts for each forbidden-command pattern, and an alarm that notifies the
 * alert topic when one matches. With streaming on, transcripts reach CloudWatch as sessions run, so the alarm
 * fires while the session is still open (with streaming off, when it ends); the transcript itself (log stream =
 * session id) tells who and where.
 *
 * A deleted or rewritten filter makes its alarm silent, and the alarm cannot tell: no data is also what a quiet
 * day looks like, so treating missing data as breaching would page whenever nobody runs a forbidden command. The
 * tamper rules catch it instead: DeleteMetricFilter and PutMetricFilter on the session log group, DeleteAlarms,
 * DisableAlarmActions and PutMetricAlarm on these alarms, each alert as the call happens, logged in or not.
 */
export class ForbiddenCommands extends Construct {
  constructor(scope: Construct, id: string, props: ForbiddenCommandsProps) {
    super(scope, id);
    const namespace = forbiddenCommandNamespace(props.namePrefix);
    for (const p of props.patterns) {
      new CloudwatchLogMetricFilter(this, `filter-${p.name}`, {
        name: `forbidden-command-${p.name}`,
        logGroupName: props.logGroupNameRef,
        // The pattern is CloudWatch's, not a Terraform template.
        pattern: escapeTemplateSequences(p.pattern),
        // No default value: the metric exists only when a line matches, so silence is not reported as zero. The
        // alarm treats missing data as fine; the tamper rules, not this alarm, notice a filter that is gone.
        metricTransformation: { name: p.name, namespace, value: "1", unit: "Count" },
        provider: props.provider,
      });
      alertAlarm(this, `alarm-${p.name}`, {
        alarmName: forbiddenCommandAlarmName(props.namePrefix, p.name),
        description: escapeTemplateSequences(
          `A session ran a forbidden command (${p.name}): ${p.description ?? `it matched ${p.pattern.slice(0, 200)}`}. ` +
            `The transcript is in ${props.logGroupName}, one log stream per session id.`,
        ),
        namespace,
        metricName: p.name,
        periodSeconds: FORBIDDEN_COMMAND_PERIOD_SECONDS,
        topicArn: props.topicArn,
        provider: props.provider,
      });
    }
  }
}
