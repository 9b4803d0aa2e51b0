import { validateConfig } from "../config/load";
import { logBucketName, sessionDocumentNames, sessionLogPrefix } from "../config/naming";
import { workloadSessionDocumentArns } from "../modules/policies/workload";
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
  terraformLiteral,
  type Synth,
} from "./helpers";

const config = exampleConfig();
const stacks = synthAll(config);
const payments: Synth = stacks["workload-payments"]; // eu-west-1 + eu-central-1
const analytics: Synth = stacks["workload-analytics"]; // us-east-1, adopts the existing document
const BUCKET = logBucketName("acme", "111111111111");

/**
 * Resources of a type created by the provider of one region (the first region's provider is the default), below
 * the construct path `under`: by default the region's Session Manager preferences (`session-<region>/`).
 */
function inRegion(stack: Synth, type: string, region: string, under = `session-${region}/`): Record<string, any>[] {
  const home = stack.provider.aws.find((p: any) => p.alias === undefined).region;
  const provider = region === home ? "aws" : `aws.${region}`;
  return resourcesOf(stack, type, under)
    .map(([, r]) => r)
    .filter((r) => r.provider === provider || (region === home && r.provider === undefined));
}

const keyRef = (stack: Synth, region: string): string => {
  const ids = resourcesOf(stack, "aws_kms_key").filter(([id]) => id.startsWith(`session-${region}_`));
  expect(ids).toHaveLength(1);
  return `\${aws_kms_key.${ids[0][0]}.arn}`;
};

describe("providers", () => {
  test("one per region, each refusing every account but the workload's, with default tags", () => {
    expect(payments.provider.aws).toEqual([
      {
        region: "eu-west-1",
        allowed_account_ids: ["222222222222"],
        default_tags: [{ tags: { ManagedBy: "session-manager-cdktf", Stack: "workload-payments", CostCenter: "platform-security" } }],
      },
      {
        alias: "eu-central-1",
        region: "eu-central-1",
        allowed_account_ids: ["222222222222"],
        default_tags: [{ tags: { ManagedBy: "session-manager-cdktf", Stack: "workload-payments", CostCenter: "platform-security" } }],
      },
    ]);
  });

  test("assume the configured role in the stack's own account", () => {
    const raw = exampleRaw();
    raw.deployment.assumeRole = { roleName: "OrganizationAccountAccessRole", externalId: "ext-123" };
    const synth = synthAll(validateConfig(raw));
    expect(synth["workload-analytics"].provider.aws[0].assume_role).toEqual([
      {
        role_arn: "arn:aws:iam::333333333333:role/OrganizationAccountAccessRole",
        session_name: "session-manager-cdktf",
        external_id: "ext-123",
      },
    ]);
    expect(synth["log-archive"].provider.aws[0].assume_role[0].role_arn).toBe(
      "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole",
    );
  });
});

describe("session key per region", () => {
  test.each(["eu-west-1", "eu-central-1"])("%s: rotating, 30-day window, prevent_destroy, alias", (region) => {
    const [key] = inRegion(payments, "aws_kms_key", region);
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30, lifecycle: { prevent_destroy: true } });
    const [alias] = inRegion(payments, "aws_kms_alias", region);
    expect(alias.name).toBe("alias/acme-session-manager");
  });

  test("lets CloudWatch Logs use it only for the session log group of its region", () => {
    const [key] = inRegion(payments, "aws_kms_key", "eu-central-1");
    const logs = statement(policyOf(key.policy), "CloudWatchLogsEncryptsSessionLogGroup");
    expect(logs.Principal).toEqual({ Service: "logs.eu-central-1.amazonaws.com" });
    expect(logs.Condition).toEqual({
      ArnEquals: {
        "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-central-1:222222222222:log-group:/acme/session-manager/sessions",
      },
    });
  });
});

