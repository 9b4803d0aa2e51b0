import { lambdaLogGroupName } from "../../config/naming";
import type { Rule } from "../types";
import { referenced, resources, type Resource } from "../terraform";

export const lambdaLogGroup: Rule = {
  id: "SM-LMB-1",
  title: "Every Lambda function writes to a log group this stack creates (so SM-CW-1 and SM-CW-2 hold for it)",
  severity: "error",
  rationale: "Otherwise Lambda creates the group on the first run: unencrypted, kept forever, and outside every rule.",
  controls: ["CKV_AWS_158", "CKV_AWS_338", "Security Hub CloudWatch.16"],
  fix: "Create the function's log group (encrypted, with retention) and point logging_config.log_group at it (SessionWatchdog does).",
  check: ({ tf }) =>
    resources(tf, "aws_lambda_function").flatMap((f) => {
      const configured = f.body.logging_config?.log_group;
      const name = typeof configured === "string" ? configured : lambdaLogGroupName(String(f.body.function_name));
      const group: Resource | undefined =
        referenced(tf, configured) ?? resources(tf, "aws_cloudwatch_log_group").find((g) => g.body.name === name);
      return group?.type === "aws_cloudwatch_log_group"
        ? []
        : [{ path: f.path, message: `its log group ${name} is not created by this stack` }];
    }),
};
