import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { SsmDocument } from "@cdktf/provider-aws/lib/ssm-document";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { PREFERENCES_DOCUMENT, sessionKeyAlias, sessionLogGroupName, sessionLogPrefix } from "../config/naming";
import type { SessionSettings } from "../config/types";
import { JIT_MANAGED_TAG, sessionKeyPolicy } from "./policies/workload";
import { importExisting } from "./import-block";
import { ProtectedKey } from "./protected-key";
import { toTerraformJson } from "./terraform-json";

/** The `inputs` of a Standard_Stream session document, with the JSON types Session Manager expects. */
export interface SessionDocumentInputs {
  readonly s3BucketName: string;
  readonly s3KeyPrefix: string;
  readonly s3EncryptionEnabled: boolean;
  readonly cloudWatchLogGroupName: string;
  readonly cloudWatchEncryptionEnabled: boolean;
  readonly cloudWatchStreamingEnabled: boolean;
  readonly kmsKeyId: string;
  readonly runAsEnabled: boolean;
  readonly runAsDefaultUser: string;
  /** Minutes, as a string. */
  readonly idleSessionTimeout: string;
  /** Minutes, as a string. */
  readonly maxSessionDuration: string;
  readonly shellProfile: { readonly windows: string; readonly linux: string };
}

export interface SessionDocumentContent {
  readonly schemaVersion: "1.0";
  readonly description: string;
  readonly sessionType: "Standard_Stream";
  readonly inputs: SessionDocumentInputs;
}

/** Builds the preferences document. Pure, so tests and later tooling read exactly what is deployed. */
export function sessionDocumentContent(p: {
  readonly accountId: string;
  readonly region: string;
  readonly bucketName: string;
  readonly sessionKeyArn: string;
  readonly logGroupName?: string;
  readonly settings: SessionSettings;
}): SessionDocumentContent {
  const s = p.settings;
  return {
    schemaVersion: "1.0",
    description: "Session Manager preferences, managed by session-manager-cdktf. Changes are denied to session users.",
    sessionType: "Standard_Stream",
    inputs: {
      s3BucketName: p.bucketName,
      s3KeyPrefix: sessionLogPrefix(p.accountId, p.region),
      s3EncryptionEnabled: true,
      cloudWatchLogGroupName: p.logGroupName ?? "",
      // Stays true without a log group: it is ignored then, and scanners (Checkov CKV_AWS_113) read the flag.
      cloudWatchEncryptionEnabled: true,
      cloudWatchStreamingEnabled: p.logGroupName !== undefined && s.cloudWatch.streaming,
      kmsKeyId: p.sessionKeyArn,
      runAsEnabled: s.runAs.enabled,
      runAsDefaultUser: s.runAs.defaultUser,
      idleSessionTimeout: String(s.idleTimeoutMinutes),
      maxSessionDuration: String(s.maxSessionDurationMinutes),
      shellProfile: { windows: s.shellProfile.windows, linux: s.shellProfile.linux },
    },
  };
}

export interface SessionPreferencesProps {
  readonly namePrefix: string;
  readonly accountId: string;
  readonly region: string;
  readonly provider: TerraformProvider;
  /** The log-archive bucket, by name: the workload stack does not read the log-archive stack's state. */
  readonly bucketName: string;
  readonly settings: SessionSettings;
  /** Import the document the account already has instead of creating it (avoids DocumentAlreadyExists). */
  readonly adoptExistingDocument: boolean;
  /**
   * The account is in just-in-time mode: the session key carries the tag without which the just-in-time token
   * policy may not generate data keys with it. @default false
   */
  readonly justInTime?: boolean;
}

/**
 * Session Manager in one region: the session key, the encrypted transcript log group, and the
 * `SSM-SessionManagerRunShell` preferences document that points sessions at them and at the log-archive bucket.
 */
export class SessionPreferences extends Construct {
  public readonly region: string;
  public readonly sessionKeyArn: string;
  /** The session key's id (a reference). */
  public readonly sessionKeyId: string;
  /** The CloudWatch log group name, when CloudWatch logging is on. */
  public readonly logGroupName?: string;
  /** The same name as a reference to the log group, for resources that must be created after it. */
  public readonly logGroupNameRef?: string;

  constructor(scope: Construct, id: string, props: SessionPreferencesProps) {
    super(scope, id);
    const { settings, provider } = props;
    this.region = props.region;
    this.logGroupName = settings.cloudWatch.enabled ? sessionLogGroupName(props.namePrefix) : undefined;

    const key = new ProtectedKey(this, "session-key", {
      description: `Session Manager session encryption and transcript log group, ${props.region}`,
      alias: sessionKeyAlias(props.namePrefix),
      policy: sessionKeyPolicy({ accountId: props.accountId, region: props.region, logGroupName: this.logGroupName }),
      provider,
      tags: props.justInTime === true ? JIT_MANAGED_TAG : undefined,
    });
    this.sessionKeyArn = key.keyArn;
    this.sessionKeyId = key.keyId;

    if (this.logGroupName !== undefined) {
      const logGroup = new CloudwatchLogGroup(this, "log-group", {
        name: this.logGroupName,
        retentionInDays: settings.cloudWatch.retentionDays,
        kmsKeyId: key.keyArn,
        provider,
        lifecycle: { preventDestroy: true },
      });
      this.logGroupNameRef = logGroup.name;
    }

    const content = sessionDocumentContent({
      accountId: props.accountId,
      region: props.region,
      bucketName: props.bucketName,
      sessionKeyArn: key.keyArn,
      logGroupName: this.logGroupName,
      settings,
    });
    const document = new SsmDocument(this, "preferences", {
      name: PREFERENCES_DOCUMENT,
      documentType: "Session",
      documentFormat: "JSON",
      content: toTerraformJson(content),
      provider,
    });
    if (props.adoptExistingDocument) importExisting(document, PREFERENCES_DOCUMENT, provider);
  }
}
