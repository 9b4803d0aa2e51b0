import type { Rule, Violation } from "../types";
import { actionCovers, asList, conditionKeys, IDENTITY_POLICY_TYPES, policyStatements, resources } from "../terraform";

export const startSessionScoped: Rule = {
  id: "SM-IAM-6",
  title: "Every statement allowing ssm:StartSession is scoped and checks the session document",
  severity: "error",
  rationale: "Unscoped StartSession reaches every instance; without SessionDocumentAccessCheck a user can fall back to any document.",
  controls: [],
  fix: 'Name instances or documents (or condition on ssm:resourceTag), and add BoolIfExists ssm:SessionDocumentAccessCheck "true".',
  check: ({ tf }) =>
    IDENTITY_POLICY_TYPES.flatMap((type) =>
      resources(tf, type).flatMap((p) =>
        (policyStatements(p.body.policy) ?? [])
          .filter((s) => s.Effect === "Allow" && asList(s.Action).some((a) => actionCovers(a, "ssm:StartSession")))
          .flatMap((s): Violation[] => {
            const out: Violation[] = [];
            const keys = conditionKeys(s);
            if (asList(s.Resource).includes("*") && !keys.some((k) => k.startsWith("ssm:resourcetag/") || k.startsWith("aws:resourcetag/"))) {
              out.push({ path: p.path, message: `statement ${s.Sid ?? "(no Sid)"} allows ssm:StartSession on * with no tag condition` });
            }
            const check = Object.entries(s.Condition ?? {}).some(
              ([op, block]) => /^Bool(IfExists)?$/.test(op) && String((block as Record<string, unknown>)["ssm:SessionDocumentAccessCheck"]) === "true",
            );
            if (!check) out.push({ path: p.path, message: `statement ${s.Sid ?? "(no Sid)"} allows ssm:StartSession without ssm:SessionDocumentAccessCheck` });
            return out;
          }),
      ),
    ),
};
