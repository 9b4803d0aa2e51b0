import type { TerraformStack } from "cdktf";
import type { IValidation } from "constructs";
import type { Config, WorkloadConfig } from "../config/types";
import { RULES } from "./rules";
import { sharedReadings, type TerraformJson } from "./terraform";
import type { Finding } from "./types";

export { RULES } from "./rules";
export type { Finding, Rule, Severity } from "./types";

/** Findings that stop a synth, one line each, all at once. */
export class ComplianceError extends Error {
  constructor(readonly findings: readonly Finding[]) {
    super(
      `compliance: ${findings.length === 1 ? "1 finding stops" : `${findings.length} findings stop`} the synth ` +
        `(suppress one under compliance.suppressions, with a reason)\n${findings.map((f) => `  ${formatFinding(f)}`).join("\n")}`,
    );
  }
}

/** `error SM-DOC-3 workload-payments/session-eu-west-1/preferences: <what is wrong>. Fix: <how>` */
export const formatFinding = (f: Finding): string =>
  `${f.severity} ${f.rule} ${f.path}: ${f.message}. Fix: ${f.fix}${f.suppressedBecause ? ` (suppressed: ${f.suppressedBecause})` : ""}`;

/** Every rule over one stack's Terraform JSON, with the config's suppressions applied. */
export function checkStack(config: Config, stack: string, tf: TerraformJson, workload?: WorkloadConfig): Finding[] {
  return sharedReadings(() => RULES.flatMap((rule) =>
    rule.check({ config, stack, workload, tf }).map((v): Finding => {
      const finding: Finding = { rule: rule.id, severity: v.severity ?? rule.severity, stack, path: v.path, message: v.message, fix: v.fix ?? rule.fix };
      const suppression = config.compliance.suppressions.find((s) => covers(s, finding));
      return suppression ? { ...finding, suppressedBecause: suppression.reason } : finding;
    }),
  ));
}

type Suppression = Config["compliance"]["suppressions"][number];

/** A suppression covers a finding of its rule in its stack, and, if it names a resource, at or below that path. */
export const covers = (s: Suppression, f: Finding): boolean =>
  s.rule === f.rule &&
  s.stack === f.stack &&
  (s.resource === undefined || f.path === `${f.stack}/${s.resource}` || f.path.startsWith(`${f.stack}/${s.resource}/`));

/**
 * The rule pack as a cdktf validation of one stack: App.synth() (so `cdktf synth`) and `Testing.synth(stack, true)`
 * run it after the stack's Aspects, over the same Terraform JSON that synth then writes.
 */
export class ComplianceValidation implements IValidation {
  /** The findings of the last validation cdktf ran. */
  public lastFindings?: readonly Finding[];
  /**
   * Whether validate() hands errors to cdktf, which stops at the first stack that has any. synthesize() turns this
   * off and reports the findings of every stack at once. @default true
   */
  public failSynth = true;

  constructor(
    private readonly stack: TerraformStack & { terraformToValidate?(): Record<string, any> },
    private readonly config: Config,
    private readonly workload?: WorkloadConfig,
  ) {}

  /** The findings for the stack as it is now. */
  findings(): Finding[] {
    return checkStack(this.config, this.stack.node.id, this.stack.toTerraform(), this.workload);
  }

  validate(): string[] {
    // The stack hands this JSON on to the write that follows validation (AccountStack.terraformToValidate).
    const tf = this.stack.terraformToValidate?.() ?? this.stack.toTerraform();
    this.lastFindings = checkStack(this.config, this.stack.node.id, tf, this.workload);
    return this.failSynth ? blocking(this.lastFindings).map(formatFinding) : [];
  }
}

/** Findings that stop a synth: unsuppressed errors. */
export const blocking = (findings: readonly Finding[]): Finding[] =>
  findings.filter((f) => f.severity === "error" && f.suppressedBecause === undefined);

export interface ComplianceReport {
  /** Every finding, suppressed ones included. */
  readonly findings: readonly Finding[];
  /** Suppressions that matched no finding: stale, or aimed at the wrong stack or resource. */
  readonly unusedSuppressions: readonly Suppression[];
}

/** Gathers the findings of every stack, so all can be reported at once. */
export function complianceReport(config: Config, perStack: readonly (readonly Finding[])[]): ComplianceReport {
  const findings = perStack.flat();
  const unusedSuppressions = config.compliance.suppressions.filter((s) => !findings.some((f) => covers(s, f)));
  return { findings, unusedSuppressions };
}

/** Warnings to print on a successful synth: warning findings, and suppressions that matched nothing. */
export const complianceWarnings = (report: ComplianceReport): string[] => [
  ...report.findings.filter((f) => f.severity === "warning" && f.suppressedBecause === undefined).map(formatFinding),
  ...report.unusedSuppressions.map(
    (s) => `warning compliance.suppressions: ${s.rule} for ${s.stack}${s.resource ? `/${s.resource}` : ""} matches no finding; remove it`,
  ),
];