describe("SSM-SessionManagerRunShell", () => {
  test.each([
    ["payments", "eu-west-1"],
    ["payments", "eu-central-1"],
    ["analytics", "us-east-1"],
  ])("%s/%s: a Standard_Stream session document with every preference", (workload, region) => {
    const stack = stacks[`workload-${workload}`];
    const account = config.workloads.find((w) => w.name === workload)!.accountId;
    const [doc] = inRegion(stack, "aws_ssm_document", region);
    expect(doc).toMatchObject({ name: "SSM-SessionManagerRunShell", document_type: "Session", document_format: "JSON" });
    const content = JSON.parse(terraformLiteral(doc.content));
    expect(content).toMatchObject({ schemaVersion: "1.0", sessionType: "Standard_Stream" });
    expect(content.inputs).toEqual({
      s3BucketName: BUCKET,
      s3KeyPrefix: `${account}/${region}`,
      s3EncryptionEnabled: true,
      cloudWatchLogGroupName: "/acme/session-manager/sessions",
      cloudWatchEncryptionEnabled: true,
      cloudWatchStreamingEnabled: true,
      kmsKeyId: keyRef(stack, region),
      runAsEnabled: true,
      runAsDefaultUser: "ssm-session",
      idleSessionTimeout: workload === "analytics" ? "15" : "20",
      maxSessionDuration: "60",
      shellProfile: { linux: "exec bash -l", windows: "" },
    });
  });

  test("its S3 prefix is the one the bucket policy lets this account write", () => {
    const [doc] = inRegion(payments, "aws_ssm_document", "eu-central-1");
    const prefix = JSON.parse(doc.content).inputs.s3KeyPrefix;
    expect(prefix).toBe(sessionLogPrefix("222222222222", "eu-central-1"));
    const bucketPolicy = policyOf(onlyResource(stacks["log-archive"], "aws_s3_bucket_policy", "log-bucket/").policy);
    const writable = statement(bucketPolicy, "OrganizationWritesOwnPrefix").Resource as string;
    const object = `arn:aws:s3:::${BUCKET}/${prefix}/i-0abc-session.log`;
    expect(arnMatches(writable, object, { "aws:PrincipalAccount": "222222222222" })).toBe(true);
    expect(arnMatches(writable, object, { "aws:PrincipalAccount": "333333333333" })).toBe(false);
  });

  test("encrypted log group with the configured retention, in every region", () => {
    for (const region of ["eu-west-1", "eu-central-1"]) {
      const [group] = inRegion(payments, "aws_cloudwatch_log_group", region);
      expect(group).toMatchObject({
        name: "/acme/session-manager/sessions",
        retention_in_days: 365,
        kms_key_id: keyRef(payments, region),
        lifecycle: { prevent_destroy: true },
      });
    }
    expect(inRegion(analytics, "aws_cloudwatch_log_group", "us-east-1")[0].retention_in_days).toBe(400);
  });

  test("without CloudWatch logging: no log group, no log-group permissions, empty group name", () => {
    const raw = exampleRaw();
    raw.sessionDefaults.cloudWatch.enabled = false;
    raw.observabilityDefaults.forbiddenCommands.enabled = false; // they filter the CloudWatch transcripts
    const stack = synthAll(validateConfig(raw))["workload-analytics"];
    expect(resourcesOf(stack, "aws_cloudwatch_log_group", "session-")).toEqual([]);
    const inputs = JSON.parse(onlyResource(stack, "aws_ssm_document").content).inputs;
    expect(inputs).toMatchObject({ cloudWatchLogGroupName: "", cloudWatchStreamingEnabled: false, s3EncryptionEnabled: true });
    const logging = policyOf(onlyResource(stack, "aws_iam_role_policy", "instance-role/session-logging").policy);
    expect(logging.Statement.flatMap((s) => asList(s.Action)).filter((a) => a.startsWith("logs:"))).toEqual([]);
    expect(policyOf(onlyResource(stack, "aws_kms_key", "session-").policy).Statement.map((s) => s.Sid)).toEqual(["AccountAdministersKey"]);
  });

  test("adopting an existing document emits an import block with the region's provider", () => {
    const [[docId]] = resourcesOf(analytics, "aws_ssm_document");
    expect(analytics.import).toEqual([
      { id: "SSM-SessionManagerRunShell", provider: "aws", to: `aws_ssm_document.${docId}` },
    ]);
    expect(payments.import).toBeUndefined();

    const raw = exampleRaw();
    raw.workloads[0].adoptExistingDocument = ["eu-central-1"];
    const stack = synthAll(validateConfig(raw))["workload-payments"];
    const central = resourcesOf(stack, "aws_ssm_document", "session-eu-central-1/")[0];
    expect(stack.import).toEqual([
      { id: "SSM-SessionManagerRunShell", provider: "aws.eu-central-1", to: `aws_ssm_document.${central[0]}` },
    ]);
  });
});

