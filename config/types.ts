import type {
  AccessGroupConfig,
  BastionConfig,
  ComplianceConfig,
  ConnectivityConfig,
  ForbiddenCommandConfig,
  GuardrailsConfig,
  IamUserConfig,
  AccessMode,
  JustInTimeConfig,
  WorkloadJustInTimeConfig,
  IdentityCenterConfig,
  IdentityCenterGroupConfig,
  LogArchiveConfig,
  RawConfig,
  RemoteHostConfig,
  SessionSettings,
  SubscriptionConfig,
  VpcEndpointsConfig,
} from "./schema";
import type { AwsRegion } from "./regions";

/** One workload account, with its session settings resolved against the defaults. */
export interface WorkloadConfig {
  readonly name: string;
  readonly accountId: string;
  /** The first region also holds the account's IAM resources. */
  readonly regions: readonly AwsRegion[];
  readonly session: SessionSettings;
  readonly accessGroups: readonly AccessGroupConfig[];
  readonly users: readonly IamUserConfig[];
  /** Regions whose existing SSM-SessionManagerRunShell is imported instead of created. */
  readonly adoptDocumentRegions: readonly AwsRegion[];
  /** Alerts and enforcement, the same in every region of the account. */
  readonly observability: ObservabilitySettings;
  /** VPC endpoints and the bastion. */
  readonly connectivity: ConnectivityConfig;
  /** standing: groups start sessions; just-in-time: they request access and approval policies decide. */
  readonly accessMode: AccessMode;
  /** The approval rules of a just-in-time workload (empty lists for a standing one). */
  readonly justInTime: WorkloadJustInTimeConfig;
}

/** The watchdog of one account: how it runs and when it ends a session. */
export interface WatchdogSettings {
  /** `dry-run` alerts only; `enforce` ends overdue sessions and alerts. */
  readonly mode: "dry-run" | "enforce";
  /** Sessions older than this many minutes are overdue. */
  readonly maxSessionMinutes: number;
  /** Minutes between runs. */
  readonly scheduleMinutes: number;
}

/** Observability of one workload account, resolved against observabilityDefaults. A part that is off is undefined or empty. */
export interface ObservabilitySettings {
  /** The alert topic and its subscriptions; undefined when alerts are off. */
  readonly alerts?: { readonly subscriptions: readonly SubscriptionConfig[] };
  /** Alert on StartSession, ResumeSession and TerminateSession. */
  readonly sessionEvents: boolean;
  /** Alert on CloudTrail calls that change or remove the session setup and its alerting (on with alerts by default). */
  readonly tamperEvents: boolean;
  /** Patterns that raise an alarm when a transcript matches; empty when off. */
  readonly forbiddenCommands: readonly ForbiddenCommandConfig[];
  /** undefined when the watchdog is off. */
  readonly watchdog?: WatchdogSettings;
}

/** The log-archive account, with Object Lock resolved: undefined only when the config turns it off. */
export interface LogArchiveSettings extends Omit<LogArchiveConfig, "objectLock"> {
  readonly objectLock?: { readonly mode: "GOVERNANCE" | "COMPLIANCE"; readonly days: number };
}

/** The validated, resolved config: the only thing stacks receive. */
export interface Config {
  readonly organizationId: string;
  readonly namePrefix: string;
  readonly logArchive: LogArchiveSettings;
  readonly workloads: readonly WorkloadConfig[];
  readonly deployment: RawConfig["deployment"];
  /** Thresholds and suppressions of the compliance rule pack. */
  readonly compliance: ComplianceConfig;
  /** SCPs and RCPs of the organization stack; undefined when the config has no organization.guardrails. */
  readonly organizationGuardrails?: GuardrailsConfig;
  /** Just-in-time node access; undefined when the config has no justInTime section. */
  readonly justInTime?: JustInTimeConfig;
  /** IAM Identity Center; undefined when the config has no identityCenter section (then no group has identityCenterGroup). */
  readonly identityCenter?: IdentityCenterConfig;
}

export type { AccessMode, JustInTimeConfig, WorkloadJustInTimeConfig, AccessGroupConfig, GuardrailsConfig, IdentityCenterConfig, IdentityCenterGroupConfig, RemoteHostConfig, BastionConfig, ComplianceConfig, ConnectivityConfig, VpcEndpointsConfig, ForbiddenCommandConfig, IamUserConfig, LogArchiveConfig, SessionSettings, SubscriptionConfig };
