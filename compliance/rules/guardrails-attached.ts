import { accessGroupName, guardrailPolicyName, isIdentityCenterGroup, setupGuardrailPolicyName } from "../../config/naming";
import type { Rule, Violation } from "../types";
import { policyStatements, referenced, resources } from "../terraform";

/** The Denies each guardrail policy must hold: every limit of the access policies, restated. */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  session: [
    "DenySessionsOutsideRegions",
    "DenySessionsOutsideTagScope1",
    "DenySessionsOnManagedInstances",
    "DenyUnapprovedSessionDocuments",
    "DenySessionDocumentCreation",
    "DenyOtherPeoplesSessions",
  ],
  setup: ["DenyScopeTagChanges", "DenyRunAsTagChanges", "DenySessionIamChanges", "DenySessionLogChanges", "DenySessionKeyChanges", "DenyAlertChanges"],
};

export const guardrailsAttached: Rule = {
  id: "SM-IAM-10",
  title: "Every IAM access group carries the guardrail policies, with a Deny for each limit (SM-IDC-1 checks permission sets)",
  severity: "error",
  rationale: "An access policy's limits are Allows: a member who also holds ssm:* elsewhere escapes them unless a Deny restates each.",
  controls: [],
  fix: "Keep the SessionGuardrails construct of the workload stack (modules/session-guardrails.ts) and its statements.",
  check: ({ tf, config, workload, stack }) => {
    if (workload === undefined) return [];
    const violations: Violation[] = [];
    const attachments = resources(tf, "aws_iam_group_policy_attachment");
    for (const [part, name] of [
      ["session", guardrailPolicyName(config.namePrefix)],
      ["setup", setupGuardrailPolicyName(config.namePrefix)],
    ] as const) {
      const policy = resources(tf, "aws_iam_policy").find((p) => p.body.name === name);
      if (policy === undefined) {
        violations.push({ path: stack, message: `no guardrail policy ${name}` });
        continue;
      }
      const denies = new Set((policyStatements(policy.body.policy) ?? []).filter((s) => s.Effect === "Deny").map((s) => s.Sid));
      const missing = REQUIRED[part].filter((sid) => !denies.has(sid));
      if (missing.length > 0) violations.push({ path: policy.path, message: `no Deny statement ${missing.join(", ")}` });
      for (const group of workload.accessGroups.filter((g) => !isIdentityCenterGroup(g))) {
        const groupName = accessGroupName(config.namePrefix, group.name);
        const attached = attachments.some(
          (a) => referenced(tf, a.body.policy_arn)?.address === policy.address && referenced(tf, a.body.group)?.body.name === groupName,
        );
        if (!attached) violations.push({ path: policy.path, message: `not attached to the access group ${groupName}` });
      }
    }
    return violations;
  },
};
