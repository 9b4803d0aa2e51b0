import type { Rule, Violation } from "../types";
import { actionCovers, asList, deniedEverywhere, conditionKeys, identityPolicies } from "../terraform";

/** `*`, or every instance (of a region or account, or of all): `arn:aws:ec2:<region>:<account>:instance/*`. */
const everyInstance = (resource: string): boolean => resource === "*" || /^arn:[^:]+:ec2:[^:]*:[^:]*:instance\/\*$/.test(resource);

export const startSessionScoped: Rule = {
  id: "SM-IAM-6",
  title: "Every statement allowing ssm:StartSession is scoped and checks the session document",
  severity: "error",
  rationale: "Unscoped StartSession reaches every instance; without SessionDocumentAccessCheck a user can fall back to any document.",
  controls: [],
  fix: 'Name instances or documents (or condition on ssm:resourceTag), and add BoolIfExists ssm:SessionDocumentAccessCheck "true".',
  check: ({ tf }) =>
    identityPolicies(tf).flatMap((p) =>
      (p.statements ?? [])
        .filter((s) => s.Effect === "Allow" && asList(s.Action).some((a) => actionCovers(a, "ssm:StartSession")))
        .filter(() => !deniedEverywhere(p.statements ?? [], "ssm:StartSession"))
        .flatMap((s): Violation[] => {
          const out: Violation[] = [];
          const tagged = conditionKeys(s).some((k) => k.startsWith("ssm:resourcetag/") || k.startsWith("aws:resourcetag/"));
          const broad = s.NotResource !== undefined || asList(s.Resource).some(everyInstance);
          if (broad && !tagged) {
            out.push({ path: p.path, message: `statement ${s.Sid ?? "(no Sid)"} allows ssm:StartSession on every instance with no tag condition` });
          }
          const check = Object.entries(s.Condition ?? {}).some(
            ([op, block]) => /^Bool(IfExists)?$/.test(op) && String((block as Record<string, unknown>)["ssm:SessionDocumentAccessCheck"]) === "true",
          );
          if (!check) out.push({ path: p.path, message: `statement ${s.Sid ?? "(no Sid)"} allows ssm:StartSession without ssm:SessionDocumentAccessCheck` });
          return out;
        }),
    ),
};
