import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lintPolicy } from "../review/lint";
import { evaluateTemplate, loadSynthesizedStacks, resolveStack, type ResolvedPolicy } from "../review/resolve";
import { exampleConfig, synthAll } from "./helpers";

const payments = synthAll(exampleConfig())["workload-payments"];
const copy = (): Record<string, any> => JSON.parse(JSON.stringify(payments));
const firstOf = (tf: Record<string, any>, type: string): Record<string, any> => Object.values(tf.resource[type])[0] as Record<string, any>;

describe("policy resolution", () => {
  const stack = resolveStack("workload-payments", payments);

  test("references become ARNs of the stack's account and region; escapes become IAM variables", () => {
    const logging = stack.roles.find((r) => r.name === "acme-session-instance")!.policies.find((p) => p.name === "session-logging")!;
    const decrypt = (logging.document.Statement as Record<string, any>[]).find((s) => s.Sid === "DecryptSessionData")!;
    expect(decrypt.Resource).toEqual([
      expect.stringMatching(/^arn:aws:kms:eu-west-1:222222222222:key\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/),
      expect.stringMatching(/^arn:aws:kms:eu-central-1:222222222222:key\//),
    ]);
    const sessionKeys = stack.keys.filter((k) => k.aliases.includes("alias/acme-session-manager"));
    expect(sessionKeys.map((k) => k.arn).sort()).toEqual([...decrypt.Resource].sort());
    const access = stack.groups[0].policies[0];
    expect(JSON.stringify(access.document)).toContain("session/${aws:userid}-*");
    expect(JSON.stringify(access.document)).not.toContain("$${");
  });

  test("principals carry their policies: groups their managed policy, the role its inline and AWS-managed ones", () => {
    expect(stack.roles.map((r) => [r.arn, r.policies.map((p) => p.name)])).toEqual([
      ["arn:aws:iam::222222222222:role/session-manager/acme-session-bastion", ["credential-perimeter", "session-logging", "AmazonSSMManagedEC2InstanceDefaultPolicy"]],
      ["arn:aws:iam::222222222222:role/service-role/acme-session-default-host", ["session-logging", "AmazonSSMManagedEC2InstanceDefaultPolicy"]],
      ["arn:aws:iam::222222222222:role/session-manager/acme-session-instance", ["credential-perimeter", "session-logging", "AmazonSSMManagedEC2InstanceDefaultPolicy"]],
      ["arn:aws:iam::222222222222:role/session-manager/acme-session-watchdog-eu-central-1", ["session-watchdog"]],
      ["arn:aws:iam::222222222222:role/session-manager/acme-session-watchdog-eu-west-1", ["session-watchdog"]],
    ]);
    expect(stack.topics.map((t) => [t.arn, t.keyArn, t.policy?.kind])).toEqual([
      ["arn:aws:sns:eu-central-1:222222222222:acme-session-alerts", stack.keys.find((k) => k.region === "eu-central-1" && k.aliases.includes("alias/acme-session-alerts"))!.arn, "topic"],
      ["arn:aws:sns:eu-west-1:222222222222:acme-session-alerts", stack.keys.find((k) => k.region === "eu-west-1" && k.aliases.includes("alias/acme-session-alerts"))!.arn, "topic"],
    ]);
    expect(stack.users.map((u) => [u.name, u.groups])).toEqual([
      ["alice.example", ["acme-payments-operators"]],
      ["bob.example", ["acme-payments-developers"]],
    ]);
    const sessionKey = (region: string) => stack.keys.find((k) => k.region === region && k.aliases.includes("alias/acme-session-manager"))!.arn;
    expect(stack.documents.filter((d) => d.documentType === "Session" && d.content.sessionType !== "Port").map((d) => [d.region, d.content.inputs.kmsKeyId])).toEqual([
      ["eu-central-1", sessionKey("eu-central-1")],
      ["eu-west-1", sessionKey("eu-west-1")],
    ]);
  });

  test("the same input resolves to the same ARNs every time", () => {
    expect(resolveStack("workload-payments", copy())).toEqual(stack);
  });

  test("templates: escapes, references, and every other form rejected by name", () => {
    const lookup = (ref: string) => `<${ref}>`;
    expect(evaluateTemplate("a $${aws:username} %%{x} ${aws_kms_key.k.arn}", lookup, "t")).toBe("a ${aws:username} %{x} <aws_kms_key.k.arn>");
    expect(() => evaluateTemplate('${jsonencode({"Version" = "2012-10-17"})}', lookup, "t")).toThrow(/a \$\{jsonencode\(…\)\} expression .* is not supported/);
    expect(() => evaluateTemplate("${data.aws_iam_policy_document.p.json}", lookup, "t")).toThrow(/a data source reference/);
    expect(() => evaluateTemplate("${var.x}", lookup, "t")).toThrow(/an expression/);
    expect(() => evaluateTemplate("%{ if true }x%{ endif }", lookup, "t")).toThrow(/directive/);
    expect(() => evaluateTemplate("${aws_kms_key.k.arn", lookup, "t")).toThrow(/unterminated/);
  });

  test.each([
    [
      "an aws_iam_policy_document data source",
      (tf: Record<string, any>) => (tf.data = { aws_iam_policy_document: { p: { statement: [{ actions: ["s3:GetObject"] }] } } }),
      /data\.aws_iam_policy_document is not supported/,
    ],
    [
      "a jsonencode policy",
      (tf: Record<string, any>) => (firstOf(tf, "aws_iam_policy").policy = '${jsonencode({"Version" = "2012-10-17"})}'),
      /jsonencode/,
    ],
    [
      "an inline role policy",
      (tf: Record<string, any>) => (firstOf(tf, "aws_iam_role").inline_policy = [{ name: "x", policy: "{}" }]),
      /inline_policy is a policy argument the resolver does not read/,
    ],
    [
      "an unknown policy-bearing resource",
      (tf: Record<string, any>) => (tf.resource.aws_sqs_queue_policy = { q: { queue_url: "u", policy: "{}" } }),
      /aws_sqs_queue_policy\.q\.policy is a policy argument the resolver does not read/,
    ],
    [
      "an AWS-managed policy whose document is unknown",
      (tf: Record<string, any>) => (firstOf(tf, "aws_iam_role_policy_attachment").policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"),
      /attaches arn:aws:iam::aws:policy\/AdministratorAccess, whose document the resolver does not know/,
    ],
    [
      "managed_policy_arns on a role",
      (tf: Record<string, any>) => (firstOf(tf, "aws_iam_role").managed_policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]),
      /aws_iam_role\.[\w-]+\.managed_policy_arns is a way of granting the resolver does not read/,
    ],
    [
      "an aws_iam_policy_attachment",
      (tf: Record<string, any>) => (tf.resource.aws_iam_policy_attachment = { a: { name: "a", policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess", roles: ["r"] } }),
      /aws_iam_policy_attachment \(exclusive policy attachments\) is a way of granting the resolver does not read/,
    ],
    [
      "an aws_iam_group_membership",
      (tf: Record<string, any>) => (tf.resource.aws_iam_group_membership = { m: { name: "m", group: "g", users: ["bob.example"] } }),
      /aws_iam_group_membership \(exclusive group memberships\)/,
    ],
    [
      "a reference to an attribute it cannot know",
      (tf: Record<string, any>) => (firstOf(tf, "aws_iam_policy").policy = '{"Resource": "${aws_iam_role.x.unique_id}"}'),
      /refers to aws_iam_role\.x\.unique_id, which does not exist/,
    ],
  ])("fails loudly on %s", (_t, mutate, message) => {
    const tf = copy();
    mutate(tf);
    expect(() => resolveStack("workload-payments", tf)).toThrow(message);
  });

  test("reads cdktf.out through its manifest; after an HCL synth, only with the JSON it kept", () => {
    const dir = mkdtempSync(join(tmpdir(), "resolve-"));
    try {
      writeFileSync(join(dir, "manifest.json"), JSON.stringify({ stacks: { x: { name: "x", synthesizedStackPath: "stacks/x/cdk.tf" } } }));
      expect(() => loadSynthesizedStacks(dir)).toThrow(`x: ${join(dir, "json", "x.json")} not found: synthesize again (npm run synth)`);
      expect(() => loadSynthesizedStacks(join(dir, "missing"))).toThrow(/manifest.json not found: run `npm run synth` first/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("policy lint", () => {
  const policy = (statement: Record<string, unknown>, kind: ResolvedPolicy["kind"] = "identity"): ResolvedPolicy => ({
    stack: "s",
    address: "aws_iam_policy.p",
    constructPath: "s/p",
    kind,
    name: "p",
    document: { Version: "2012-10-17", Statement: [{ Sid: "S", Effect: "Allow", ...statement }] },
  });
  const rules = async (statement: Record<string, unknown>, kind?: ResolvedPolicy["kind"]) =>
    (await lintPolicy(policy(statement, kind))).map((f) => [f.rule, f.message]);

  test("a sound policy has no findings", async () => {
    expect(
      await rules({
        Action: ["ssm:StartSession", "ssm:Describe*"],
        Resource: ["arn:aws:ssm:*::document/AWS-StartSSHSession", "arn:aws:ssm:eu-west-1:222222222222:session/${aws:username}-*"],
        Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" }, "ForAnyValue:StringLike": { "ssm:resourceTag/Team": ["a"] } },
      }),
    ).toEqual([]);
  });

  test.each([
    ["a Resource that is not an ARN", { Action: "s3:GetObject", Resource: "my-bucket/*" }, ["resource", '"my-bucket/*" is neither "*" nor an ARN']],
    ["an AWS-owned document with an account", { Action: "ssm:StartSession", Resource: "arn:aws:ssm:*:222222222222:document/AWS-StartSSHSession" }, ["resource", expect.stringContaining("AWS-owned documents have none")]],
    ["a leftover reference", { Action: "kms:Decrypt", Resource: "arn:aws:kms:eu-west-1:222222222222:key/${aws_kms_key.k.key_id}" }, ["unresolved", expect.stringContaining("unresolved reference ${aws_kms_key.k.key_id} in")]],
    ["a leftover escape", { Action: "ssm:TerminateSession", Resource: "arn:aws:ssm:eu-west-1:222222222222:session/$${aws:username}-*" }, ["unresolved", expect.stringContaining('leftover Terraform/cdktf token "$${"')]],
    ["a policy-document variable", { Action: "ssm:TerminateSession", Resource: "arn:aws:ssm:eu-west-1:222222222222:session/&{aws:username}-*" }, ["unresolved", expect.stringContaining('"&{"')]],
    ["an unknown policy variable", { Action: "ssm:TerminateSession", Resource: "arn:aws:ssm:eu-west-1:222222222222:session/${aws:user}-*" }, ["variable", "unknown policy variable ${aws:user}"]],
    ["an unknown operator", { Action: "s3:GetObject", Resource: "*", Condition: { StringEqualz: { "aws:PrincipalOrgID": "o-1" } } }, ["operator", "unknown condition operator StringEqualz"]],
    ["IfExists on Null", { Action: "s3:GetObject", Resource: "*", Condition: { NullIfExists: { "aws:PrincipalOrgID": "true" } } }, ["operator", "unknown condition operator NullIfExists"]],
    ["an unknown condition key", { Action: "s3:GetObject", Resource: "*", Condition: { StringEquals: { "aws:PrincipalOrgId2": "o-1" } } }, ["condition-key", "unknown condition key aws:PrincipalOrgId2"]],
    // ec2:osuser is EC2 Instance Connect's key (SendSSHPublicKey), not one of EC2's own.
    ["a key of another service's actions", { Action: "ec2:StartInstances", Resource: "*", Condition: { StringEquals: { "ec2:osuser": "jump" } } }, ["condition-key", "unknown condition key ec2:osuser"]],
    ["an action that does not exist", { Action: "s3:PutObjekt", Resource: "*" }, ["action", "s3:PutObjekt does not exist"]],
    ["a wildcard that matches nothing", { Action: "ssm:Frobnicate*", Resource: "*" }, ["action", "ssm:Frobnicate* matches no ssm action"]],
    ["an unknown service", { Action: "nosuch:Thing", Resource: "*" }, ["action", 'nosuch:Thing: no IAM service "nosuch"']],
  ])("finds %s", async (_t, statement, finding) => {
    expect(await rules(statement)).toEqual([finding]);
  });

  test("resource policies need a principal; identity policies may not have one", async () => {
    expect(await rules({ Action: "s3:GetObject", Resource: "*" }, "bucket")).toEqual([["shape", "a bucket policy statement needs a Principal"]]);
    expect(await rules({ Principal: "*", Action: "s3:GetObject", Resource: "*" })).toEqual([["shape", "an identity policy statement cannot name a Principal"]]);
  });
});
