import { validateConfig } from "../config/load";
import { accountLogPrefix, IAM_VAR, logBucketName, sessionLogPrefix } from "../config/naming";
import {
  arnMatches,
  asList,
  exampleConfig,
  exampleRaw,
  onlyResource,
  policyOf,
  resourcesOf,
  statement,
  synthAll,
  type Synth,
} from "./helpers";

const config = exampleConfig();
const stack: Synth = synthAll(config)["log-archive"];
const BUCKET = "acme-session-logs-111111111111";
const ORG = "o-a1b2c3d4e5";
/** The roles that write transcripts, in any account of the organization. */
const WRITERS = [
  "arn:aws:iam::*:role/session-manager/acme-session-instance",
  "arn:aws:iam::*:role/session-manager/acme-session-bastion",
  "arn:aws:iam::*:role/service-role/acme-session-default-host",
];
const LOG_ACCOUNT = "111111111111";

describe("log-archive KMS key", () => {
  const key = onlyResource(stack, "aws_kms_key");
  const keyPolicy = policyOf(key.policy);

  test("rotates, has a 30-day deletion window and cannot be destroyed by Terraform", () => {
    expect(key.enable_key_rotation).toBe(true);
    expect(key.deletion_window_in_days).toBe(30);
    expect(key.lifecycle).toEqual({ prevent_destroy: true });
  });

  test("has an alias derived from the prefix", () => {
    expect(onlyResource(stack, "aws_kms_alias").name).toBe("alias/acme-session-logs");
  });

  test("only the log account administers it", () => {
    const admin = statement(keyPolicy, "LogAccountAdministersKey");
    expect(admin).toMatchObject({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${LOG_ACCOUNT}:root` }, Action: "kms:*" });
    const otherAllows = keyPolicy.Statement.filter((s) => s.Effect === "Allow" && s.Sid !== "LogAccountAdministersKey");
    for (const s of otherAllows) {
      for (const a of asList(s.Action)) expect(["kms:GenerateDataKey", "kms:Decrypt"]).toContain(a);
    }
  });

  test("the organization uses it only through S3 in the bucket's region, for this bucket", () => {
    const use = statement(keyPolicy, "OrganizationWritesThroughS3");
    expect(use.Principal).toEqual({ AWS: "*" });
    expect(use.Condition).toEqual({
      StringEquals: { "aws:PrincipalOrgID": ORG, "kms:ViaService": "s3.eu-west-1.amazonaws.com" },
      StringLike: {
        "kms:EncryptionContext:aws:s3:arn": [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/\${aws:PrincipalAccount}/*`],
      },
      // Only this project's roles, in whichever organization account: the same list as the bucket policy's.
      ArnLike: { "aws:PrincipalArn": WRITERS },
    });
  });

  test("no wildcard principal goes without an organization condition", () => {
    for (const s of keyPolicy.Statement) {
      const wildcard = s.Principal === "*" || (typeof s.Principal === "object" && asList(s.Principal.AWS).includes("*"));
      if (wildcard && s.Effect === "Allow") expect(s.Condition?.StringEquals?.["aws:PrincipalOrgID"]).toBe(ORG);
    }
  });
});

