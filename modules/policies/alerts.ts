import {
  accessRequestRuleName,
  arn,
  sessionEventsRuleName,
  snsServiceFor,
} from "../../config/naming";
import { policy, type PolicyDocument, type Statement } from "./iam";
import { accountAdministersKey, logsEncryptLogGroup, serviceTrustPolicy } from "./workload";

/** The services that publish session alerts: EventBridge rules and CloudWatch alarms. */
export const EVENTS_SERVICE = "events.amazonaws.com";
export const ALARMS_SERVICE = "cloudwatch.amazonaws.com";

/** One account and region's alert topic, and what publishes to it. */
export interface AlertSources {
  readonly namePrefix: string;
  readonly accountId: string;
  readonly region: string;
  /** The session-activity rule publishes. */
  readonly sessionEvents: boolean;
  /** Names of the tamper rules that publish; may be empty. */
  readonly tamperRuleNames: readonly string[];
  /** Names of the alarms that publish (forbidden commands, the watchdog's, the activity rule's); may be empty. */
  readonly alarmNames: readonly string[];
  /** The watchdog's log group, encrypted with the alert key. */
  readonly watchdogLogGroupName?: string;
  /** The just-in-time access request rule publishes. @default false */
  readonly accessRequests?: boolean;
}

/** The encryption context key SNS sets on every KMS call it makes for an encrypted topic: the topic's ARN. */
export const SNS_TOPIC_CONTEXT_KEY = "kms:EncryptionContext:aws:sns:topicArn";

/**
 * Key policy of the alert key. SNS encrypts each message with a data key it asks KMS for on behalf of the
 * publisher, so the services that publish need GenerateDataKey and Decrypt on the key itself; the watchdog gets
 * the same from its IAM policy, through the account statement.
 */
export function alertKeyPolicy(p: AlertSources & { readonly topicArn: string }): PolicyDocument {
  const statements: Statement[] = [accountAdministersKey(p.accountId)];
  const rules = p.sessionEvents || p.tamperRuleNames.length > 0 || p.accessRequests === true;
  const services = [...(rules ? [EVENTS_SERVICE] : []), ...(p.alarmNames.length > 0 ? [ALARMS_SERVICE] : [])];
  if (services.length > 0) {
    statements.push({
      Sid: "AlertSourcesEncryptMessages",
      Effect: "Allow",
      Principal: { Service: services.length === 1 ? services[0] : services },
      Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
      Resource: "*",
      // Bound to this topic by the encryption context SNS itself adds (the topic ARN): AWS documents this
      // condition for a service publishing to an SSE-KMS topic (GameLift FlexMatch guide, "Set up an SNS topic
      // with server-side encryption"). It holds for EventBridge and CloudWatch alike because SNS, not the
      // publisher, makes the KMS call. What is NOT here, on purpose: aws:SourceAccount/SourceArn/SourceOrgID,
      // which the SNS Developer Guide ("Enable compatibility between event sources from AWS services and
      // encrypted topics") says are not supported for EventBridge to an encrypted topic; a condition that does
      // not hold drops alerts without an error anywhere. The topic policy names the rules and the alarms.
      Condition: { StringEquals: { [SNS_TOPIC_CONTEXT_KEY]: p.topicArn } },
    });
  }
  if (p.watchdogLogGroupName !== undefined) {
    statements.push(logsEncryptLogGroup("CloudWatchLogsEncryptsWatchdogLogGroup", p.region, p.accountId, p.watchdogLogGroupName));
  }
  return policy(...statements);
}

/**
 * Topic policy of the alert topic: the session-activity rule, the tamper rules and this project's alarms may
 * publish, each named by its ARN; nobody outside the account may publish or subscribe, and nothing travels without TLS. The account's
 * own principals need an IAM grant (the watchdog has one); the topic policy gives them nothing.
 */
