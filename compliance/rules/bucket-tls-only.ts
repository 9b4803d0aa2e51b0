import type { Rule } from "../types";
import { arn } from "../../config/naming";
import { asList, attachedTo, awsPrincipals, policyStatements, resources } from "../terraform";

export const bucketTlsOnly: Rule = {
  id: "SM-S3-6",
  title: "The bucket policy denies every request without TLS",
  severity: "error",
  rationale: "Transcripts and credentials in headers must never cross the network in clear text.",
  controls: ["Security Hub S3.5", "CIS AWS 2.1.1", "Prowler s3_bucket_secure_transport_policy"],
  fix: 'Keep the DenyInsecureTransport statement: Deny s3:* to Principal * on the bucket and its objects when aws:SecureTransport is "false".',
  check: ({ tf }) =>
    resources(tf, "aws_s3_bucket").flatMap((b) => {
      const statements = attachedTo(tf, "aws_s3_bucket_policy", "bucket", b).flatMap((p) => policyStatements(p.body.policy) ?? []);
      const denies = statements.some(
        (s) =>
          s.Effect === "Deny" &&
          awsPrincipals(s.Principal).includes("*") &&
          asList(s.Action).some((a) => a === "*" || a === "s3:*") &&
          asList(s.Resource).includes(arn.bucket(String(b.body.bucket))) &&
          asList(s.Resource).includes(`${arn.bucket(String(b.body.bucket))}/*`) &&
          Object.entries(s.Condition ?? {}).some(([op, block]) => /^Bool(IfExists)?$/.test(op) && String((block as Record<string, unknown>)["aws:SecureTransport"]) === "false"),
      );
      return denies ? [] : [{ path: b.path, message: "no bucket policy statement denies s3:* on the bucket and its objects without aws:SecureTransport" }];
    }),
};
