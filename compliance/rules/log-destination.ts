import { logBucketName, sessionLogPrefix } from "../../config/naming";
import type { Rule, Violation } from "../types";
import { sessionDocuments, show } from "../terraform";

export const logDestination: Rule = {
  id: "SM-DOC-5",
  title: "S3 logging goes to the log-archive bucket, under this account's own prefix",
  severity: "error",
  rationale: "Only <account>/<region>/ in the log-archive bucket is writable by this account and protected as evidence.",
  controls: [],
  fix: "Leave s3BucketName and s3KeyPrefix to SessionPreferences: they come from config/naming.ts.",
  check: ({ tf, config, workload }) => {
    if (workload === undefined) return [];
    const bucket = logBucketName(config.namePrefix, config.logArchive.accountId);
    return sessionDocuments(tf).flatMap((d): Violation[] => {
      const out: Violation[] = [];
      if (d.inputs.s3BucketName !== bucket) out.push({ path: d.path, message: `inputs.s3BucketName is ${show(d.inputs.s3BucketName)}, not ${bucket}` });
      const prefix = sessionLogPrefix(workload.accountId, d.region);
      if (d.inputs.s3KeyPrefix !== prefix) out.push({ path: d.path, message: `inputs.s3KeyPrefix is ${show(d.inputs.s3KeyPrefix)}, not ${prefix}` });
      return out;
    });
  },
};