export function alertTopicPolicy(p: AlertSources & { readonly topicArn: string }): PolicyDocument {
  const statements: Statement[] = [];
  /** EventBridge may publish for these rules only, each by its ARN. */
  const rulesPublish = (sid: string, sourceArn: string | string[]): Statement => ({
    Sid: sid,
    Effect: "Allow",
    Principal: { Service: EVENTS_SERVICE },
    Action: "sns:Publish",
    Resource: p.topicArn,
    Condition: { ArnEquals: { "aws:SourceArn": sourceArn } },
  });
  if (p.sessionEvents) {
    statements.push(rulesPublish("SessionActivityRulePublishes", arn.eventRule(p.region, p.accountId, sessionEventsRuleName(p.namePrefix))));
  }
  if (p.accessRequests === true) {
    statements.push(rulesPublish("AccessRequestRulePublishes", arn.eventRule(p.region, p.accountId, accessRequestRuleName(p.namePrefix))));
  }
  if (p.tamperRuleNames.length > 0) {
    // Each rule by its ARN: a rule anyone in the account names to look like one of these does not match.
    statements.push(rulesPublish("TamperRulesPublish", p.tamperRuleNames.map((name) => arn.eventRule(p.region, p.accountId, name))));
  }
  if (p.alarmNames.length > 0) {
    statements.push({
      Sid: "SessionAlarmsPublish",
      Effect: "Allow",
      Principal: { Service: ALARMS_SERVICE },
      Action: "sns:Publish",
      Resource: p.topicArn,
      // Each alarm by its ARN, not a name prefix: anyone in the account who may create alarms could otherwise
      // name one to match and publish through it.
      Condition: {
        ArnEquals: { "aws:SourceArn": p.alarmNames.map((name) => arn.alarm(p.region, p.accountId, name)) },
        StringEquals: { "aws:SourceAccount": p.accountId },
      },
    });
  }
  statements.push(
    {
      // Explicit, so that no later Allow (here or in another account's IAM) can open the topic to outsiders.
      // AWS services publish as service principals, which belong to no account: the Allows above name them.
      Sid: "DenyOtherAccounts",
      Effect: "Deny",
      Principal: "*",
      Action: ["sns:Publish", "sns:Subscribe"],
      Resource: p.topicArn,
      Condition: {
        StringNotEquals: { "aws:PrincipalAccount": p.accountId },
        Bool: { "aws:PrincipalIsAWSService": "false" },
      },
    },
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "sns:Publish",
      Resource: p.topicArn,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  );
  return policy(...statements);
}

/** Trust policy of the watchdog role: Lambda only. */
export const watchdogTrustPolicy = (): PolicyDocument => serviceTrustPolicy("LambdaAssumesRole", "lambda.amazonaws.com");

export interface WatchdogPolicyProps {
  readonly accountId: string;
  readonly region: string;
  readonly topicArn: string;
  readonly alertKeyArn: string;
  readonly logGroupName: string;
  /** Only list sessions and alert; the role cannot end sessions. */
  readonly dryRun: boolean;
}

/** What the watchdog does, and nothing more: list sessions, end them, alert, write its own log. */
export function watchdogPolicy(p: WatchdogPolicyProps): PolicyDocument {
  const statements: Statement[] = [
    {
      // DescribeSessions supports no resource-level permissions.
      Sid: "ListSessions",
      Effect: "Allow",
      Action: "ssm:DescribeSessions",
      Resource: "*",
    },
  ];
  if (!p.dryRun) {
    statements.push({
      Sid: "EndOverdueSessions",
      Effect: "Allow",
      Action: "ssm:TerminateSession",
      Resource: arn.anySession(p.region, p.accountId),
    });
  }
  statements.push(
    {
      Sid: "PublishAlerts",
      Effect: "Allow",
      Action: "sns:Publish",
      Resource: p.topicArn,
    },
    {
      // SNS encrypts what the watchdog publishes with the alert key, as the watchdog.
      Sid: "EncryptAlertsThroughSns",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: p.alertKeyArn,
      Condition: { StringEquals: { "kms:ViaService": snsServiceFor(p.region) } },
    },
    {
      // The log group exists already (the stack creates it, encrypted), so no logs:CreateLogGroup.
      Sid: "WriteOwnLog",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `${arn.logGroup(p.region, p.accountId, p.logGroupName)}:*`,
    },
  );
  return policy(...statements);
}
