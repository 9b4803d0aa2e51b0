import type { Rule } from "../types";
import { referenced, resources, show } from "../terraform";

export const topicEncryption: Rule = {
  id: "SM-SNS-1",
  title: "SNS topics are encrypted with a customer-managed key of this stack, in the topic's region",
  severity: "error",
  rationale: "Alerts name people, instances and commands; the AWS-managed SNS key cannot let EventBridge or alarms publish.",
  controls: ["CKV_AWS_26", "Security Hub SNS.1", "Prowler sns_topics_kms_encryption_at_rest_enabled"],
  fix: "Set kms_master_key_id to the alert key of the same region (AlertTopic does).",
  check: ({ tf }) =>
    resources(tf, "aws_sns_topic").flatMap((t) => {
      const keyId = t.body.kms_master_key_id;
      if (typeof keyId !== "string" || keyId === "") return [{ path: t.path, message: `kms_master_key_id is ${show(keyId)}` }];
      const key = referenced(tf, keyId);
      if (key === undefined || key.type !== "aws_kms_key") {
        return [{ path: t.path, message: `kms_master_key_id is ${show(keyId)}, not a reference to a KMS key of this stack` }];
      }
      return key.region === t.region ? [] : [{ path: t.path, message: `the key ${key.path} is in ${key.region}, the topic in ${t.region}` }];
    }),
};
