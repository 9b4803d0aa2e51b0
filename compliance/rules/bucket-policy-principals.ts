import type { Rule } from "../types";
import { attachedTo, awsPrincipals, policyStatements, resources, restrictsPrincipal } from "../terraform";

export const bucketPolicyPrincipals: Rule = {
  id: "SM-S3-7",
  title: "No bucket policy allows a wildcard principal without an organization or account condition",
  severity: "error",
  rationale: "Principal * with no restricting condition opens the bucket to every AWS account.",
  controls: ["CKV_AWS_70"],
  fix: "Add StringEquals aws:PrincipalOrgID (or aws:PrincipalAccount) with a literal value, or name the principals.",
  check: ({ tf }) =>
    resources(tf, "aws_s3_bucket").flatMap((b) =>
      attachedTo(tf, "aws_s3_bucket_policy", "bucket", b).flatMap((p) =>
        (policyStatements(p.body.policy) ?? [])
          .filter((s) => s.Effect === "Allow" && awsPrincipals(s.Principal).includes("*"))
          .filter((s) => !restrictsPrincipal(s))
          .map((s) => ({ path: p.path, message: `statement ${s.Sid ?? "(no Sid)"} allows Principal * with no exact organization or account condition` })),
      ),
    ),
};
