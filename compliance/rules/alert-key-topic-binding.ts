import { arn } from "../../config/naming";
import { SNS_TOPIC_CONTEXT_KEY } from "../../modules/policies/alerts";
import type { Rule } from "../types";
import { asList, policyStatements, referenced, resources, type Resource } from "../terraform";

/** Service principals a statement names (none for AWS principals). */
const servicesOf = (principal: unknown): string[] =>
  typeof principal === "object" && principal !== null ? asList((principal as { Service?: string | string[] }).Service) : [];

/** CloudWatch Logs encrypts log groups with the alert key; its statement is bound to the log group instead. */
const isLogs = (service: string): boolean => /^logs\.[a-z0-9-]+\.amazonaws\.com$/.test(service);

export const alertKeyTopicBinding: Rule = {
  id: "SM-SNS-3",
  title: "Services may use a topic's key only for that topic (kms:EncryptionContext:aws:sns:topicArn)",
  severity: "error",
  rationale: "Without the binding, EventBridge or CloudWatch can encrypt with the alert key for any topic, in any account that names it.",
  controls: ["AWS KMS best practice: encryption context conditions"],
  fix: `Add StringEquals ${SNS_TOPIC_CONTEXT_KEY} = the topic ARN to every service statement of the key policy (alertKeyPolicy does).`,
  check: ({ tf, workload, config }) => {
    const account = workload?.accountId ?? config.logArchive.accountId;
    const topicsByKey = new Map<string, { key: Resource; arns: string[] }>();
    for (const t of resources(tf, "aws_sns_topic")) {
      const key = referenced(tf, t.body.kms_master_key_id);
      if (key === undefined || key.type !== "aws_kms_key") continue; // SM-SNS-1 reports it.
      const entry = topicsByKey.get(key.address) ?? { key, arns: [] };
      entry.arns.push(arn.topic(t.region, account, t.body.name));
      topicsByKey.set(key.address, entry);
    }
    return [...topicsByKey.values()].flatMap(({ key, arns }) =>
      (policyStatements(key.body.policy) ?? [])
        .filter((s) => s.Effect === "Allow")
        .filter((s) => servicesOf(s.Principal).some((service) => !isLogs(service)))
        .flatMap((s) => {
          const bound = [s.Condition?.StringEquals?.[SNS_TOPIC_CONTEXT_KEY], s.Condition?.ArnEquals?.[SNS_TOPIC_CONTEXT_KEY]]
            .flatMap((v) => asList(v as string | string[] | undefined));
          const services = servicesOf(s.Principal).join(", ");
          if (bound.length === 0) {
            return [{ path: key.path, message: `statement ${s.Sid ?? "(no Sid)"} lets ${services} use the key with no ${SNS_TOPIC_CONTEXT_KEY} condition (${arns.join(", ")})` }];
          }
          const other = bound.filter((v) => !arns.includes(v));
          return other.length === 0
            ? []
            : [{ path: key.path, message: `statement ${s.Sid ?? "(no Sid)"} binds ${services} to ${other.join(", ")}, not a topic this key encrypts (${arns.join(", ")})` }];
        }),
    );
  },
};
