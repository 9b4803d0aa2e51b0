import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { validateConfig } from "../config/load";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { EVENT_PATTERN_MAX_CHARS, resolvedPatternSize, TamperRules, type TamperTargets } from "../modules/tamper-rules";
import { synthesize } from "../stacks/synthesize";
import {
  asList,
  exampleConfig,
  exampleRaw,
  onlyResource,
  policyOf,
  resourcesOf,
  statement,
  synthAll,
  terraformLiteral,
  type Synth,
} from "./helpers";

const config = exampleConfig();
const stacks = synthAll(config);
const payments: Synth = stacks["workload-payments"]; // enforce; eu-west-1 (default provider) + eu-central-1
const analytics: Synth = stacks["workload-analytics"]; // dry-run through observabilityDefaults; us-east-1
const PAYMENTS = "222222222222";
const ANALYTICS = "333333333333";

/** The example with `change` applied, synthesized: every stack by name. */
function synthOf(change: (raw: Record<string, any>) => void): Record<string, Synth> {
  const raw = exampleRaw();
  change(raw);
  return synthAll(validateConfig(raw));
}

/** Synthesizes on first use, so a variant is built once however many tests read it. */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/** `${type.<logical id>.attr}` of the only resource of `type` below `under`. */
function ref(stack: Synth, type: string, under: string, attr = "arn"): string {
  const found = resourcesOf(stack, type, under);
  if (found.length !== 1) throw new Error(`expected one ${type} below ${under}, found ${found.length}`);
  return `\${${type}.${found[0][0]}.${attr}}`;
}

/** The resources of a type below `monitoring-<region>/<part>/`. */
const partOf = (stack: Synth, type: string, region: string, part: string) =>
  resourcesOf(stack, type, `monitoring-${region}/${part}/`).map(([, r]) => r);

const alertKeyRef = (stack: Synth, region: string) => ref(stack, "aws_kms_key", `monitoring-${region}/alerts/`);
const topicRef = (stack: Synth, region: string) => ref(stack, "aws_sns_topic", `monitoring-${region}/alerts/`);

/** Every resource type the monitoring constructs create. */
const MONITORING_TYPES = [
  "aws_sns_topic",
  "aws_sns_topic_policy",
  "aws_sns_topic_subscription",
  "aws_cloudwatch_event_rule",
  "aws_cloudwatch_event_target",
  "aws_cloudwatch_log_metric_filter",
  "aws_cloudwatch_metric_alarm",
  "aws_lambda_function",
  "aws_lambda_function_event_invoke_config",
  "aws_lambda_permission",
];

const LOGS_KEY_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey"];

describe("every part in the region it serves", () => {
  test.each([
    ["eu-west-1", "aws"],
    ["eu-central-1", "aws.eu-central-1"],
  ])("payments/%s: every resource but IAM uses the region's provider", (region, provider) => {
    const all = Object.entries<Record<string, any>>(payments.resource).flatMap(([type, rs]) =>
      Object.entries<Record<string, any>>(rs)
        .filter(([id]) => id.startsWith(`monitoring-${region}_`))
        .map(([id, r]) => [type, id, r.provider] as const),
    );
    expect(all.length).toBeGreaterThan(20);
    for (const [type, id, p] of all) {
      // IAM is global: its resources keep the stack's default provider, with names that carry the region.
      expect([type, id, p]).toEqual([type, id, type.startsWith("aws_iam_") ? undefined : provider]);
    }
  });

  test("one watchdog role per region, named by the region", () => {
    expect(resourcesOf(payments, "aws_iam_role", "monitoring-").map(([, r]) => r.name).sort()).toEqual([
      "acme-session-watchdog-eu-central-1",
      "acme-session-watchdog-eu-west-1",
    ]);
  });
});

