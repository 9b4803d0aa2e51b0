import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { AssetType, TerraformAsset, type TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import {
  IAM_PATH,
  lambdaLogGroupName,
  watchdogErrorsAlarmName,
  watchdogFunctionName,
  watchdogNotRunningAlarmName,
  watchdogRoleName,
  watchdogScheduleName,
} from "../config/naming";
import type { WatchdogSettings } from "../config/types";
import { alertAlarm } from "./alert-alarm";
import { EVENTS_SERVICE, watchdogPolicy, watchdogTrustPolicy } from "./policies/alerts";
import { toTerraformJson } from "./terraform-json";
import { WATCHDOG_HANDLER, watchdogCode } from "./watchdog-code";

/**
 * Node.js 24: Lambda deprecated nodejs20.x on 2026-04-30 and no longer creates functions on it; nodejs24.x is
 * supported until 2028 and the pinned AWS provider (6.25) accepts it.
 */
export const WATCHDOG_RUNTIME = "nodejs24.x";
/** Schedule periods without a run before the not-running alarm fires: one late run is no alarm. */
const NOT_RUNNING_PERIODS = 3;
/** A run lists and ends sessions one by one; a minute is ample and ends well before the next run. */
export const WATCHDOG_TIMEOUT_SECONDS = 60;

export interface SessionWatchdogProps {
  readonly namePrefix: string;
  readonly accountId: string;
  readonly region: string;
  readonly provider: TerraformProvider;
  readonly settings: WatchdogSettings;
  /** The alert topic, by ARN (literal, for the policy) and as a reference (so the function is created after it). */
  readonly topicArn: string;
  readonly topicArnRef: string;
  /** The alert key, which encrypts the topic and the watchdog's log group. */
  readonly alertKeyArn: string;
  /** Days the watchdog's log group keeps its log. */
  readonly logRetentionDays: number;
}

/**
 * The session watchdog of one account and region: a Lambda function that runs on a schedule and ends every session
 * older than the maximum, whatever its document (port forwarding and SSH sessions are not bound by the preferences
 * document's maxSessionDuration), and alerts on each. In dry-run mode it only alerts, and its role cannot end
 * sessions at all.
 */
export class SessionWatchdog extends Construct {
  constructor(scope: Construct, id: string, props: SessionWatchdogProps) {
    super(scope, id);
    const { provider, settings } = props;
    const functionName = watchdogFunctionName(props.namePrefix);
    const logGroupName = lambdaLogGroupName(functionName);
    const dryRun = settings.mode === "dry-run";

    // IAM is global; the role is declared with the stack's default provider like every IAM resource here.
    const role = new IamRole(this, "role", {
      name: watchdogRoleName(props.namePrefix, props.region),
      path: IAM_PATH,
      description: `Session watchdog in ${props.region}: lists and ends overdue sessions, alerts`,
      assumeRolePolicy: toTerraformJson(watchdogTrustPolicy()),
    });
    const rolePolicy = new IamRolePolicy(this, "role-policy", {
      name: "session-watchdog",
      role: role.id,
      policy: toTerraformJson(
        watchdogPolicy({
          accountId: props.accountId,
          region: props.region,
          topicArn: props.topicArn,
          alertKeyArn: props.alertKeyArn,
          logGroupName,
          dryRun,
        }),
      ),
    });
    // Created here, encrypted and with retention, before Lambda would create its own (plain, kept forever). It
    // records every session the watchdog ended: evidence, kept like the transcripts.
    const logGroup = new CloudwatchLogGroup(this, "log-group", {
      name: logGroupName,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.alertKeyArn,
      provider,
      lifecycle: { preventDestroy: true },
    });

    const code = watchdogCode();
    const asset = new TerraformAsset(this, "code", { path: code.zipPath, type: AssetType.FILE, assetHash: code.assetHash });
    const fn = new LambdaFunction(this, "function", {
      functionName,
      description: `Ends Session Manager sessions older than ${settings.maxSessionMinutes} minutes${dryRun ? " (dry run: alerts only)" : ""}`,
      role: role.arn,
      runtime: WATCHDOG_RUNTIME,
      architectures: ["arm64"],
      handler: WATCHDOG_HANDLER,
      filename: asset.path,
      sourceCodeHash: code.sha256,
      memorySize: 128,
      timeout: WATCHDOG_TIMEOUT_SECONDS,
      environment: {
        variables: {
          TOPIC_ARN: props.topicArnRef,
          MAX_SESSION_MINUTES: String(settings.maxSessionMinutes),
          DRY_RUN: String(dryRun),
          SCHEDULE_MINUTES: String(settings.scheduleMinutes),
        },
      },
      // JSON: each entry the handler logs becomes one JSON record, queryable in CloudWatch Logs Insights.
      loggingConfig: { logFormat: "JSON", applicationLogLevel: "INFO", systemLogLevel: "INFO", logGroup: logGroup.name },
      dependsOn: [rolePolicy],
      provider,
    });
    // A failed run is not retried: the next run, minutes later, looks at the sessions afresh.
    new LambdaFunctionEventInvokeConfig(this, "invoke-config", {
      functionName: fn.functionName,
      maximumRetryAttempts: 0,
      provider,
    });

    const schedule = new CloudwatchEventRule(this, "schedule", {
      name: watchdogScheduleName(props.namePrefix),
      description: "Runs the session watchdog",
      scheduleExpression: settings.scheduleMinutes === 1 ? "rate(1 minute)" : `rate(${settings.scheduleMinutes} minutes)`,
      provider,
    });
    new CloudwatchEventTarget(this, "schedule-target", {
      rule: schedule.name,
      targetId: "session-watchdog",
      arn: fn.arn,
      retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 },
      provider,
    });
    new LambdaPermission(this, "schedule-invokes", {
      statementId: "ScheduleInvokes",
      action: "lambda:InvokeFunction",
      functionName: fn.functionName,
      principal: EVENTS_SERVICE,
      sourceArn: schedule.arn,
      sourceAccount: props.accountId,
      provider,
    });

    const lambdaMetric = { namespace: "AWS/Lambda", dimensions: { FunctionName: functionName }, periodSeconds: settings.scheduleMinutes * 60 };
    // A run that fails (a termination refused, or the function broken) is an alert too.
    alertAlarm(this, "errors-alarm", {
      ...lambdaMetric,
      alarmName: watchdogErrorsAlarmName(props.namePrefix),
      description: `The session watchdog failed a run: read ${logGroupName}. Overdue sessions may still be open.`,
      metricName: "Errors",
      topicArn: props.topicArnRef,
      provider,
    });
    // A watchdog that never runs (schedule disabled, function deleted) is as bad as none, and silent.
    alertAlarm(this, "not-running-alarm", {
      ...lambdaMetric,
      alarmName: watchdogNotRunningAlarmName(props.namePrefix),
      description: `The session watchdog has not run for ${NOT_RUNNING_PERIODS * settings.scheduleMinutes} minutes: overdue sessions are not being ended.`,
      metricName: "Invocations",
      when: "stops",
      periods: NOT_RUNNING_PERIODS,
      topicArn: props.topicArnRef,
      provider,
    });
  }
}
