import type { Rule, Violation } from "../types";
import { sessionDocuments, show } from "../terraform";

export const documentLogging: Rule = {
  id: "SM-DOC-2",
  title: "Session logs are on, and encrypted (real booleans)",
  severity: "error",
  rationale: "Transcripts are the audit trail; Session Manager skips encryption unless the flags are the JSON boolean true.",
  controls: ["CKV_AWS_113"],
  fix: "Log to S3 (and CloudWatch if used) with s3EncryptionEnabled and cloudWatchEncryptionEnabled set to true.",
  check: ({ tf }) =>
    sessionDocuments(tf).flatMap((d): Violation[] => {
      const { s3BucketName, s3EncryptionEnabled, cloudWatchLogGroupName, cloudWatchEncryptionEnabled } = d.inputs;
      const out: Violation[] = [];
      if (!s3BucketName && !cloudWatchLogGroupName) {
        out.push({ path: d.path, message: "neither s3BucketName nor cloudWatchLogGroupName is set: sessions are not logged" });
      }
      if (s3BucketName && s3EncryptionEnabled !== true) {
        out.push({ path: d.path, message: `inputs.s3EncryptionEnabled is ${show(s3EncryptionEnabled)}, not the boolean true` });
      }
      if (cloudWatchLogGroupName && cloudWatchEncryptionEnabled !== true) {
        out.push({ path: d.path, message: `inputs.cloudWatchEncryptionEnabled is ${show(cloudWatchEncryptionEnabled)}, not the boolean true` });
      }
      return out;
    }),
};