describe("tunnel documents", () => {
  const documents = (stack: Synth, region: string): Record<string, any> =>
    Object.fromEntries(resourcesOf(stack, "aws_ssm_document", `tunnels-${region}/`).map(([, d]) => [d.name, d]));
  const content = (d: Record<string, any>) => JSON.parse(terraformLiteral(d.content));

  test.each(["eu-west-1", "eu-central-1"])("%s: SSH and each forwarding group's document, Session of type Port", (region) => {
    const docs = documents(payments, region);
    expect(Object.keys(docs).sort()).toEqual(["acme-StartSSHSession", "acme-payments-developers-PortForwarding"]);
    for (const d of Object.values(docs)) {
      expect(d).toMatchObject({ document_type: "Session", document_format: "JSON" });
      // The home region's provider is the default one; every other region has its alias.
      expect(d.provider).toBe(region === "eu-west-1" ? "aws" : `aws.${region}`);
      expect(content(d)).toMatchObject({ schemaVersion: "1.0", sessionType: "Port" });
    }
  });

  test("SSH reaches sshd on the configured port and the bastion's 22 only", () => {
    const ssh = content(documents(payments, "eu-west-1")["acme-StartSSHSession"]);
    expect(ssh.parameters).toEqual({ portNumber: { type: "String", description: expect.any(String), allowedValues: ["22"], default: "22" } });
    expect(ssh.properties).toEqual({ portNumber: "{{ portNumber }}" });
    const raw = exampleRaw();
    raw.workloads[0].connectivity.ssh = { port: 2222 };
    const moved = content(documents(synthAll(validateConfig(raw))["workload-payments"], "eu-west-1")["acme-StartSSHSession"]);
    expect(moved.parameters.portNumber.allowedValues).toEqual(["22", "2222"]);
    expect(moved.parameters.portNumber).not.toHaveProperty("default");
  });

  test("a group forwards its own ports only; the local port stays free", () => {
    const forward = content(documents(payments, "eu-west-1")["acme-payments-developers-PortForwarding"]);
    expect(forward.parameters.portNumber).toMatchObject({ allowedValues: ["5432"], default: "5432" });
    expect(forward.parameters.localPortNumber).toMatchObject({ default: "0", allowedPattern: expect.stringMatching(/^\^.*\$$/) });
    expect(forward.parameters.localPortNumber).not.toHaveProperty("allowedValues");
    expect(forward.properties).toEqual({ portNumber: "{{ portNumber }}", type: "LocalPortForwarding", localPortNumber: "{{ localPortNumber }}" });
  });

  test("no group, no document: analytics neither tunnels nor gets a tunnel document", () => {
    expect(documents(analytics, "us-east-1")).toEqual({});
  });

  test("remote hosts only behind allowRemoteHostPortForwarding, per group, with host and port pinned", () => {
    const raw = exampleRaw();
    Object.assign(raw.workloads[0].accessGroups[0], {
      allowPortForwarding: true,
      portForwardingPorts: [8080, 443],
      allowRemoteHostPortForwarding: true,
      remoteHosts: [{ host: "db.internal.example.com", port: 5432 }, { host: "10.20.1.15", port: 5432 }],
    });
    const stack = synthAll(validateConfig(raw))["workload-payments"];
    const docs = documents(stack, "eu-central-1");
    expect(Object.keys(docs).sort()).toEqual([
      "acme-StartSSHSession",
      "acme-payments-developers-PortForwarding",
      "acme-payments-operators-PortForwarding",
      "acme-payments-operators-PortForwardingToRemoteHost",
    ]);
    expect(content(docs["acme-payments-operators-PortForwarding"]).parameters.portNumber.allowedValues).toEqual(["443", "8080"]);
    expect(content(docs["acme-payments-operators-PortForwarding"]).parameters.portNumber).not.toHaveProperty("default");
    const remote = content(docs["acme-payments-operators-PortForwardingToRemoteHost"]);
    expect(remote.parameters.host).toMatchObject({ allowedValues: ["10.20.1.15", "db.internal.example.com"] });
    expect(remote.parameters.host).not.toHaveProperty("default");
    expect(remote.parameters.portNumber).toMatchObject({ allowedValues: ["5432"] });
    expect(remote.properties).toEqual({ host: "{{ host }}", portNumber: "{{ portNumber }}", type: "LocalPortForwarding", localPortNumber: "{{ localPortNumber }}" });
    const policy = policyOf(resourcesOf(stack, "aws_iam_policy").find(([, p]) => p.name === "acme-payments-operators-session-access")![1].policy);
    expect(statement(policy, "StartSessionWithApprovedDocuments").Resource).toEqual(
      ["SSM-SessionManagerRunShell", "acme-payments-operators-PortForwarding", "acme-payments-operators-PortForwardingToRemoteHost"].flatMap((name) =>
        ["eu-west-1", "eu-central-1"].map((r) => `arn:aws:ssm:${r}:222222222222:document/${name}`),
      ),
    );
  });

  test("the helpers name every Session document of a workload, once, for the union of its groups", () => {
    const groups = exampleConfig().workloads[0].accessGroups;
    expect(sessionDocumentNames("acme", groups)).toEqual(["SSM-SessionManagerRunShell", "acme-StartSSHSession", "acme-payments-developers-PortForwarding"]);
    expect(workloadSessionDocumentArns("acme", "222222222222", ["eu-west-1"], groups)).toEqual([
      "arn:aws:ssm:eu-west-1:222222222222:document/SSM-SessionManagerRunShell",
      "arn:aws:ssm:eu-west-1:222222222222:document/acme-StartSSHSession",
      "arn:aws:ssm:eu-west-1:222222222222:document/acme-payments-developers-PortForwarding",
    ]);
    // What the stack creates is exactly that list, per region.
    const created = resourcesOf(payments, "aws_ssm_document").filter(([, d]) => d.document_type === "Session" && d.provider === "aws");
    expect(created.map(([, d]) => d.name).sort()).toEqual([...sessionDocumentNames("acme", groups)].sort());
  });
});

