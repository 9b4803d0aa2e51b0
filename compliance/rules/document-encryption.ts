import type { Rule } from "../types";
import { sessionDocuments, show } from "../terraform";

export const documentEncryption: Rule = {
  id: "SM-DOC-1",
  title: "Session data is encrypted with a KMS key",
  severity: "error",
  rationale: "Without kmsKeyId, session traffic is protected by TLS alone and key use leaves no KMS audit trail.",
  controls: ["CKV_AWS_112"],
  fix: "Set inputs.kmsKeyId to the regional session key (SessionPreferences does).",
  check: ({ tf }) =>
    sessionDocuments(tf)
      .filter((d) => typeof d.inputs.kmsKeyId !== "string" || d.inputs.kmsKeyId === "")
      .map((d) => ({ path: d.path, message: `inputs.kmsKeyId is ${show(d.inputs.kmsKeyId)}` })),
};