describe("log-archive bucket", () => {
  const bucket = onlyResource(stack, "aws_s3_bucket", "log-bucket/");

  test("has the name every workload derives, and nothing can empty or destroy it", () => {
    expect(bucket.bucket).toBe(logBucketName("acme", LOG_ACCOUNT));
    expect(bucket.force_destroy).toBe(false);
    expect(bucket.lifecycle).toEqual({ prevent_destroy: true });
  });

  test("is SSE-KMS with the log key and a bucket key", () => {
    const [keyId] = resourcesOf(stack, "aws_kms_key")[0];
    const sse = onlyResource(stack, "aws_s3_bucket_server_side_encryption_configuration", "log-bucket/");
    expect(sse.rule).toEqual([
      {
        apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: `\${aws_kms_key.${keyId}.arn}` },
        bucket_key_enabled: true,
      },
    ]);
  });

  test("is versioned, private and owner-enforced", () => {
    expect(onlyResource(stack, "aws_s3_bucket_versioning", "log-bucket/").versioning_configuration).toEqual({ status: "Enabled" });
    expect(onlyResource(stack, "aws_s3_bucket_public_access_block", "log-bucket/")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(onlyResource(stack, "aws_s3_bucket_ownership_controls", "log-bucket/").rule).toEqual({ object_ownership: "BucketOwnerEnforced" });
  });

  test("archives and expires transcripts on the configured schedule, old versions included", () => {
    const [rule] = onlyResource(stack, "aws_s3_bucket_lifecycle_configuration", "log-bucket/").rule;
    expect(rule).toMatchObject({
      status: "Enabled",
      transition: [{ days: 90, storage_class: "GLACIER" }],
      expiration: [{ days: 400 }],
      noncurrent_version_expiration: [{ noncurrent_days: 400 }],
      abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
    });
  });

  test("Object Lock follows the config, defaults to GOVERNANCE for the retention, and is absent when turned off", () => {
    expect(bucket.object_lock_enabled).toBe(true);
    expect(onlyResource(stack, "aws_s3_bucket_object_lock_configuration", "log-bucket/").rule).toEqual({
      default_retention: { mode: "GOVERNANCE", days: 365 },
    });
    const raw = exampleRaw();
    delete raw.logArchive.objectLock;
    const byDefault = synthAll(validateConfig(raw))["log-archive"];
    expect(onlyResource(byDefault, "aws_s3_bucket", "log-bucket/").object_lock_enabled).toBe(true);
    expect(onlyResource(byDefault, "aws_s3_bucket_object_lock_configuration").rule).toEqual({
      default_retention: { mode: "GOVERNANCE", days: 400 },
    });
    raw.logArchive.objectLock = false;
    const unlocked = synthAll(validateConfig(raw))["log-archive"];
    expect(onlyResource(unlocked, "aws_s3_bucket", "log-bucket/").object_lock_enabled).toBeUndefined();
    expect(resourcesOf(unlocked, "aws_s3_bucket_object_lock_configuration")).toEqual([]);
  });
});