describe("instance role", () => {
  const role = onlyResource(payments, "aws_iam_role", "instance-role/");
  const logging = policyOf(onlyResource(payments, "aws_iam_role_policy", "instance-role/session-logging").policy);

  test("is trusted by EC2 only", () => {
    expect(policyOf(role.assume_role_policy)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "Ec2AssumesRole", Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
  });

  test("gets the agent's rights from AmazonSSMManagedEC2InstanceDefaultPolicy, never the broader managed policies", () => {
    const attached = resourcesOf(payments, "aws_iam_role_policy_attachment", "instance-role/").map(([, r]) => r.policy_arn);
    expect(attached).toEqual(["arn:aws:iam::aws:policy/AmazonSSMManagedEC2InstanceDefaultPolicy"]);
    expect(JSON.stringify(payments)).not.toContain("AmazonEC2RoleforSSM");
    // It would let every session read every parameter of the account.
    expect(JSON.stringify(payments)).not.toContain("AmazonSSMManagedInstanceCore");
  });

  test("trusts the log bucket by its owner, as an Allow condition and as a Deny", () => {
    for (const sid of ["WriteOwnTranscripts", "ReadLogBucketEncryption"]) {
      expect(statement(logging, sid).Condition).toEqual({ StringEquals: { "s3:ResourceAccount": "111111111111" } });
    }
    expect(statement(logging, "DenyLogBucketOfAnotherOwner")).toEqual({
      Sid: "DenyLogBucketOfAnotherOwner",
      Effect: "Deny",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::acme-session-logs-111111111111", "arn:aws:s3:::acme-session-logs-111111111111/*"],
      Condition: { StringNotEquals: { "s3:ResourceAccount": "111111111111" } },
    });
  });

  test("its credentials are denied from another VPC, and from outside the NAT gateways when they are listed", () => {
    const perimeter = policyOf(onlyResource(payments, "aws_iam_role_policy", "instance-role/credential-perimeter").policy);
    const fromInstance = { "ec2:SourceInstanceARN": "false" };
    expect(statement(perimeter, "DenyCredentialsFromAnotherVpc")).toMatchObject({
      Effect: "Deny",
      Action: "*",
      Condition: {
        StringNotEquals: { "aws:ec2InstanceSourceVPC": "${aws:SourceVpc}" },
        Null: fromInstance,
        BoolIfExists: { "aws:ViaAWSService": "false" },
      },
    });
    expect(statement(perimeter, "DenyCredentialsOutsideVpcAndNat").Condition).toEqual({
      Null: { ...fromInstance, "aws:SourceVpc": "true" },
      BoolIfExists: { "aws:ViaAWSService": "false" },
      NotIpAddress: { "aws:SourceIp": ["203.0.113.10/32", "203.0.113.11/32"] },
    });
    // Without the NAT addresses, only the VPC statement.
    const analyticsPerimeter = policyOf(onlyResource(analytics, "aws_iam_role_policy", "instance-role/credential-perimeter").policy);
    expect(analyticsPerimeter.Statement.map((s: any) => s.Sid)).toEqual(["DenyCredentialsFromAnotherVpc"]);
  });

  test("has an instance profile for the role", () => {
    const [[roleId]] = resourcesOf(payments, "aws_iam_role", "instance-role/");
    expect(onlyResource(payments, "aws_iam_instance_profile", "instance-role/")).toMatchObject({
      name: "acme-session-instance",
      role: `\${aws_iam_role.${roleId}.name}`,
    });
  });

  test("writes transcripts only under its own account and regions", () => {
    const write = statement(logging, "WriteOwnTranscripts");
    expect(write.Action).toEqual(["s3:PutObject", "s3:PutObjectAcl"]);
    expect(write.Resource).toEqual([
      `arn:aws:s3:::${BUCKET}/222222222222/eu-west-1/*`,
      `arn:aws:s3:::${BUCKET}/222222222222/eu-central-1/*`,
    ]);
    expect(statement(logging, "ReadLogBucketEncryption")).toMatchObject({
      Action: "s3:GetEncryptionConfiguration",
      Resource: `arn:aws:s3:::${BUCKET}`,
    });
  });

  test("uses the cross-account bucket key only through S3 for the log bucket", () => {
    expect(statement(logging, "UseLogKeyThroughS3")).toEqual({
      Sid: "UseLogKeyThroughS3",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: "arn:aws:kms:eu-west-1:111111111111:key/*",
      Condition: {
        StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" },
        StringLike: {
          "kms:EncryptionContext:aws:s3:arn": [
            `arn:aws:s3:::${BUCKET}`,
            `arn:aws:s3:::${BUCKET}/222222222222/eu-west-1/*`,
            `arn:aws:s3:::${BUCKET}/222222222222/eu-central-1/*`,
          ],
        },
      },
    });
  });

  test("decrypts with its regional session keys and writes only its own log groups", () => {
    expect(statement(logging, "DecryptSessionData")).toMatchObject({
      Action: "kms:Decrypt",
      Resource: [keyRef(payments, "eu-west-1"), keyRef(payments, "eu-central-1")],
    });
    expect(statement(logging, "WriteOwnLogGroup").Resource).toEqual([
      "arn:aws:logs:eu-west-1:222222222222:log-group:/acme/session-manager/sessions:*",
      "arn:aws:logs:eu-central-1:222222222222:log-group:/acme/session-manager/sessions:*",
    ]);
  });

  test("allows no wildcard actions (its only wildcard is a Deny)", () => {
    for (const a of logging.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => asList(s.Action))) expect(a).not.toMatch(/\*/);
  });
});

describe("access groups", () => {
  const policies = Object.fromEntries(resourcesOf(payments, "aws_iam_policy").map(([, r]) => [r.name, r]));
  const operators = policyOf(policies["acme-payments-operators-session-access"].policy);
  const developers = policyOf(policies["acme-payments-developers-session-access"].policy);

  test("one IAM group per access group, with the customer-managed policy attached", () => {
    const groups = resourcesOf(payments, "aws_iam_group").map(([id, r]) => [id, r.name]);
    expect(groups.map(([, n]) => n).sort()).toEqual(["acme-payments-developers", "acme-payments-operators"]);
    const attachments = resourcesOf(payments, "aws_iam_group_policy_attachment", "access-group-").map(([, r]) => r);
    expect(attachments).toHaveLength(2);
    for (const [id] of groups) {
      expect(attachments.some((a) => a.group === `\${aws_iam_group.${id}.name}`)).toBe(true);
    }
  });

  test("start sessions only on instances whose tags match, with the document check", () => {
    expect(statement(operators, "StartSessionOnTaggedInstances")).toEqual({
      Sid: "StartSessionOnTaggedInstances",
      Effect: "Allow",
      Action: "ssm:StartSession",
      Resource: ["arn:aws:ec2:eu-west-1:222222222222:instance/*", "arn:aws:ec2:eu-central-1:222222222222:instance/*"],
      Condition: {
        StringEquals: { "ssm:resourceTag/Environment": ["prod", "staging"], "ssm:resourceTag/Team": ["payments"] },
        BoolIfExists: { "ssm:SessionDocumentAccessCheck": "true" },
      },
    });
  });

  test("MFA: an explicit deny of sessions without it", () => {
    expect(statement(operators, "DenySessionsWithoutMfa")).toEqual({
      Sid: "DenySessionsWithoutMfa",
      Effect: "Deny",
      // Every action that reaches an instance, or ends a session: a command without MFA is as good as a shell.
      Action: [
        "ssm:StartSession",
        "ssm:ResumeSession",
        "ssm:TerminateSession",
        "ssm:SendCommand",
        "ssm:StartAutomationExecution",
        "ssm:CreateAssociation",
        "ssm:CreateAssociationBatch",
        "ssm:UpdateAssociation",
        "ec2-instance-connect:SendSSHPublicKey",
        "ec2-instance-connect:SendSerialConsoleSSHPublicKey",
      ],
      Resource: "*",
      Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } },
    });
  });

  test("a group with mfaRequired: false has no MFA deny", () => {
    const raw = exampleRaw();
    raw.workloads[1].accessGroups[0].mfaRequired = false;
    const stack = synthAll(validateConfig(raw))["workload-analytics"];
    const doc = policyOf(onlyResource(stack, "aws_iam_policy", "access-group-").policy);
    expect(doc.Statement.map((s) => s.Sid)).not.toContain("DenySessionsWithoutMfa");
  });

  test("only the audited document, unless SSH and port forwarding are allowed", () => {
    expect(statement(operators, "StartSessionWithApprovedDocuments").Resource).toEqual([
      "arn:aws:ssm:eu-west-1:222222222222:document/SSM-SessionManagerRunShell",
      "arn:aws:ssm:eu-central-1:222222222222:document/SSM-SessionManagerRunShell",
    ]);
    expect(statement(developers, "StartSessionWithApprovedDocuments").Resource).toEqual([
      "arn:aws:ssm:eu-west-1:222222222222:document/SSM-SessionManagerRunShell",
      "arn:aws:ssm:eu-central-1:222222222222:document/SSM-SessionManagerRunShell",
      "arn:aws:ssm:eu-west-1:222222222222:document/acme-StartSSHSession",
      "arn:aws:ssm:eu-central-1:222222222222:document/acme-StartSSHSession",
      "arn:aws:ssm:eu-west-1:222222222222:document/acme-payments-developers-PortForwarding",
      "arn:aws:ssm:eu-central-1:222222222222:document/acme-payments-developers-PortForwarding",
    ]);
    // Never AWS's own tunnel documents, which take any port (and host).
    for (const doc of [operators, developers]) {
      expect(doc.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => asList(s.Resource)).filter((r) => r.includes("::document/"))).toEqual([]);
    }
    expect(statement(developers, "StartSessionWithApprovedDocuments").Condition).toEqual({
      BoolIfExists: { "ssm:SessionDocumentAccessCheck": "true" },
    });
  });

  test("terminate and resume only their own sessions, by the owner tag AWS sets; open only their own data channels", () => {
    const raw: string = policies["acme-payments-operators-session-access"].policy;
    expect(raw).toContain('"$${aws:userid}"');
    expect(statement(operators, "ManageOwnSessions")).toEqual({
      Sid: "ManageOwnSessions",
      Effect: "Allow",
      Action: ["ssm:TerminateSession", "ssm:ResumeSession"],
      Resource: ["arn:aws:ssm:eu-west-1:222222222222:session/*", "arn:aws:ssm:eu-central-1:222222222222:session/*"],
      // Not a user-name prefix: alice.example would match alice.example-admin's sessions.
      Condition: { StringLike: { "ssm:resourceTag/aws:ssmmessages:session-id": "${aws:userid}" } },
    });
    expect(statement(operators, "OpenOwnDataChannels")).toEqual({
      Sid: "OpenOwnDataChannels",
      Effect: "Allow",
      Action: "ssmmessages:OpenDataChannel",
      Resource: ["arn:aws:ssm:eu-west-1:222222222222:session/${aws:userid}-*", "arn:aws:ssm:eu-central-1:222222222222:session/${aws:userid}-*"],
    });
  });

  test("generate data keys with the session keys, and describe read-only", () => {
    expect(statement(operators, "GenerateSessionDataKey")).toMatchObject({
      Action: "kms:GenerateDataKey",
      Resource: [keyRef(payments, "eu-west-1"), keyRef(payments, "eu-central-1")],
    });
    for (const a of asList(statement(operators, "DescribeSessionsAndInstances").Action)) {
      expect(a).toMatch(/^(ssm|ec2):(Describe|Get)/);
    }
  });

  test("explicitly deny changing the preferences document in every region", () => {
    expect(statement(operators, "DenyPreferencesDocumentChanges")).toEqual({
      Sid: "DenyPreferencesDocumentChanges",
      Effect: "Deny",
      Action: [
        "ssm:CreateDocument",
        "ssm:UpdateDocument",
        "ssm:DeleteDocument",
        "ssm:UpdateDocumentDefaultVersion",
        "ssm:ModifyDocumentPermission",
      ],
      Resource: [
        "arn:aws:ssm:*:222222222222:document/SSM-SessionManagerRunShell",
        "arn:aws:ssm:*:222222222222:document/acme-StartSSHSession",
        "arn:aws:ssm:*:222222222222:document/acme-*-PortForwarding*",
        "arn:aws:ssm:*:222222222222:document/acme-RemoveSsmUserSudo",
      ],
    });
    // The pattern covers every group's documents, including groups and documents that do not exist yet.
    const pattern = asList(statement(operators, "DenyPreferencesDocumentChanges").Resource)[2];
    for (const name of ["acme-payments-developers-PortForwarding", "acme-payments-operators-PortForwardingToRemoteHost"]) {
      expect(arnMatches(pattern, `arn:aws:ssm:eu-west-1:222222222222:document/${name}`)).toBe(true);
    }
  });

  test("allow nothing beyond sessions, descriptions and the session data key", () => {
    const allowed = new Set(operators.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => asList(s.Action)));
    expect([...allowed].sort()).toEqual([
      "ec2:DescribeInstances",
      "kms:GenerateDataKey",
      "ssm:DescribeInstanceInformation",
      "ssm:DescribeInstanceProperties",
      "ssm:DescribeSessions",
      "ssm:GetConnectionStatus",
      "ssm:ResumeSession",
      "ssm:StartSession",
      "ssm:TerminateSession",
      "ssmmessages:OpenDataChannel",
    ]);
  });
});

