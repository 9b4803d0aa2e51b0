import type { PolicyDocument } from "./iam";
import { instanceLoggingPolicy, serviceTrustPolicy, type LogDestination, type SessionRegion } from "./workload";

/** The managed policy AWS documents for the Default Host Management role: the agent's core rights, no S3, no KMS. */
export const DEFAULT_HOST_MANAGED_POLICY = "AmazonSSMManagedEC2InstanceDefaultPolicy";

/**
 * Trust policy of the Default Host Management role: Systems Manager only, which hands the role's credentials to
 * instances without an instance profile. AWS documents no aws:SourceAccount or aws:SourceArn condition for this
 * role (unlike the hybrid activation role), so none is added: one that SSM does not send would lock every such
 * instance out.
 */
export const defaultHostTrustPolicy = (): PolicyDocument => serviceTrustPolicy("SsmAssumesRole", "ssm.amazonaws.com");

/**
 * What the agent needs, beyond the managed policy, to encrypt and log sessions: exactly the instance role's grants,
 * so an instance logs the same way whether it has the instance profile or only Default Host Management.
 */
export function defaultHostLoggingPolicy(
  accountId: string,
  logs: LogDestination,
  regions: readonly SessionRegion[],
): PolicyDocument {
  return instanceLoggingPolicy(accountId, logs, regions);
}
