import type { Rule } from "../types";
import { actionCovers, asList, attachedTo, awsPrincipals, policyStatements, resources } from "../terraform";

/**
 * What other accounts may be allowed on the log bucket: write their transcripts and read the encryption setting.
 * Security Hub S3.6 also lists s3:PutObjectAcl; it stays, on the writer's own prefix only, because the SSM agent
 * sends bucket-owner-full-control, the one ACL that BucketOwnerEnforced accepts.
 */
const CROSS_ACCOUNT_ACTIONS = ["s3:PutObject", "s3:PutObjectAcl", "s3:GetEncryptionConfiguration"];

/** The account of an AWS principal: a 12-digit id, or the account field of an IAM or STS ARN; `*` for anyone. */
const accountOf = (principal: string): string => (/^\d{12}$/.test(principal) ? principal : (principal.match(/^arn:[^:]+:(?:iam|sts)::(\d{12}):/)?.[1] ?? "*"));

export const bucketCrossAccount: Rule = {
  id: "SM-S3-8",
  title: "Other accounts get no policy, ACL, encryption, read or delete permission on the log bucket",
  severity: "error",
  rationale: "Writers must not be able to read, destroy or re-configure the evidence they write.",
  controls: ["Security Hub S3.6"],
  fix: `Allow other accounts only ${CROSS_ACCOUNT_ACTIONS.join(", ")}.`,
  check: ({ tf, config }) => {
    return resources(tf, "aws_s3_bucket").flatMap((b) =>
      attachedTo(tf, "aws_s3_bucket_policy", "bucket", b).flatMap((p) =>
        (policyStatements(p.body.policy) ?? [])
          .filter((s) => s.Effect === "Allow" && (s.Principal === undefined || awsPrincipals(s.Principal).some((a) => accountOf(a) !== config.logArchive.accountId)))
          .flatMap((s) => {
            const extra = asList(s.Action).filter((a) => !CROSS_ACCOUNT_ACTIONS.some((allowed) => actionCovers(a, allowed) && !a.includes("*")));
            const notAction = s.NotAction !== undefined ? ["NotAction"] : [];
            const bad = [...extra, ...notAction];
            return bad.length === 0 ? [] : [{ path: p.path, message: `statement ${s.Sid ?? "(no Sid)"} allows other accounts ${bad.join(", ")}` }];
          }),
      ),
    );
  },
};
