import type { Config, WorkloadConfig } from "../config/types";
import type { TerraformJson } from "./terraform";

/**
 * The compliance rule pack: one rule per file in compliance/rules/, run over every stack on every synth (a cdktf
 * validation on each AccountStack) and in the tests.
 */

export type Severity = "error" | "warning";

/** What a rule sees: one stack's Terraform JSON as synth writes it, and the config it was built from. */
export interface RuleContext {
  readonly config: Config;
  /** Stack name: log-archive or workload-<name>. */
  readonly stack: string;
  /** The workload of a workload stack; undefined for the log-archive stack. */
  readonly workload?: WorkloadConfig;
  readonly tf: TerraformJson;
}

/** One problem, before the engine adds the rule and stack. */
export interface Violation {
  /** Construct path, from the stack down, e.g. `workload-payments/session-eu-west-1/preferences`. */
  readonly path: string;
  /** What is wrong, with the offending value. */
  readonly message: string;
  /** How to fix it, when more specific than the rule's `fix`. */
  readonly fix?: string;
  /** Overrides the rule's severity for this finding (MFA turned off in the config is a warning, say). */
  readonly severity?: Severity;
}

export interface Rule {
  /** Stable id, used in findings and in `compliance.suppressions[].rule`. */
  readonly id: string;
  /** What it checks, in a few words (the rule table). */
  readonly title: string;
  readonly severity: Severity;
  /** Why it matters, in one line. */
  readonly rationale: string;
  /** Public controls it corresponds to: Checkov, AWS Security Hub, CIS, Prowler. */
  readonly controls: readonly string[];
  /** How to fix a violation, in general. */
  readonly fix: string;
  check(context: RuleContext): Violation[];
}

export interface Finding {
  readonly rule: string;
  readonly severity: Severity;
  readonly stack: string;
  readonly path: string;
  readonly message: string;
  readonly fix: string;
  /** The reason from the config, when a suppression covers this finding. */
  readonly suppressedBecause?: string;
}
