import { logBucketName, transcriptWriterRoleArns } from "../../config/naming";
import type { Rule, Violation } from "../types";
import { asList, policyStatements, resources } from "../terraform";

/** The same role patterns, in any order. */
const sameRoles = (value: unknown, roles: readonly string[]): boolean =>
  JSON.stringify(asList(value as string | string[]).slice().sort()) === JSON.stringify([...roles].sort());

export const bucketWriters: Rule = {
  id: "SM-S3-12",
  title: "Only this project's roles write transcripts; other accounts do nothing else",
  severity: "error",
  rationale: "Any principal of a member account writing into its prefix could plant or overwrite evidence; a list of denied actions misses the next one S3 adds.",
  controls: [],
  fix: "Keep the ArnLike aws:PrincipalArn conditions, DenyWritesByOtherPrincipals and the NotAction Deny of logBucketPolicy and logKeyPolicy.",
  check: ({ tf, config }) => {
    const roles = transcriptWriterRoleArns(config.namePrefix);
    const bucketName = logBucketName(config.namePrefix, config.logArchive.accountId);
    const violations: Violation[] = [];
    for (const policy of resources(tf, "aws_s3_bucket_policy")) {
      const statements = policyStatements(policy.body.policy) ?? [];
      if (!statements.some((s) => asList(s.Resource ?? s.NotResource).some((r) => String(r).includes(`:::${bucketName}`)))) continue;
      for (const s of statements) {
        if (s.Effect === "Allow" && asList(s.Action).some((a) => a === "s3:PutObject") && !sameRoles(s.Condition?.ArnLike?.["aws:PrincipalArn"], roles)) {
          violations.push({ path: policy.path, message: `statement ${s.Sid} allows s3:PutObject without ArnLike aws:PrincipalArn ${JSON.stringify(roles)}` });
        }
      }
      const denyOthers = statements.some(
        (s) => s.Effect === "Deny" && asList(s.Action).includes("s3:PutObject") && sameRoles(s.Condition?.ArnNotLike?.["aws:PrincipalArn"], roles),
      );
      if (!denyOthers) violations.push({ path: policy.path, message: "no Deny of s3:PutObject to principals other than this project's roles (ArnNotLike aws:PrincipalArn)" });
      const notAction = statements.some((s) => s.Effect === "Deny" && s.NotAction !== undefined && s.Condition?.StringNotEquals?.["aws:PrincipalAccount"] === config.logArchive.accountId);
      if (!notAction) violations.push({ path: policy.path, message: "no Deny of everything but the writers' actions (NotAction) to other accounts" });
    }
    for (const key of resources(tf, "aws_kms_key")) {
      for (const s of policyStatements(key.body.policy) ?? []) {
        const anyone = JSON.stringify(s.Principal) === JSON.stringify({ AWS: "*" }) || s.Principal === "*";
        if (s.Effect === "Allow" && anyone && !sameRoles(s.Condition?.ArnLike?.["aws:PrincipalArn"], roles)) {
          violations.push({ path: key.path, message: `statement ${s.Sid} lets any organization principal use the key, not only ${JSON.stringify(roles)}` });
        }
      }
    }
    return violations;
  },
};
