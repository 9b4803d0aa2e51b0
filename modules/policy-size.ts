import { Token } from "cdktf";
import type { PolicyDocument } from "./policies/iam";

/** IAM's limit for a managed policy document, counted without white space. */
export const MANAGED_POLICY_MAX_CHARS = 6144;
/** A reference not resolved at synth time (an ARN AWS assigns), counted at the longest such ARN this project uses. */
const UNRESOLVED_CHARS = 100;

/**
 * The size IAM will count for `document` once Terraform has filled in its references, without white space: fail at
 * synth, not half-way through an apply. `lengths` gives the known length of particular references.
 */
export function managedPolicySize(document: PolicyDocument, lengths: ReadonlyMap<string, number> = new Map()): number {
  return JSON.stringify(document, (_, v) =>
    typeof v === "string" && (lengths.has(v) || Token.isUnresolved(v)) ? "x".repeat(lengths.get(v) ?? UNRESOLVED_CHARS) : v,
  ).length;
}
