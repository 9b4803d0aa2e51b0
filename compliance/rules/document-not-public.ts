import type { Rule } from "../types";
import { asList, resources } from "../terraform";

export const documentNotPublic: Rule = {
  id: "SM-DOC-7",
  title: "SSM documents are not shared publicly",
  severity: "error",
  rationale: "A public document exposes its settings (bucket, key, profile) to every AWS account.",
  controls: ["CKV_AWS_303", "Security Hub SSM.4", "Prowler ssm_documents_set_as_public"],
  fix: "Remove permissions.account_ids = All from the document.",
  check: ({ tf }) =>
    resources(tf, "aws_ssm_document").flatMap((d) =>
      asList(d.body.permissions).some((p: Record<string, unknown>) => String(p?.account_ids ?? "").split(",").some((a) => a.trim().toLowerCase() === "all"))
        ? [{ path: d.path, message: `permissions share ${String(d.body.name)} with account_ids "All"` }]
        : [],
    ),
};
