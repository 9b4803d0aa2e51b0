import type { AccessGroupConfig, ComplianceConfig, IamUserConfig, LogArchiveConfig, RawConfig, SessionSettings } from "./schema";
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
}

/** The validated, resolved config: the only thing stacks receive. */
export interface Config {
  readonly organizationId: string;
  readonly namePrefix: string;
  readonly logArchive: LogArchiveConfig;
  readonly workloads: readonly WorkloadConfig[];
  readonly deployment: RawConfig["deployment"];
  /** Thresholds and suppressions of the compliance rule pack. */
  readonly compliance: ComplianceConfig;
}

export type { AccessGroupConfig, ComplianceConfig, IamUserConfig, LogArchiveConfig, SessionSettings };