describe("IAM limits", () => {
  test("a group whose policy would exceed IAM's 6,144 characters stops the synth with the group's name", () => {
    const raw = exampleRaw();
    raw.workloads[0].regions = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3",
      "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "ap-south-1", "ap-south-2",
      "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "sa-east-1"];
    expect(() => synthAll(validateConfig(raw))).toThrow(
      /access group acme-payments-operators: its policy would be about \d+ characters, over IAM's 6144/,
    );
  });

  test("the example's largest policy fits, with room to spare", () => {
    // Tunnel documents are named per region (about 65 characters each): a group with SSH and port forwarding
    // grows fastest, and still leaves room for more regions here.
    for (const [, p] of resourcesOf(payments, "aws_iam_policy")) {
      expect(JSON.stringify(policyOf(p.policy)).length).toBeLessThan((6144 * 2) / 3);
    }
  });
});

describe("outputs", () => {
  test("the instance profile and the access policies, for attaching to instances and permission sets", () => {
    expect(Object.keys(payments.output).sort()).toEqual(["access-policy-arns", "alert-topic-arns", "instance-profile-name"]);
    expect(payments.output["alert-topic-arns"].value).toEqual({
      "eu-central-1": `\${aws_sns_topic.${resourcesOf(payments, "aws_sns_topic", "monitoring-eu-central-1/")[0][0]}.arn}`,
      "eu-west-1": `\${aws_sns_topic.${resourcesOf(payments, "aws_sns_topic", "monitoring-eu-west-1/")[0][0]}.arn}`,
    });
    expect(Object.keys(stacks["log-archive"].output).sort()).toEqual(["access-log-bucket-name", "log-bucket-name", "log-key-arn"]);
  });
});

