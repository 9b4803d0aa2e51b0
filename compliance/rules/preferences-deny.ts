import { accessPolicyName, arn, PREFERENCES_DOCUMENT } from "../../config/naming";
import type { Rule, Violation } from "../types";
import { actionCovers, asList, policyStatements, resources } from "../terraform";

const CHANGES = ["ssm:CreateDocument", "ssm:UpdateDocument", "ssm:DeleteDocument"];

export const preferencesDeny: Rule = {
  id: "SM-IAM-8",
  title: "Access policies explicitly deny changes to the preferences document",
  severity: "error",
  rationale: "Whoever can edit SSM-SessionManagerRunShell can turn logging off for the sessions they are about to start.",
  controls: [],
  fix: "Keep the DenyPreferencesDocumentChanges statement (accessPolicy in modules/policies/workload.ts).",
  check: ({ tf, config, workload }) =>
    (workload?.accessGroups ?? []).flatMap((group): Violation[] => {
      const policy = resources(tf, "aws_iam_policy").find((p) => p.body.name === accessPolicyName(config.namePrefix, group.name));
      if (policy === undefined) return []; // SM-IAM-7 reports a missing policy
      const document = arn.document("*", workload!.accountId, PREFERENCES_DOCUMENT);
      const denied = CHANGES.filter((action) =>
        (policyStatements(policy.body.policy) ?? []).some(
          (s) =>
            s.Effect === "Deny" &&
            s.Condition === undefined &&
            asList(s.Action).some((a) => actionCovers(a, action)) &&
            asList(s.Resource).some((r) => r === "*" || r === document),
        ),
      );
      const missing = CHANGES.filter((a) => !denied.includes(a));
      return missing.length === 0 ? [] : [{ path: policy.path, message: `no unconditional Deny of ${missing.join(", ")} on ${document}` }];
    }),
};