describe("log-archive bucket policy", () => {
  const doc = policyOf(onlyResource(stack, "aws_s3_bucket_policy", "log-bucket/").policy);
  const ownPrefix = statement(doc, "OrganizationWritesOwnPrefix");

  test("denies every request without TLS", () => {
    expect(statement(doc, "DenyInsecureTransport")).toEqual({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  test("lets the organization read the encryption configuration, on the bucket only", () => {
    expect(statement(doc, "OrganizationReadsEncryptionConfiguration")).toMatchObject({
      Effect: "Allow",
      Action: "s3:GetEncryptionConfiguration",
      Resource: `arn:aws:s3:::${BUCKET}`,
      Condition: { StringEquals: { "aws:PrincipalOrgID": ORG } },
    });
  });

  test("lets organization accounts write only under their own account prefix", () => {
    expect(ownPrefix).toMatchObject({
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:PutObjectAcl"],
      Condition: { StringEquals: { "aws:PrincipalOrgID": ORG } },
    });
    expect(ownPrefix.Resource).toBe(`arn:aws:s3:::${BUCKET}/${accountLogPrefix(IAM_VAR.principalAccount)}/*`);
  });

  test("account A cannot write into account B's logs", () => {
    const a = "222222222222";
    const b = "333333333333";
    const objectOf = (account: string) => `arn:aws:s3:::${BUCKET}/${sessionLogPrefix(account, "us-east-1")}/session-1.log`;
    const resource = ownPrefix.Resource as string;
    expect(arnMatches(resource, objectOf(a), { "aws:PrincipalAccount": a })).toBe(true);
    expect(arnMatches(resource, objectOf(b), { "aws:PrincipalAccount": a })).toBe(false);
    expect(arnMatches(resource, `arn:aws:s3:::${BUCKET}/top-level.log`, { "aws:PrincipalAccount": a })).toBe(false);

    // And an explicit deny covers everything outside the caller's prefix for every account but the log account.
    const deny = statement(doc, "DenyWritesOutsideOwnPrefix");
    expect(deny).toMatchObject({
      Effect: "Deny",
      Principal: "*",
      NotResource: resource,
      Condition: { StringNotEquals: { "aws:PrincipalAccount": LOG_ACCOUNT } },
    });
    expect(asList(deny.Action)).toEqual(expect.arrayContaining(["s3:PutObject", "s3:PutObjectAcl"]));
  });

  test("grants no other account reads, deletes or policy changes", () => {
    const allowed = doc.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => asList(s.Action));
    expect(allowed.sort()).toEqual(["s3:GetEncryptionConfiguration", "s3:PutObject", "s3:PutObjectAcl"]);
    const deny = statement(doc, "DenyOtherAccountsReadDeleteAdminister");
    expect(deny).toMatchObject({
      Effect: "Deny",
      Principal: "*",
      Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
      Condition: { StringNotEquals: { "aws:PrincipalAccount": LOG_ACCOUNT } },
    });
    // Everything but what writers need: a list of what is allowed cannot miss an action S3 adds later.
    expect(deny.Action).toBeUndefined();
    expect(asList(deny.NotAction).sort()).toEqual(["s3:GetEncryptionConfiguration", "s3:PutObject", "s3:PutObjectAcl"]);
  });

  test("only this project's roles write, in the bucket policy's Allow and as a Deny", () => {
    expect(statement(doc, "OrganizationWritesOwnPrefix").Condition).toEqual({
      StringEquals: { "aws:PrincipalOrgID": ORG },
      ArnLike: { "aws:PrincipalArn": WRITERS },
    });
    expect(statement(doc, "DenyWritesByOtherPrincipals")).toEqual({
      Sid: "DenyWritesByOtherPrincipals",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:PutObject", "s3:PutObjectAcl"],
      Resource: `arn:aws:s3:::${BUCKET}/*`,
      Condition: { StringNotEquals: { "aws:PrincipalAccount": LOG_ACCOUNT }, ArnNotLike: { "aws:PrincipalArn": WRITERS } },
    });
  });

  test("writers cannot name a KMS key other than the log key", () => {
    const [keyId] = resourcesOf(stack, "aws_kms_key")[0];
    expect(statement(doc, "DenyWritesWithAnotherKey")).toEqual({
      Sid: "DenyWritesWithAnotherKey",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: `arn:aws:s3:::${BUCKET}/*`,
      Condition: {
        StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": `\${aws_kms_key.${keyId}.arn}` },
        Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
      },
    });
  });

  test("writers cannot bypass the log key with SSE-C, another algorithm, or aws:kms without a key id", () => {
    const deny = (Sid: string, Condition: Record<string, unknown>) => ({ Sid, Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: `arn:aws:s3:::${BUCKET}/*`, Condition });
    expect(statement(doc, "DenyWritesWithCustomerKeys")).toEqual(
      deny("DenyWritesWithCustomerKeys", { Null: { "s3:x-amz-server-side-encryption-customer-algorithm": "false" } }),
    );
    expect(statement(doc, "DenyWritesWithOtherEncryption")).toEqual(
      deny("DenyWritesWithOtherEncryption", {
        StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
        Null: { "s3:x-amz-server-side-encryption": "false" },
      }),
    );
    expect(statement(doc, "DenyKmsWritesWithoutTheKey")).toEqual(
      deny("DenyKmsWritesWithoutTheKey", {
        StringEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
        Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "true" },
      }),
    );
  });

  test("every Allow to a wildcard principal is limited to the organization", () => {
    for (const s of doc.Statement.filter((st) => st.Effect === "Allow")) {
      expect(s.Principal).toEqual({ AWS: "*" });
      expect(s.Condition?.StringEquals?.["aws:PrincipalOrgID"]).toBe(ORG);
    }
  });

  test("the final policy text carries ${aws:PrincipalAccount}, escaped for Terraform in the synthesized JSON", () => {
    const raw: string = onlyResource(stack, "aws_s3_bucket_policy", "log-bucket/").policy;
    expect(raw).toContain("$${aws:PrincipalAccount}");
    expect(raw).not.toMatch(/(?<!\$)\$\{aws:/);
  });
});

describe("log-archive provider", () => {
  test("refuses any account but the log archive and tags everything", () => {
    expect(stack.provider.aws).toEqual([
      {
        region: "eu-west-1",
        allowed_account_ids: [LOG_ACCOUNT],
        default_tags: [{ tags: { ManagedBy: "session-manager-cdktf", Stack: "log-archive", CostCenter: "platform-security" } }],
      },
    ]);
  });
});

describe("server access logs of the transcript bucket", () => {
  const ACCESS_LOGS = "acme-session-access-logs-111111111111";
  const [[bucketId, bucket]] = resourcesOf(stack, "aws_s3_bucket", "access-log-bucket/");
  const [[transcriptId]] = resourcesOf(stack, "aws_s3_bucket", "log-bucket/");
  const doc = policyOf(onlyResource(stack, "aws_s3_bucket_policy", "access-log-bucket/").policy);

  test("the transcript bucket logs every request into the access-log bucket, under its own name, owner checked", () => {
    expect(onlyResource(stack, "aws_s3_bucket_logging")).toMatchObject({
      bucket: `\${aws_s3_bucket.${transcriptId}.id}`,
      expected_bucket_owner: LOG_ACCOUNT,
      target_bucket: `\${aws_s3_bucket.${bucketId}.bucket}`,
      target_prefix: `${BUCKET}/`,
    });
    expect(stack.output["access-log-bucket-name"].value).toBe(`\${aws_s3_bucket.${bucketId}.bucket}`);
  });

  test("a bucket of the log account, which nothing can empty or destroy", () => {
    expect(bucket.bucket).toBe(ACCESS_LOGS);
    expect(bucket.force_destroy).toBe(false);
    expect(bucket.lifecycle).toEqual({ prevent_destroy: true });
  });

  test("versioned, private, owner-enforced; SSE-S3 and no Object Lock, the only setup S3 delivers access logs to", () => {
    expect(onlyResource(stack, "aws_s3_bucket_versioning", "access-log-bucket/").versioning_configuration).toEqual({ status: "Enabled" });
    expect(onlyResource(stack, "aws_s3_bucket_public_access_block", "access-log-bucket/")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(onlyResource(stack, "aws_s3_bucket_ownership_controls", "access-log-bucket/").rule).toEqual({ object_ownership: "BucketOwnerEnforced" });
    expect(onlyResource(stack, "aws_s3_bucket_server_side_encryption_configuration", "access-log-bucket/").rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } },
    ]);
    expect(bucket.object_lock_enabled).toBeUndefined();
    expect(resourcesOf(stack, "aws_s3_bucket_object_lock_configuration", "access-log-bucket/")).toEqual([]);
  });

  test("records expire with the transcripts' retention, overwritten versions included", () => {
    const [rule] = onlyResource(stack, "aws_s3_bucket_lifecycle_configuration", "access-log-bucket/").rule;
    expect(rule).toMatchObject({
      status: "Enabled",
      expiration: [{ days: 400 }],
      noncurrent_version_expiration: [{ noncurrent_days: 400 }],
    });
  });

  test("only S3 log delivery writes, only under the prefix, only for the transcript bucket of the log account", () => {
    expect(statement(doc, "S3ServerAccessLogDelivery")).toEqual({
      Sid: "S3ServerAccessLogDelivery",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `arn:aws:s3:::${ACCESS_LOGS}/${BUCKET}/*`,
      Condition: { ArnEquals: { "aws:SourceArn": `arn:aws:s3:::${BUCKET}` }, StringEquals: { "aws:SourceAccount": LOG_ACCOUNT } },
    });
    expect(doc.Statement.filter((s) => s.Effect === "Allow").map((s) => s.Sid)).toEqual(["S3ServerAccessLogDelivery"]);
  });

  test("denies requests without TLS, and deletes or re-configuration to every other account", () => {
    expect(statement(doc, "DenyInsecureTransport")).toMatchObject({
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [`arn:aws:s3:::${ACCESS_LOGS}`, `arn:aws:s3:::${ACCESS_LOGS}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    const deny = statement(doc, "DenyOtherAccountsDeleteAdminister");
    expect(deny).toMatchObject({ Effect: "Deny", Principal: "*", Condition: { StringNotEquals: { "aws:PrincipalAccount": LOG_ACCOUNT } } });
    expect(deny.Action).toEqual(expect.arrayContaining(["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutBucketPolicy", "s3:PutLifecycleConfiguration", "s3:DeleteBucket"]));
  });
});
