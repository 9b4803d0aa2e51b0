import type { Rule } from "../types";
import { referenced, sessionDocuments, show } from "../terraform";

export const sessionKeyRegion: Rule = {
  id: "SM-DOC-6",
  title: "The session key is a key of this stack, in the document's region",
  severity: "error",
  rationale: "Session Manager needs the key in the session's region; a key elsewhere makes every session fail to start.",
  controls: [],
  fix: "Point inputs.kmsKeyId at the session key created for the same region (SessionPreferences does).",
  check: ({ tf }) =>
    sessionDocuments(tf).flatMap((d) => {
      if (typeof d.inputs.kmsKeyId !== "string" || d.inputs.kmsKeyId === "") return []; // SM-DOC-1 reports it
      const key = referenced(tf, d.inputs.kmsKeyId);
      if (key === undefined || key.type !== "aws_kms_key") {
        return [{ path: d.path, message: `inputs.kmsKeyId is ${show(d.inputs.kmsKeyId)}, not a reference to a KMS key of this stack` }];
      }
      return key.region === d.region ? [] : [{ path: d.path, message: `the session key ${key.path} is in ${key.region}, the document in ${d.region}` }];
    }),
};
