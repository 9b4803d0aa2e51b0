import type { Rule } from "../types";
import { sessionDocuments, show } from "../terraform";

export const runAs: Rule = {
  id: "SM-DOC-4",
  title: "Run As is not root, and names a user when enabled",
  severity: "error",
  rationale: "Run As root gives every session full control of the instance and hides who did what behind one account.",
  controls: [],
  fix: "Set session.runAs.defaultUser to an unprivileged OS user, or turn Run As off (sessions then use ssm-user).",
  check: ({ tf }) =>
    sessionDocuments(tf).flatMap((d) => {
      const user = d.inputs.runAsDefaultUser;
      if (d.inputs.runAsEnabled === true && (typeof user !== "string" || user.trim() === "")) {
        return [{ path: d.path, message: `runAsEnabled is true but runAsDefaultUser is ${show(user)}` }];
      }
      if (typeof user === "string" && user.trim() === "root") return [{ path: d.path, message: `runAsDefaultUser is "root"` }];
      return [];
    }),
};
