import type { Rule, Violation } from "../types";
import { sessionDocuments, show } from "../terraform";

/** AWS's ranges for the two settings, in minutes. */
const AWS_RANGE = { idleSessionTimeout: [1, 60], maxSessionDuration: [1, 1440] } as const;

export const sessionTimeouts: Rule = {
  id: "SM-DOC-3",
  title: "Idle timeout and maximum session duration are set, within AWS's ranges and the compliance thresholds",
  severity: "error",
  rationale: "A session that outlives its purpose may be suspicious activity; an abandoned shell is an open door.",
  controls: ["CSPM rule \"SSM Session Length Should Be Minimum\""],
  fix: "Lower session.idleTimeoutMinutes / maxSessionDurationMinutes, or raise compliance.maxIdleTimeoutMinutes / maxSessionDurationMinutes.",
  check: ({ tf, config }) =>
    sessionDocuments(tf).flatMap((d): Violation[] => {
      const limits = { idleSessionTimeout: config.compliance.maxIdleTimeoutMinutes, maxSessionDuration: config.compliance.maxSessionDurationMinutes };
      const thresholdName = { idleSessionTimeout: "compliance.maxIdleTimeoutMinutes", maxSessionDuration: "compliance.maxSessionDurationMinutes" };
      const settingName = { idleSessionTimeout: "idleTimeoutMinutes", maxSessionDuration: "maxSessionDurationMinutes" };
      return (Object.keys(AWS_RANGE) as (keyof typeof AWS_RANGE)[]).flatMap((key): Violation[] => {
        const raw = d.inputs[key];
        const minutes = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : undefined;
        const [min, max] = AWS_RANGE[key];
        if (minutes === undefined) return [{ path: d.path, message: `inputs.${key} is ${show(raw)}: it must be a string of whole minutes` }];
        if (minutes < min || minutes > max) return [{ path: d.path, message: `inputs.${key} is ${minutes} min, outside AWS's ${min}-${max}` }];
        if (minutes > limits[key]) {
          return [
            {
              path: d.path,
              message: `inputs.${key} is ${minutes} min, above ${thresholdName[key]} (${limits[key]})`,
              fix: `Set session.${settingName[key]} to at most ${limits[key]}, or raise ${thresholdName[key]}.`,
            },
          ];
        }
        return [];
      });
    }),
};
