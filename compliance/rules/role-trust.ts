import type { Rule } from "../types";
import { policyStatements, resources, trustsOneOidcSubject } from "../terraform";

export const roleTrust: Rule = {
  id: "SM-IAM-5",
  title: "Roles are assumable by named AWS services, or by exactly one OIDC subject",
  severity: "error",
  rationale: "The instance role carries the logging grants; only EC2 may put it on an instance. A deployment role trusts one GitHub environment, pull requests of one repository, or one HCP Terraform workspace's run phase, and nothing else.",
  controls: ["CKV_AWS_60 (no wildcard principal)", "CKV_AWS_61 (no account principals)"],
  fix: "Trust { Service: ec2.amazonaws.com } and nothing else (SessionInstanceRole does); for OIDC, StringEquals on the issuer's aud and sub, one literal value each (oidcTrustPolicy).",
  check: ({ tf }) =>
    resources(tf, "aws_iam_role").flatMap((r) => {
      const statements = policyStatements(r.body.assume_role_policy);
      if (statements === undefined) return [{ path: r.path, message: "assume_role_policy is not a JSON policy" }];
      return statements
        .filter((s) => s.Effect === "Allow")
        .filter((s) => !trustsOneOidcSubject(tf, s))
        .filter((s) => {
          const p = s.Principal as Record<string, unknown> | string | undefined;
          if (typeof p !== "object" || p === null) return true;
          const keys = Object.keys(p);
          const services = ([] as unknown[]).concat(p.Service ?? []);
          return keys.some((k) => k !== "Service") || services.length === 0 || services.some((v) => typeof v !== "string" || !/^[a-z0-9.-]+\.amazonaws\.com$/.test(v));
        })
        .map((s) => ({ path: r.path, message: `statement ${s.Sid ?? "(no Sid)"} trusts ${JSON.stringify(s.Principal)}` }));
    }),
};