describe("IAM users", () => {
  test("carry the Run As tag, belong to their groups and have no keys or policies of their own", () => {
    const users = resourcesOf(payments, "aws_iam_user").map(([, r]) => r);
    expect(users.map((u) => [u.name, u.tags])).toEqual([
      ["alice.example", { SSMSessionRunAs: "alice" }],
      ["bob.example", { SSMSessionRunAs: "bob" }],
    ]);
    const groupIds = Object.fromEntries(resourcesOf(payments, "aws_iam_group").map(([id, r]) => [r.name, id]));
    const memberships = resourcesOf(payments, "aws_iam_user_group_membership").map(([, r]) => r.groups);
    expect(memberships).toEqual([
      [`\${aws_iam_group.${groupIds["acme-payments-operators"]}.name}`],
      [`\${aws_iam_group.${groupIds["acme-payments-developers"]}.name}`],
    ]);
    for (const type of ["aws_iam_access_key", "aws_iam_user_policy", "aws_iam_user_policy_attachment"]) {
      expect(resourcesOf(payments, type)).toEqual([]);
    }
  });
});

describe("a second organization: three workloads, two regions each", () => {
  const raw = exampleRaw();
  delete raw.justInTime; // its rules name the example's just-in-time workload
  raw.workloads = ["alpha", "beta", "gamma"].map((name, i) => ({
    name,
    accountId: `44444444444${i}`,
    regions: ["us-east-1", "ap-southeast-2"],
    accessGroups: [{ name: "ops", instanceTags: { Workload: [name] } }],
  }));
  const synth = synthAll(validateConfig(raw));

  test("a stack per account, each with a document and key per region and its own account guard", () => {
    expect(Object.keys(synth).sort()).toEqual(["log-archive", "workload-alpha", "workload-beta", "workload-gamma"]);
    ["alpha", "beta", "gamma"].forEach((name, i) => {
      const stack = synth[`workload-${name}`];
      expect(stack.provider.aws.map((p: any) => p.allowed_account_ids)).toEqual([[`44444444444${i}`], [`44444444444${i}`]]);
      for (const region of ["us-east-1", "ap-southeast-2"]) {
        const [doc] = inRegion(stack, "aws_ssm_document", region);
        expect(JSON.parse(doc.content).inputs.s3KeyPrefix).toBe(`44444444444${i}/${region}`);
        expect(inRegion(stack, "aws_kms_key", region)).toHaveLength(1);
      }
    });
  });
});

