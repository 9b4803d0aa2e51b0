import type { Rule, Violation } from "../types";
import { resources, show } from "../terraform";

/** AWS's minimum; Terraform's default when the argument is unset is 30. */
const MIN_WINDOW_DAYS = 7;

export const keyDeletion: Rule = {
  id: "SM-KMS-2",
  title: "KMS keys cannot be destroyed by Terraform, and wait at least 7 days to be deleted",
  severity: "error",
  rationale: "Deleting a key destroys every transcript encrypted with it; the window is the last chance to cancel.",
  controls: ["Security Hub KMS.3"],
  fix: "Keep lifecycle.prevent_destroy and a deletion_window_in_days of 7-30 (ProtectedKey uses 30).",
  check: ({ tf }) =>
    resources(tf, "aws_kms_key").flatMap((k): Violation[] => {
      const out: Violation[] = [];
      const window = k.body.deletion_window_in_days ?? 30;
      if (typeof window !== "number" || window < MIN_WINDOW_DAYS) {
        out.push({ path: k.path, message: `deletion_window_in_days is ${show(k.body.deletion_window_in_days)}, below ${MIN_WINDOW_DAYS}` });
      }
      if (k.body.lifecycle?.prevent_destroy !== true) {
        out.push({ path: k.path, message: `lifecycle.prevent_destroy is ${show(k.body.lifecycle?.prevent_destroy)}` });
      }
      return out;
    }),
};
