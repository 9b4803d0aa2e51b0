import { logBucketName } from "../../config/naming";
import type { Rule, Violation } from "../types";
import { asList, identityPolicies } from "../terraform";

export const logBucketOwner: Rule = {
  id: "SM-IAM-12",
  title: "Grants on the log bucket pin its owner (s3:ResourceAccount)",
  severity: "error",
  rationale: "A bucket name is not an owner: if the log bucket does not exist yet, anyone can create one of that name and receive every transcript.",
  controls: [],
  fix: "Add StringEquals s3:ResourceAccount = the log-archive account to every statement that allows S3 actions on the log bucket.",
  check: ({ tf, config }) => {
    const bucket = logBucketName(config.namePrefix, config.logArchive.accountId);
    return identityPolicies(tf).flatMap(({ path, statements }) =>
      (statements ?? []).flatMap((s): Violation[] => {
        const onBucket = asList(s.Resource).some((r) => typeof r === "string" && r.includes(`:::${bucket}`));
        if (s.Effect !== "Allow" || !onBucket || !asList(s.Action).some((a) => String(a).startsWith("s3:"))) return [];
        const owner = (s.Condition?.StringEquals as Record<string, unknown> | undefined)?.["s3:ResourceAccount"];
        return owner === config.logArchive.accountId
          ? []
          : [{ path, message: `statement ${s.Sid ?? "(no Sid)"} allows S3 on ${bucket} without s3:ResourceAccount ${config.logArchive.accountId}` }];
      }),
    );
  },
};