describe("backends", () => {
  const withBackend = (backend: Record<string, unknown>) => {
    const raw = exampleRaw();
    raw.deployment.backend = backend;
    return synthAll(validateConfig(raw));
  };

  test("local by default, at a relative path so the output is the same on every machine", () => {
    expect(payments.terraform.backend).toEqual({ local: { path: "../../../terraform.workload-payments.tfstate" } });
  });

  test("S3: one encrypted, locked state object per stack", () => {
    const synth = withBackend({ type: "s3", bucket: "acme-tf-state", region: "eu-west-1" });
    for (const stack of ["log-archive", "workload-payments", "workload-analytics"]) {
      expect(synth[stack].terraform.backend).toEqual({
        s3: {
          bucket: "acme-tf-state",
          key: `session-manager/${stack}.tfstate`,
          region: "eu-west-1",
          encrypt: true,
          use_lockfile: true,
        },
      });
    }
  });

  test("HCP Terraform: one named workspace per stack", () => {
    const synth = withBackend({ type: "cloud", organization: "acme" });
    expect(synth["log-archive"].terraform.cloud).toEqual({
      hostname: "app.terraform.io",
      organization: "acme",
      workspaces: { name: "acme-log-archive" },
    });
    expect(synth["workload-analytics"].terraform.cloud.workspaces).toEqual({ name: "acme-workload-analytics" });
    const prefixed = withBackend({ type: "cloud", organization: "acme", workspacePrefix: "sessions-" });
    expect(prefixed["workload-payments"].terraform.cloud.workspaces).toEqual({ name: "sessions-workload-payments" });
  });
});
