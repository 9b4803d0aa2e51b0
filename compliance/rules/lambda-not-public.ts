import type { Rule } from "../types";
import { resources, show } from "../terraform";

export const lambdaNotPublic: Rule = {
  id: "SM-LMB-2",
  title: "Lambda functions have no function URL, and only named AWS services with a source ARN may invoke them",
  severity: "error",
  rationale: "The watchdog ends sessions; anyone who can invoke it at will can flood alerts or race it.",
  controls: ["CKV_AWS_258", "CKV_AWS_301", "Security Hub Lambda.1", "Prowler awslambda_function_url_public"],
  fix: "Remove the aws_lambda_function_url; grant lambda:InvokeFunction to a service principal with source_arn (SessionWatchdog does).",
  check: ({ tf }) => [
    ...resources(tf, "aws_lambda_function_url").map((u) => ({
      path: u.path,
      message: `a function URL (authorization_type ${show(u.body.authorization_type)}) opens the function to HTTPS calls`,
    })),
    ...resources(tf, "aws_lambda_permission")
      .filter((p) => typeof p.body.principal !== "string" || !/^[a-z0-9.-]+\.amazonaws\.com$/.test(p.body.principal) || typeof p.body.source_arn !== "string")
      .map((p) => ({ path: p.path, message: `allows ${show(p.body.principal)} to invoke, with source_arn ${show(p.body.source_arn)}` })),
  ],
};
