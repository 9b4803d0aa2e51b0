import type { PolicyDocument } from "./iam";
import { serviceTrustPolicy } from "./workload";

/** The managed policy AWS documents for the Default Host Management role: the agent's core rights, no S3, no KMS. */
export const DEFAULT_HOST_MANAGED_POLICY = "AmazonSSMManagedEC2InstanceDefaultPolicy";

/**
 * Trust policy of the Default Host Management role: Systems Manager only, which hands the role's credentials to
 * instances without an instance profile. AWS documents no aws:SourceAccount or aws:SourceArn condition for this
 * role (unlike the hybrid activation role), so none is added: one that SSM does not send would lock every such
 * instance out.
 */
export const defaultHostTrustPolicy = (): PolicyDocument => serviceTrustPolicy("SsmAssumesRole", "ssm.amazonaws.com");
