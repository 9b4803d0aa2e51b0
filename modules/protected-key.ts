import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import type { PolicyDocument } from "./policies/iam";
import { toTerraformJson } from "./terraform-json";

/** Longest deletion window KMS allows: a key scheduled for deletion by mistake can be rescued for 30 days. */
export const KEY_DELETION_WINDOW_DAYS = 30;

export interface ProtectedKeyProps {
  /** What the key protects, shown in the KMS console. */
  readonly description: string;
  /** Alias such as `alias/acme-session-logs`. */
  readonly alias: string;
  /** The key policy. */
  readonly policy: PolicyDocument;
  /** Provider of the key's region. @default the stack's default provider */
  readonly provider?: TerraformProvider;
  /** Tags of the key, beyond the deployment's default tags. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A customer-managed KMS key for audit data: rotation on, the longest deletion window, `prevent_destroy`, an alias.
 */
export class ProtectedKey extends Construct {
  public readonly keyArn: string;
  /** The key id (a reference): KMS API calls and their CloudTrail records name a key by id or by ARN. */
  public readonly keyId: string;

  constructor(scope: Construct, id: string, props: ProtectedKeyProps) {
    super(scope, id);
    const key = new KmsKey(this, "key", {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
      policy: toTerraformJson(props.policy),
      provider: props.provider,
      ...(props.tags === undefined ? {} : { tags: { ...props.tags } }),
      lifecycle: { preventDestroy: true },
    });
    new KmsAlias(this, "alias", {
      name: props.alias,
      targetKeyId: key.keyId,
      provider: props.provider,
    });
    this.keyArn = key.arn;
    this.keyId = key.keyId;
  }
}