describe("alert key", () => {
  test.each([
    ["payments", "eu-west-1"],
    ["payments", "eu-central-1"],
    ["analytics", "us-east-1"],
  ])("%s/%s: rotating, 30-day window, prevent_destroy, its alias", (workload, region) => {
    const stack = stacks[`workload-${workload}`];
    const key = onlyResource(stack, "aws_kms_key", `monitoring-${region}/alerts/`);
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30, lifecycle: { prevent_destroy: true } });
    expect(onlyResource(stack, "aws_kms_alias", `monitoring-${region}/alerts/`)).toMatchObject({
      name: "alias/acme-session-alerts",
      target_key_id: ref(stack, "aws_kms_key", `monitoring-${region}/alerts/`, "key_id"),
    });
  });

  test.each([
    [payments, PAYMENTS, "eu-west-1"],
    [payments, PAYMENTS, "eu-central-1"],
    [analytics, ANALYTICS, "us-east-1"],
  ])("key policy: the account, the services that publish, CloudWatch Logs for the watchdog log group (%#)", (stack, account, region) => {
    const key = onlyResource(stack, "aws_kms_key", `monitoring-${region}/alerts/`);
    expect(policyOf(key.policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AccountAdministersKey",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: "kms:*",
          Resource: "*",
        },
        {
          Sid: "AlertSourcesEncryptMessages",
          Effect: "Allow",
          Principal: { Service: ["events.amazonaws.com", "cloudwatch.amazonaws.com"] },
          Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
          Resource: "*",
          Condition: { StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": `arn:aws:sns:${region}:${account}:acme-session-alerts` } },
        },
        {
          Sid: "CloudWatchLogsEncryptsWatchdogLogGroup",
          Effect: "Allow",
          Principal: { Service: `logs.${region}.amazonaws.com` },
          Action: LOGS_KEY_ACTIONS,
          Resource: "*",
          Condition: {
            ArnEquals: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${region}:${account}:log-group:/aws/lambda/acme-session-watchdog` },
          },
        },
      ],
    });
  });

  test("the encryption context names the log group the watchdog actually gets", () => {
    const key = policyOf(onlyResource(payments, "aws_kms_key", "monitoring-eu-central-1/alerts/").policy);
    const group = onlyResource(payments, "aws_cloudwatch_log_group", "monitoring-eu-central-1/watchdog/");
    expect(statement(key, "CloudWatchLogsEncryptsWatchdogLogGroup").Condition!.ArnEquals["kms:EncryptionContext:aws:logs:arn"]).toBe(
      `arn:aws:logs:eu-central-1:${PAYMENTS}:log-group:${group.name}`,
    );
  });

  const eventsOff = once(
    () =>
      synthOf((c) => {
        c.observabilityDefaults.sessionEvents.enabled = false;
        c.observabilityDefaults.tamperEvents = { enabled: false };
      })["workload-payments"],
  );
  const tamperOnly = once(
    () =>
      synthOf((c) => {
        c.observabilityDefaults.sessionEvents.enabled = false;
        c.observabilityDefaults.forbiddenCommands.enabled = false;
        c.observabilityDefaults.watchdog.enabled = false;
      })["workload-payments"],
  );
  const alarmsOff = once(
    () =>
      synthOf((c) => {
        c.observabilityDefaults.forbiddenCommands.enabled = false;
        c.observabilityDefaults.watchdog.enabled = false;
      })["workload-payments"],
  );
  const alertsOnly = once(
    () =>
      synthOf((c) => {
        c.observabilityDefaults.sessionEvents.enabled = false;
        c.observabilityDefaults.tamperEvents = { enabled: false };
        c.observabilityDefaults.forbiddenCommands.enabled = false;
        c.observabilityDefaults.watchdog.enabled = false;
      })["workload-payments"],
  );
  const keyPolicy = (stack: Synth) => policyOf(onlyResource(stack, "aws_kms_key", "monitoring-eu-west-1/alerts/").policy);

  test("without session and tamper events: only CloudWatch encrypts messages", () => {
    const doc = keyPolicy(eventsOff());
    expect(doc.Statement.map((s) => s.Sid)).toEqual([
      "AccountAdministersKey",
      "AlertSourcesEncryptMessages",
      "CloudWatchLogsEncryptsWatchdogLogGroup",
    ]);
    expect(statement(doc, "AlertSourcesEncryptMessages").Principal).toEqual({ Service: "cloudwatch.amazonaws.com" });
  });

  test("without forbidden commands and watchdog: EventBridge, and CloudWatch for the rule's delivery alarm; no log group statement", () => {
    const doc = keyPolicy(alarmsOff());
    expect(doc.Statement.map((s) => s.Sid)).toEqual(["AccountAdministersKey", "AlertSourcesEncryptMessages"]);
    expect(statement(doc, "AlertSourcesEncryptMessages")).toEqual({
      Sid: "AlertSourcesEncryptMessages",
      Effect: "Allow",
      Principal: { Service: ["events.amazonaws.com", "cloudwatch.amazonaws.com"] },
      Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
      Resource: "*",
      Condition: { StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": `arn:aws:sns:eu-west-1:${PAYMENTS}:acme-session-alerts` } },
    });
  });

  test("tamper rules alone: EventBridge, and CloudWatch for their delivery alarms, bound to the topic", () => {
    const doc = keyPolicy(tamperOnly());
    expect(statement(doc, "AlertSourcesEncryptMessages")).toMatchObject({
      Principal: { Service: ["events.amazonaws.com", "cloudwatch.amazonaws.com"] },
      Condition: { StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": `arn:aws:sns:eu-west-1:${PAYMENTS}:acme-session-alerts` } },
    });
  });

  test("the binding names the topic this key actually encrypts", () => {
    for (const region of ["eu-west-1", "eu-central-1"]) {
      const topic = onlyResource(payments, "aws_sns_topic", `monitoring-${region}/alerts/`);
      const key = policyOf(onlyResource(payments, "aws_kms_key", `monitoring-${region}/alerts/`).policy);
      const context = statement(key, "AlertSourcesEncryptMessages").Condition!.StringEquals;
      expect(context).toEqual({ "kms:EncryptionContext:aws:sns:topicArn": `arn:aws:sns:${region}:${PAYMENTS}:${topic.name}` });
    }
  });

  test("with nothing publishing: the account statement alone", () => {
    expect(keyPolicy(alertsOnly()).Statement.map((s) => s.Sid)).toEqual(["AccountAdministersKey"]);
  });

  describe("topic", () => {
    test.each([
      ["payments", "eu-west-1"],
      ["payments", "eu-central-1"],
      ["analytics", "us-east-1"],
    ])("%s/%s: named, encrypted with the same region's alert key", (workload, region) => {
      const stack = stacks[`workload-${workload}`];
      expect(onlyResource(stack, "aws_sns_topic", `monitoring-${region}/alerts/`)).toMatchObject({
        name: "acme-session-alerts",
        kms_master_key_id: alertKeyRef(stack, region),
      });
    });

    test.each([
      [payments, PAYMENTS, "eu-west-1"],
      [payments, PAYMENTS, "eu-central-1"],
      [analytics, ANALYTICS, "us-east-1"],
    ])("policy: the rule and the alarms publish, other accounts and plain HTTP are denied (%#)", (stack, account, region) => {
      const topicPolicy = onlyResource(stack, "aws_sns_topic_policy", `monitoring-${region}/alerts/`);
      expect(topicPolicy.arn).toBe(topicRef(stack, region));
      const topic = `arn:aws:sns:${region}:${account}:acme-session-alerts`;
      expect(policyOf(topicPolicy.policy)).toEqual({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "SessionActivityRulePublishes",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sns:Publish",
            Resource: topic,
            Condition: { ArnEquals: { "aws:SourceArn": `arn:aws:events:${region}:${account}:rule/acme-session-activity` } },
          },
          {
            Sid: "TamperRulesPublish",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sns:Publish",
            Resource: topic,
            Condition: {
              ArnEquals: {
                "aws:SourceArn": ["tamper", "tamper-setup", ...(region === "us-east-1" ? ["tamper-iam"] : [])].map(
                  (name) => `arn:aws:events:${region}:${account}:rule/acme-session-${name}`,
                ),
              },
            },
          },
          {
            Sid: "SessionAlarmsPublish",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Resource: topic,
            Condition: {
              ArnEquals: {
                "aws:SourceArn": [
                  "activity-delivery-failed",
                  "tamper-alerts-delivery-failed",
                  "tamper-setup-delivery-failed",
                  ...(region === "us-east-1" ? ["tamper-iam-delivery-failed"] : []),
                  "forbidden-command-sudo-su",
                  "forbidden-command-sudo-shell",
                  "forbidden-command-pipe-to-shell",
                  "forbidden-command-sudoers",
                  "watchdog-errors",
                  "watchdog-not-running",
                ].map((name) => `arn:aws:cloudwatch:${region}:${account}:alarm:acme-session-${name}`),
              },
              StringEquals: { "aws:SourceAccount": account },
            },
          },
          {
            Sid: "DenyOtherAccounts",
            Effect: "Deny",
            Principal: "*",
            Action: ["sns:Publish", "sns:Subscribe"],
            Resource: topic,
            Condition: {
              StringNotEquals: { "aws:PrincipalAccount": account },
              Bool: { "aws:PrincipalIsAWSService": "false" },
            },
          },
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "sns:Publish",
            Resource: topic,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      });
    });

    test("the policy names the topic, the rule and every alarm this stack creates, by their synthesized names", () => {
      const region = "eu-central-1";
      const doc = policyOf(onlyResource(payments, "aws_sns_topic_policy", `monitoring-${region}/alerts/`).policy);
      const topic = onlyResource(payments, "aws_sns_topic", `monitoring-${region}/alerts/`);
      for (const s of doc.Statement) expect(s.Resource).toBe(`arn:aws:sns:${region}:${PAYMENTS}:${topic.name}`);
      const rule = onlyResource(payments, "aws_cloudwatch_event_rule", `monitoring-${region}/session-events/`);
      expect(statement(doc, "SessionActivityRulePublishes").Condition!.ArnEquals["aws:SourceArn"]).toBe(
        `arn:aws:events:${region}:${PAYMENTS}:rule/${rule.name}`,
      );
      const alarmArns = statement(doc, "SessionAlarmsPublish").Condition!.ArnEquals["aws:SourceArn"] as string[];
      const alarms = resourcesOf(payments, "aws_cloudwatch_metric_alarm", `monitoring-${region}/`).map(([, a]) => a.alarm_name);
      // The rules' delivery alarms (activity, two tamper rules), four forbidden commands, the watchdog's two.
      expect(alarms).toHaveLength(9);
      expect([...alarmArns].sort()).toEqual(alarms.map((name) => `arn:aws:cloudwatch:${region}:${PAYMENTS}:alarm:${name}`).sort());
    });

    const topicSids = (stack: Synth) =>
      policyOf(onlyResource(stack, "aws_sns_topic_policy", "monitoring-eu-west-1/alerts/").policy).Statement.map((s) => s.Sid);

    test("statements of parts that are off are absent", () => {
      expect(topicSids(eventsOff())).toEqual(["SessionAlarmsPublish", "DenyOtherAccounts", "DenyInsecureTransport"]);
      expect(topicSids(alarmsOff())).toEqual([
        "SessionActivityRulePublishes",
        "TamperRulesPublish",
        "SessionAlarmsPublish",
        "DenyOtherAccounts",
        "DenyInsecureTransport",
      ]);
      expect(topicSids(alertsOnly())).toEqual(["DenyOtherAccounts", "DenyInsecureTransport"]);
    });

    test("alerts alone: a topic with its key, policy and subscriptions, nothing that publishes, and the output", () => {
      const stack = alertsOnly();
      for (const type of ["aws_cloudwatch_event_rule", "aws_cloudwatch_log_metric_filter", "aws_cloudwatch_metric_alarm", "aws_lambda_function"]) {
        expect([type, resourcesOf(stack, type)]).toEqual([type, []]);
      }
      expect(resourcesOf(stack, "aws_sns_topic")).toHaveLength(2);
      expect(resourcesOf(stack, "aws_sns_topic_subscription")).toHaveLength(4);
      expect(Object.keys(stack.output["alert-topic-arns"].value).sort()).toEqual(["eu-central-1", "eu-west-1"]);
    });
  });
});

describe("subscriptions", () => {
  const subscriptions = (stack: Synth, region: string) =>
    resourcesOf(stack, "aws_sns_topic_subscription", `monitoring-${region}/alerts/`).map(([, r]) => r);

  test.each([
    ["payments", "eu-west-1"],
    ["payments", "eu-central-1"],
    ["analytics", "us-east-1"],
  ])("%s/%s: one per configured endpoint, to the region's topic", (workload, region) => {
    const stack = stacks[`workload-${workload}`];
    const configured = config.workloads.find((w) => w.name === workload)!.observability.alerts!.subscriptions;
    const subs = subscriptions(stack, region);
    expect(subs.map((s) => ({ protocol: s.protocol, endpoint: s.endpoint })).sort((a, b) => a.endpoint.localeCompare(b.endpoint))).toEqual(
      configured.map((s) => ({ protocol: s.protocol, endpoint: s.endpoint })).sort((a, b) => a.endpoint.localeCompare(b.endpoint)),
    );
    for (const s of subs) expect(s.topic_arn).toBe(topicRef(stack, region));
  });

  test("the example's endpoints: the workload's list replaces the defaults'", () => {
    expect(subscriptions(payments, "eu-west-1").map((s) => [s.protocol, s.endpoint]).sort()).toEqual([
      ["email", "payments-oncall@example.com"],
      ["https", "https://alerts.example.com/sns/session"],
    ]);
    expect(subscriptions(analytics, "us-east-1").map((s) => [s.protocol, s.endpoint])).toEqual([["email", "security-alerts@example.com"]]);
  });

  test("logical ids do not depend on the order of the list", () => {
    const reordered = synthOf((c) => c.workloads[0].observability.alerts.subscriptions.reverse())["workload-payments"];
    const ids = (stack: Synth) => Object.fromEntries(resourcesOf(stack, "aws_sns_topic_subscription").map(([id, r]) => [id, r.endpoint]));
    expect(Object.keys(ids(payments))).toHaveLength(4);
    expect(ids(reordered)).toEqual(ids(payments));
  });
});

describe("session activity rule", () => {
  const TEMPLATE = [
    `"Session Manager <event> at <time> in account <account> (<region>)"`,
    `"Who: <who>"`,
    `"From: <from>"`,
    `"Target: <target>"`,
    `"Document: <document>"`,
    `"Session: <startedSession><session>"`,
    `"Error: <error>"`,
  ].join("\n");

  test.each([
    ["payments", "eu-west-1"],
    ["payments", "eu-central-1"],
    ["analytics", "us-east-1"],
  ])("%s/%s: CloudTrail's StartSession, ResumeSession and TerminateSession", (workload, region) => {
    const rule = onlyResource(stacks[`workload-${workload}`], "aws_cloudwatch_event_rule", `monitoring-${region}/session-events/`);
    expect(rule.name).toBe("acme-session-activity");
    expect(JSON.parse(rule.event_pattern)).toEqual({
      source: ["aws.ssm"],
      "detail-type": ["AWS API Call via CloudTrail"],
      detail: { eventSource: ["ssm.amazonaws.com"], eventName: ["StartSession", "ResumeSession", "TerminateSession"] },
    });
  });

  test("targets the region's topic, with a readable message", () => {
    const region = "eu-central-1";
    const target = onlyResource(payments, "aws_cloudwatch_event_target", `monitoring-${region}/session-events/`);
    expect(target).toMatchObject({
      rule: ref(payments, "aws_cloudwatch_event_rule", `monitoring-${region}/session-events/`, "name"),
      arn: topicRef(payments, region),
      target_id: "session-alerts",
    });
    expect(target.input_transformer.input_paths).toEqual({
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
    });
  });

  test("the template is one quoted string per line, each valid JSON, that Terraform passes unchanged", () => {
    const template: string = onlyResource(payments, "aws_cloudwatch_event_target", "monitoring-eu-west-1/session-events/").input_transformer
      .input_template;
    expect(template).toBe(TEMPLATE);
    for (const line of template.split("\n")) expect(typeof JSON.parse(line)).toBe("string");
    expect(template).not.toContain("\\n");
    expect(terraformLiteral(template)).toBe(template);
    // Every placeholder is an input path.
    const paths = Object.keys(onlyResource(payments, "aws_cloudwatch_event_target", "monitoring-eu-west-1/session-events/").input_transformer.input_paths);
    expect([...template.matchAll(/<(\w+)>/g)].map((m) => m[1]).sort()).toEqual([...paths].sort());
    expect(template.split("\n")).toHaveLength(7);
  });
});

describe("forbidden commands", () => {
  const patterns = config.workloads[0].observability.forbiddenCommands;
  const filtersByName = (stack: Synth, region: string) =>
    Object.fromEntries(partOf(stack, "aws_cloudwatch_log_metric_filter", region, "forbidden-commands").map((f) => [f.name, f]));
  const alarmsByName = (stack: Synth, region: string) =>
    Object.fromEntries(partOf(stack, "aws_cloudwatch_metric_alarm", region, "forbidden-commands").map((a) => [a.alarm_name, a]));

  test("the example's four patterns, in both workloads", () => {
    expect(patterns.map((p) => p.name)).toEqual(["sudo-su", "sudo-shell", "pipe-to-shell", "sudoers"]);
    expect(config.workloads[1].observability.forbiddenCommands).toEqual(patterns);
  });

  test.each([
    [payments, "eu-west-1"],
    [payments, "eu-central-1"],
    [analytics, "us-east-1"],
  ])("a metric filter per pattern on the session log group, the pattern as configured (%#)", (stack, region) => {
    const filters = filtersByName(stack, region);
    expect(Object.keys(filters).sort()).toEqual(patterns.map((p) => `forbidden-command-${p.name}`).sort());
    for (const p of patterns) {
      expect(filters[`forbidden-command-${p.name}`]).toEqual({
        name: `forbidden-command-${p.name}`,
        log_group_name: ref(stack, "aws_cloudwatch_log_group", `session-${region}/`, "name"),
        pattern: p.pattern,
        metric_transformation: { name: p.name, namespace: "acme/SessionManager/ForbiddenCommands", value: "1", unit: "Count" },
        provider: expect.any(String),
      });
      expect(terraformLiteral(filters[`forbidden-command-${p.name}`].pattern)).toBe(p.pattern);
    }
  });

  test("backslashes and quotes reach CloudWatch as written", () => {
    const filters = filtersByName(payments, "eu-west-1");
    expect(filters["forbidden-command-pipe-to-shell"].pattern).toBe(String.raw`%curl.*\|\s*[a-z]*sh|wget.*\|\s*[a-z]*sh%`);
    expect(filters["forbidden-command-sudo-shell"].pattern).toBe('?"sudo -i" ?"sudo -s"');
  });

  test.each([
    [payments, "eu-west-1"],
    [payments, "eu-central-1"],
    [analytics, "us-east-1"],
  ])("an alarm per pattern on its metric, within a minute, to the topic (%#)", (stack, region) => {
    const alarms = alarmsByName(stack, region);
    expect(Object.keys(alarms).sort()).toEqual(patterns.map((p) => `acme-session-forbidden-command-${p.name}`).sort());
    for (const p of patterns) {
      expect(alarms[`acme-session-forbidden-command-${p.name}`]).toMatchObject({
        namespace: "acme/SessionManager/ForbiddenCommands",
        metric_name: p.name,
        statistic: "Sum",
        period: 60,
        evaluation_periods: 1,
        threshold: 1,
        comparison_operator: "GreaterThanOrEqualToThreshold",
        treat_missing_data: "notBreaching",
        alarm_actions: [topicRef(stack, region)],
      });
      expect(alarms[`acme-session-forbidden-command-${p.name}`].alarm_description).toContain(p.description);
    }
  });

  test("with forbiddenCommands disabled: no filters and no command alarms, the watchdog's alarm stays", () => {
    const stack = synthOf((c) => (c.observabilityDefaults.forbiddenCommands.enabled = false))["workload-payments"];
    expect(resourcesOf(stack, "aws_cloudwatch_log_metric_filter")).toEqual([]);
    expect(resourcesOf(stack, "aws_cloudwatch_metric_alarm").map(([, a]) => a.alarm_name).sort()).toEqual([
      "acme-session-activity-delivery-failed",
      "acme-session-activity-delivery-failed",
      "acme-session-tamper-alerts-delivery-failed",
      "acme-session-tamper-alerts-delivery-failed",
      "acme-session-tamper-setup-delivery-failed",
      "acme-session-tamper-setup-delivery-failed",
      "acme-session-watchdog-errors",
      "acme-session-watchdog-errors",
      "acme-session-watchdog-not-running",
      "acme-session-watchdog-not-running",
    ]);
  });
});

describe("tamper rules", () => {
  const tamper = (stack: Synth, region: string) =>
    Object.fromEntries(partOf(stack, "aws_cloudwatch_event_rule", region, "tamper").map((r) => [r.name, r]));
  const pattern = (stack: Synth, region: string, name: string) => JSON.parse(terraformLiteral(tamper(stack, region)[name].event_pattern));
  /** The clauses of a pattern, by event source and the first event name. */
  const clauses = (p: Record<string, any>): Record<string, any>[] => p.detail.$or ?? [p.detail];
  const clauseFor = (p: Record<string, any>, eventName: string): Record<string, any> => {
    const found = clauses(p).find((c) => c.eventName.some((e: unknown) => e === eventName || (e as { prefix?: string }).prefix === eventName));
    if (found === undefined) throw new Error(`no clause for ${eventName}`);
    return found;
  };
  const sessionKey = (stack: Synth, region: string, attr: string) => ref(stack, "aws_kms_key", `session-${region}/`, attr);

  test.each([
    [payments, "eu-west-1", ["acme-session-tamper", "acme-session-tamper-setup"]],
    [payments, "eu-central-1", ["acme-session-tamper", "acme-session-tamper-setup"]],
    [analytics, "us-east-1", ["acme-session-tamper", "acme-session-tamper-iam", "acme-session-tamper-setup"]],
  ])("rules per region: IAM's only in us-east-1, where CloudTrail delivers IAM events (%#)", (stack, region, names) => {
    expect(Object.keys(tamper(stack, region)).sort()).toEqual(names);
    for (const name of names) expect(pattern(stack, region, name)["detail-type"]).toEqual(["AWS API Call via CloudTrail"]);
  });

  test("alert path: this project's log groups, rules, watchdog, topic and subscriptions, by name", () => {
    const p = pattern(payments, "eu-west-1", "acme-session-tamper");
    const topic = `arn:aws:sns:eu-west-1:${PAYMENTS}:acme-session-alerts`;
    const rules = ["acme-session-activity", "acme-session-tamper", "acme-session-tamper-setup", "acme-session-watchdog-schedule"];
    expect(clauses(p)).toEqual([
      {
        eventSource: ["logs.amazonaws.com"],
        eventName: ["DeleteLogGroup", "DeleteMetricFilter", "PutMetricFilter", "PutRetentionPolicy", "DeleteRetentionPolicy", "DisassociateKmsKey"],
        requestParameters: { logGroupName: ["/acme/session-manager/sessions", "/aws/lambda/acme-session-watchdog"] },
      },
      { eventSource: ["events.amazonaws.com"], eventName: ["PutRule", "DeleteRule", "DisableRule"], requestParameters: { name: rules } },
      { eventSource: ["events.amazonaws.com"], eventName: ["PutTargets", "RemoveTargets"], requestParameters: { rule: rules } },
      {
        eventSource: ["lambda.amazonaws.com"],
        eventName: ["UpdateFunctionConfiguration", "UpdateFunctionCode", "DeleteFunction", "RemovePermission"].map((prefix) => ({ prefix })),
        requestParameters: { functionName: ["acme-session-watchdog", { suffix: ":function:acme-session-watchdog" }] },
      },
      { eventSource: ["sns.amazonaws.com"], eventName: ["SetTopicAttributes", "DeleteTopic", "RemovePermission"], requestParameters: { topicArn: [topic] } },
      { eventSource: ["sns.amazonaws.com"], eventName: ["Unsubscribe"], requestParameters: { subscriptionArn: [{ prefix: `${topic}:` }] } },
    ]);
  });

  test("the log groups are the ones this stack creates", () => {
    const names = partOf(payments, "aws_cloudwatch_log_group", "eu-west-1", "watchdog").map((g) => g.name);
    names.push(onlyResource(payments, "aws_cloudwatch_log_group", "session-eu-west-1/").name);
    expect(clauseFor(pattern(payments, "eu-west-1", "acme-session-tamper"), "DeleteMetricFilter").requestParameters.logGroupName.sort()).toEqual(names.sort());
  });

  test("setup: the project's alarms, documents and keys; associations and service settings of the account", () => {
    const p = pattern(payments, "eu-central-1", "acme-session-tamper-setup");
    expect(clauses(p)).toEqual([
      { eventSource: ["monitoring.amazonaws.com"], eventName: ["DeleteAlarms", "DisableAlarmActions"], requestParameters: { alarmNames: [{ prefix: "acme-session-" }] } },
      { eventSource: ["monitoring.amazonaws.com"], eventName: ["PutMetricAlarm"], requestParameters: { alarmName: [{ prefix: "acme-session-" }] } },
      {
        eventSource: ["ssm.amazonaws.com"],
        eventName: ["UpdateDocument", "DeleteDocument", "UpdateDocumentDefaultVersion", "ModifyDocumentPermission"],
        requestParameters: { name: ["SSM-SessionManagerRunShell", "acme-RemoveSsmUserSudo"] },
      },
      { eventSource: ["ssm.amazonaws.com"], eventName: ["DeleteAssociation", "UpdateAssociation", "UpdateServiceSetting", "ResetServiceSetting"] },
      {
        eventSource: ["kms.amazonaws.com"],
        eventName: ["ScheduleKeyDeletion", "DisableKey", "PutKeyPolicy"],
        // Both keys of the region, by id and by ARN: the caller chooses how to name a key.
        requestParameters: {
          keyId: [
            sessionKey(payments, "eu-central-1", "key_id"),
            sessionKey(payments, "eu-central-1", "arn"),
            alertKeyRef(payments, "eu-central-1").replace(".arn}", ".key_id}"),
            alertKeyRef(payments, "eu-central-1"),
          ],
        },
      },
    ]);
  });

  test("every alarm this stack creates matches the alarm prefix", () => {
    const prefix = clauseFor(pattern(payments, "eu-west-1", "acme-session-tamper-setup"), "DeleteAlarms").requestParameters.alarmNames[0].prefix;
    for (const [, a] of resourcesOf(payments, "aws_cloudwatch_metric_alarm")) expect(a.alarm_name.startsWith(prefix)).toBe(true);
  });

  test("IAM (us-east-1): the access groups by name, the policies by their path", () => {
    expect(clauses(pattern(analytics, "us-east-1", "acme-session-tamper-iam"))).toEqual([
      {
        eventSource: ["iam.amazonaws.com"],
        eventName: ["DetachGroupPolicy", "DeleteGroupPolicy", "PutGroupPolicy"],
        requestParameters: { groupName: resourcesOf(analytics, "aws_iam_group").map(([, g]) => g.name) },
      },
      {
        eventSource: ["iam.amazonaws.com"],
        eventName: ["CreatePolicyVersion", "SetDefaultPolicyVersion", "DeletePolicy", "DetachGroupPolicy"],
        requestParameters: { policyArn: [{ prefix: `arn:aws:iam::${ANALYTICS}:policy/session-manager/` }] },
      },
    ]);
    for (const [, p] of resourcesOf(analytics, "aws_iam_policy")) expect(p.path).toBe("/session-manager/");
  });

  test("every pattern fits EventBridge's 2048 characters once references resolve, with the longest prefix", () => {
    const long = synthOf((c) => {
      c.organization.namePrefix = "a-twenty-char-prefix";
      // The derived permission set name would pass Identity Center's 32 characters: name it.
      c.workloads[1].accessGroups[1].identityCenterGroup.permissionSetName = "analytics-analysts";
      for (const g of c.workloads[2].accessGroups) g.identityCenterGroup.permissionSetName = g.name;
    });
    for (const stack of Object.values(long)) {
      for (const [, r] of resourcesOf(stack, "aws_cloudwatch_event_rule")) {
        if (r.event_pattern === undefined) continue;
        const compact = JSON.stringify(JSON.parse(terraformLiteral(r.event_pattern)));
        expect([r.name, resolvedPatternSize(compact) <= EVENT_PATTERN_MAX_CHARS]).toEqual([r.name, true]);
      }
    }
  });

  test("too many names for one pattern fail the construct, naming the rule", () => {
    const targets: TamperTargets = { accountId: PAYMENTS, logGroupNames: [], ruleNames: [], topicArn: "t", documentNames: [], keys: [], alarmNamePrefix: "p-", groupNames: [] };
    const many = Array.from({ length: 60 }, (_, i) => `acme-a-rather-long-access-group-name-${i}`);
    const stack = new TerraformStack(Testing.app(), "s");
    const provider = new AwsProvider(stack, "aws", { region: "us-east-1" });
    const make = (groupNames: string[]) => () =>
      new TamperRules(stack, `tamper-${groupNames.length}`, { namePrefix: "acme", region: "us-east-1", provider, targets: { ...targets, groupNames }, topicArnRef: "t" });
    expect(make(many.slice(0, 2))).not.toThrow();
    expect(make(many)).toThrow(/^the event pattern of acme-session-tamper-iam would be up to \d+ characters, over EventBridge's 2048/);
  });

  test("each rule targets the region's topic with a readable message, and has a delivery alarm", () => {
    const region = "us-east-1";
    const targets = partOf(analytics, "aws_cloudwatch_event_target", region, "tamper");
    expect(targets).toHaveLength(3);
    for (const t of targets) {
      expect(t).toMatchObject({ arn: topicRef(analytics, region), target_id: "session-alerts" });
      expect(t.input_transformer.input_paths).toMatchObject({
        event: "$.detail.eventName",
        who: "$.detail.userIdentity.arn",
        from: "$.detail.sourceIPAddress",
        logGroup: "$.detail.requestParameters.logGroupName",
        key: "$.detail.requestParameters.keyId",
        error: "$.detail.errorCode",
        eventId: "$.detail.eventID",
      });
      expect(terraformLiteral(t.input_transformer.input_template).split("\n")).toEqual([
        `"Session setup changed: <event> (<service>) at <time> in account <account> (<region>)"`,
        `"Who: <who>"`,
        `"From: <from>"`,
        `"Resource: <logGroup> <name> <rule> <function> <topic> <subscription> <key> <alarm> <group> <setting> <association>"`,
        `"Detail: <filter> <policy> <policyName>"`,
        `"Error: <error>"`,
        `"CloudTrail event: <eventId>"`,
      ]);
      for (const field of Object.keys(t.input_transformer.input_paths)) expect(t.input_transformer.input_template).toContain(`<${field}>`);
    }
    const alarms = partOf(analytics, "aws_cloudwatch_metric_alarm", region, "tamper");
    expect(alarms.map((a) => [a.alarm_name, a.dimensions.RuleName, a.metric_name]).sort()).toEqual([
      ["acme-session-tamper-alerts-delivery-failed", "acme-session-tamper", "FailedInvocations"],
      ["acme-session-tamper-iam-delivery-failed", "acme-session-tamper-iam", "FailedInvocations"],
      ["acme-session-tamper-setup-delivery-failed", "acme-session-tamper-setup", "FailedInvocations"],
    ]);
  });

  test("tamperEvents off: no tamper rules, no TamperRulesPublish, no tamper alarms", () => {
    const off = synthOf((c) => (c.observabilityDefaults.tamperEvents = { enabled: false }))["workload-payments"];
    expect(resourcesOf(off, "aws_cloudwatch_event_rule", "monitoring-eu-west-1/tamper/")).toEqual([]);
    const sids = policyOf(onlyResource(off, "aws_sns_topic_policy", "monitoring-eu-west-1/alerts/").policy).Statement.map((s) => s.Sid);
    expect(sids).not.toContain("TamperRulesPublish");
    expect(resourcesOf(off, "aws_cloudwatch_metric_alarm").filter(([, a]) => a.alarm_name.includes("tamper"))).toEqual([]);
  });
});

describe("session watchdog", () => {
  const fn = (stack: Synth, region: string) => onlyResource(stack, "aws_lambda_function", `monitoring-${region}/watchdog/`);
  const under = (region: string) => `monitoring-${region}/watchdog/`;

  test.each([
    [payments, "eu-west-1"],
    [payments, "eu-central-1"],
    [analytics, "us-east-1"],
  ])("Node.js 24 on arm64, the bundled handler, its role (%#)", (stack, region) => {
    expect(fn(stack, region)).toMatchObject({
      function_name: "acme-session-watchdog",
      runtime: "nodejs24.x",
      architectures: ["arm64"],
      handler: "index.handler",
      role: ref(stack, "aws_iam_role", under(region)),
      depends_on: [`aws_iam_role_policy.${resourcesOf(stack, "aws_iam_role_policy", under(region))[0][0]}`],
    });
    expect(fn(stack, region).filename).toMatch(/^assets\/.+\/watchdog\.zip$/);
  });

  test("environment: the topic by reference, the maximum, and the mode", () => {
    expect(fn(payments, "eu-central-1").environment.variables).toEqual({
      TOPIC_ARN: topicRef(payments, "eu-central-1"),
      MAX_SESSION_MINUTES: "60",
      DRY_RUN: "false",
      SCHEDULE_MINUTES: "5",
    });
    expect(fn(analytics, "us-east-1").environment.variables).toEqual({
      TOPIC_ARN: topicRef(analytics, "us-east-1"),
      MAX_SESSION_MINUTES: "60",
      DRY_RUN: "true",
      SCHEDULE_MINUTES: "5",
    });
    expect(fn(analytics, "us-east-1").description).toBe("Ends Session Manager sessions older than 60 minutes (dry run: alerts only)");
    expect(fn(payments, "eu-west-1").description).toBe("Ends Session Manager sessions older than 60 minutes");
  });

  test("JSON logs into its own log group", () => {
    expect(fn(payments, "eu-west-1").logging_config).toEqual({
      log_format: "JSON",
      application_log_level: "INFO",
      system_log_level: "INFO",
      log_group: ref(payments, "aws_cloudwatch_log_group", under("eu-west-1"), "name"),
    });
  });

  test.each([
    [payments, "eu-west-1", 365],
    [payments, "eu-central-1", 365],
    [analytics, "us-east-1", 400],
  ])("log group: Lambda's name, the alert key, the workload's CloudWatch retention (%#)", (stack, region, days) => {
    expect(onlyResource(stack, "aws_cloudwatch_log_group", under(region))).toMatchObject({
      name: "/aws/lambda/acme-session-watchdog",
      kms_key_id: alertKeyRef(stack, region),
      retention_in_days: days,
    });
  });

  test("role: trusted by Lambda only", () => {
    const role = onlyResource(payments, "aws_iam_role", under("eu-west-1"));
    expect(role).toMatchObject({ name: "acme-session-watchdog-eu-west-1", path: "/session-manager/" });
    expect(policyOf(role.assume_role_policy)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "LambdaAssumesRole", Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
  });

  test("enforce (payments): lists and ends the region's sessions, alerts, uses the key through SNS, writes its log", () => {
    const region = "eu-central-1";
    const rolePolicy = onlyResource(payments, "aws_iam_role_policy", under(region));
    expect(rolePolicy.role).toBe(ref(payments, "aws_iam_role", under(region), "id"));
    expect(policyOf(rolePolicy.policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "ListSessions", Effect: "Allow", Action: "ssm:DescribeSessions", Resource: "*" },
        { Sid: "EndOverdueSessions", Effect: "Allow", Action: "ssm:TerminateSession", Resource: `arn:aws:ssm:${region}:${PAYMENTS}:session/*` },
        { Sid: "PublishAlerts", Effect: "Allow", Action: "sns:Publish", Resource: `arn:aws:sns:${region}:${PAYMENTS}:acme-session-alerts` },
        {
          Sid: "EncryptAlertsThroughSns",
          Effect: "Allow",
          Action: ["kms:GenerateDataKey", "kms:Decrypt"],
          Resource: alertKeyRef(payments, region),
          Condition: { StringEquals: { "kms:ViaService": `sns.${region}.amazonaws.com` } },
        },
        {
          Sid: "WriteOwnLog",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: `arn:aws:logs:${region}:${PAYMENTS}:log-group:/aws/lambda/acme-session-watchdog:*`,
        },
      ],
    });
  });

  test("dry run (analytics): the same without EndOverdueSessions, so it cannot end a session", () => {
    const doc = policyOf(onlyResource(analytics, "aws_iam_role_policy", under("us-east-1")).policy);
    expect(doc.Statement.map((s) => s.Sid)).toEqual(["ListSessions", "PublishAlerts", "EncryptAlertsThroughSns", "WriteOwnLog"]);
    expect(doc.Statement.flatMap((s) => asList(s.Action))).not.toContain("ssm:TerminateSession");
    expect(statement(doc, "PublishAlerts").Resource).toBe(`arn:aws:sns:us-east-1:${ANALYTICS}:acme-session-alerts`);
  });

  test("schedule: every 5 minutes, no retries of the event or of the invocation", () => {
    const region = "eu-west-1";
    expect(onlyResource(payments, "aws_cloudwatch_event_rule", under(region))).toMatchObject({
      name: "acme-session-watchdog-schedule",
      schedule_expression: "rate(5 minutes)",
    });
    expect(onlyResource(payments, "aws_cloudwatch_event_target", under(region))).toMatchObject({
      rule: ref(payments, "aws_cloudwatch_event_rule", under(region), "name"),
      arn: ref(payments, "aws_lambda_function", under(region)),
      retry_policy: { maximum_retry_attempts: 0, maximum_event_age_in_seconds: 60 },
    });
    expect(onlyResource(payments, "aws_lambda_function_event_invoke_config", under(region))).toMatchObject({
      function_name: ref(payments, "aws_lambda_function", under(region), "function_name"),
      maximum_retry_attempts: 0,
    });
  });

  test("only the schedule rule of its own account may invoke it", () => {
    const region = "eu-central-1";
    expect(resourcesOf(payments, "aws_lambda_permission", under(region))).toHaveLength(1);
    expect(onlyResource(payments, "aws_lambda_permission", under(region))).toEqual({
      statement_id: "ScheduleInvokes",
      action: "lambda:InvokeFunction",
      function_name: ref(payments, "aws_lambda_function", under(region), "function_name"),
      principal: "events.amazonaws.com",
      source_arn: ref(payments, "aws_cloudwatch_event_rule", under(region)),
      source_account: PAYMENTS,
      provider: "aws.eu-central-1",
    });
  });

  test("errors alarm: Lambda's Errors of this function, over one schedule period, to the topic", () => {
    const region = "us-east-1";
    expect(onlyResource(analytics, "aws_cloudwatch_metric_alarm", `${under(region)}errors-alarm`)).toMatchObject({
      alarm_name: "acme-session-watchdog-errors",
      namespace: "AWS/Lambda",
      metric_name: "Errors",
      dimensions: { FunctionName: "acme-session-watchdog" },
      statistic: "Sum",
      period: 300,
      evaluation_periods: 1,
      threshold: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      treat_missing_data: "notBreaching",
      alarm_actions: [topicRef(analytics, region)],
    });
  });

  test("not-running alarm: no invocation in three schedule periods, missing data counts as not running", () => {
    const region = "us-east-1";
    expect(onlyResource(analytics, "aws_cloudwatch_metric_alarm", `${under(region)}not-running-alarm`)).toMatchObject({
      alarm_name: "acme-session-watchdog-not-running",
      namespace: "AWS/Lambda",
      metric_name: "Invocations",
      dimensions: { FunctionName: "acme-session-watchdog" },
      statistic: "Sum",
      period: 300,
      evaluation_periods: 3,
      threshold: 1,
      comparison_operator: "LessThanThreshold",
      treat_missing_data: "breaching",
      alarm_actions: [topicRef(analytics, region)],
    });
  });

  test("its log group is evidence: prevent_destroy", () => {
    expect(onlyResource(payments, "aws_cloudwatch_log_group", `${under("eu-west-1")}log-group`).lifecycle).toEqual({ prevent_destroy: true });
  });

  describe("tuned: a maximum of its own, a one-minute schedule; the account's maximum by default", () => {
    const tuned = once(() =>
      synthOf((c) => {
        c.workloads[0].observability.watchdog = { mode: "enforce", maxSessionMinutes: 240, scheduleMinutes: 1 };
        c.workloads[1].session.maxSessionDurationMinutes = 90;
        c.workloads[1].observability = { watchdog: { scheduleMinutes: 15 } };
      }),
    );

    test("payments: maxSessionMinutes 240, rate(1 minute), a 60-second errors period", () => {
      const stack = tuned()["workload-payments"];
      expect(fn(stack, "eu-west-1").environment.variables.MAX_SESSION_MINUTES).toBe("240");
      expect(onlyResource(stack, "aws_cloudwatch_event_rule", under("eu-west-1")).schedule_expression).toBe("rate(1 minute)");
      expect(onlyResource(stack, "aws_cloudwatch_metric_alarm", `${under("eu-west-1")}errors-alarm`).period).toBe(60);
    });

    test("analytics: the account's maxSessionDurationMinutes (90), rate(15 minutes), a 900-second errors period", () => {
      const stack = tuned()["workload-analytics"];
      expect(fn(stack, "us-east-1").environment.variables).toMatchObject({ MAX_SESSION_MINUTES: "90", DRY_RUN: "true" });
      expect(onlyResource(stack, "aws_cloudwatch_event_rule", under("us-east-1")).schedule_expression).toBe("rate(15 minutes)");
      expect(onlyResource(stack, "aws_cloudwatch_metric_alarm", `${under("us-east-1")}errors-alarm`).period).toBe(900);
    });
  });

  describe("the package synthesize() writes", () => {
    const outdir = mkdtempSync(join(tmpdir(), "smc-monitoring-"));
    let written: Record<string, Synth>;
    beforeAll(async () => {
      await synthesize(config, outdir, { hcl: false });
      written = Object.fromEntries(
        ["workload-payments", "workload-analytics"].map((s) => [s, JSON.parse(readFileSync(join(outdir, "stacks", s, "cdk.tf.json"), "utf8"))]),
      );
    });
    afterAll(() => rmSync(outdir, { recursive: true, force: true }));

    test.each([
      ["workload-payments", "eu-west-1"],
      ["workload-payments", "eu-central-1"],
      ["workload-analytics", "us-east-1"],
    ])("%s/%s: source_code_hash is the base64 SHA-256 of the zip beside cdk.tf.json", (stack, region) => {
      const f = fn(written[stack], region);
      expect(f.filename).toMatch(/^assets\/.+\/watchdog\.zip$/);
      const zip = readFileSync(join(outdir, "stacks", stack, f.filename));
      expect(f.source_code_hash).toBe(createHash("sha256").update(zip).digest("base64"));
      expect(Object.keys(unzipSync(zip))).toEqual(["index.js"]);
    });

    test("Testing's synth and synthesize() agree on the function, metadata aside", () => {
      const { "//": _metadata, ...body } = fn(written["workload-payments"], "eu-west-1");
      expect(body).toEqual(fn(payments, "eu-west-1"));
    });
  });
});

describe("everything off", () => {
  const noObservability = once(() =>
    synthOf((c) => {
      delete c.observabilityDefaults;
      delete c.workloads[0].observability;
    }),
  );

  test.each(["workload-payments", "workload-analytics"])("%s without observability: none of the monitoring resources, no topic output", (name) => {
    const stack = noObservability()[name];
    for (const type of MONITORING_TYPES) expect([type, resourcesOf(stack, type)]).toEqual([type, []]);
    const monitoring = Object.entries<Record<string, any>>(stack.resource).flatMap(([type, rs]) =>
      Object.keys(rs).filter((id) => id.startsWith("monitoring-")).map((id) => `${type}.${id}`),
    );
    expect(monitoring).toEqual([]);
    expect(Object.keys(stack.output).sort()).toEqual(["access-policy-arns", "instance-profile-name"]);
  });

  test("one workload turning every part off leaves the other's alone", () => {
    const out = synthOf((c) => {
      c.workloads[1].observability = {
        alerts: { enabled: false },
        sessionEvents: { enabled: false },
        forbiddenCommands: { enabled: false },
        watchdog: { enabled: false },
      };
    });
    for (const type of MONITORING_TYPES) expect([type, resourcesOf(out["workload-analytics"], type)]).toEqual([type, []]);
    expect(out["workload-analytics"].output["alert-topic-arns"]).toBeUndefined();
    expect(out["workload-payments"].resource.aws_lambda_function).toEqual(payments.resource.aws_lambda_function);
  });
});
