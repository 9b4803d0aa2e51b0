import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { TerraformProvider } from "cdktf";
import type { Construct } from "constructs";

export interface AlertAlarmProps {
  /** One of this project's alarm names: the topic policy lists each by ARN. */
  readonly alarmName: string;
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions?: Record<string, string>;
  readonly periodSeconds: number;
  /** @default "fires": the first period with a count of at least 1 (nothing counted is fine) */
  readonly when?: "fires" | "stops";
  /** Periods in a row that must match. @default 1 */
  readonly periods?: number;
  /** The alert topic (a reference). */
  readonly topicArn: string;
  readonly provider: TerraformProvider;
}

/**
 * An alarm that notifies the alert topic on a count: `fires` when a period counts at least one (a failure, a
 * forbidden command), `stops` when the periods count none, missing data included (a watchdog that no longer runs).
 */
export function alertAlarm(scope: Construct, id: string, p: AlertAlarmProps): CloudwatchMetricAlarm {
  const stops = p.when === "stops";
  return new CloudwatchMetricAlarm(scope, id, {
    alarmName: p.alarmName,
    alarmDescription: p.description,
    namespace: p.namespace,
    metricName: p.metricName,
    dimensions: p.dimensions,
    statistic: "Sum",
    period: p.periodSeconds,
    evaluationPeriods: p.periods ?? 1,
    threshold: 1,
    comparisonOperator: stops ? "LessThanThreshold" : "GreaterThanOrEqualToThreshold",
    treatMissingData: stops ? "breaching" : "notBreaching",
    alarmActions: [p.topicArn],
    provider: p.provider,
  });
}
