import type { Rule } from "../types";
import { resources, show } from "../terraform";

/**
 * Runtimes Lambda had deprecated by 2026-11 (Lambda's runtime table): functions on them get no security patches,
 * and Lambda refuses to create them a few weeks after deprecation.
 */
export const DEPRECATED_RUNTIMES: readonly string[] = [
  "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x",
  "nodejs18.x", "nodejs20.x",
  "python2.7", "python3.6", "python3.7", "python3.8", "python3.9",
  "java8", "go1.x", "provided", "ruby2.5", "ruby2.7", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6",
];

export const lambdaRuntime: Rule = {
  id: "SM-LMB-4",
  title: "Lambda functions use a runtime Lambda still supports",
  severity: "error",
  rationale: "A deprecated runtime gets no security patches, and Lambda stops creating and then updating functions on it.",
  controls: ["Security Hub Lambda.2", "Prowler awslambda_function_using_supported_runtimes"],
  fix: "Use nodejs24.x (SessionWatchdog does) or another supported runtime.",
  check: ({ tf }) =>
    resources(tf, "aws_lambda_function")
      .filter((f) => typeof f.body.runtime !== "string" || DEPRECATED_RUNTIMES.includes(f.body.runtime))
      .map((f) => ({ path: f.path, message: `runtime is ${show(f.body.runtime)}, deprecated by Lambda` })),
};
