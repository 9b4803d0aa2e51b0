import { Testing } from "cdktf";
import { parse } from "yaml";
import { checkStack } from "../compliance/engine";
import { validateConfig } from "../config/load";
import type { Config } from "../config/types";
import { validatePolicies } from "../modules/policies/cedar";
import { autoApprovalTemplate, MAX_NODE_SCOPES } from "../modules/policies/just-in-time";
import { resolveStack } from "../review/resolve";
import { approvalOutcomes, approvalSection, ruleStatements, type ApprovalOutcome } from "../review/just-in-time";
import { buildStacks } from "../stacks";
import { exampleRaw, mutatedExample, onlyResource, problemsOf, policyOf, resourcesOf, statement, terraformLiteral, type Synth } from "./helpers";

const BATCH = 2; // the example's just-in-time workload

const mutated = mutatedExample;

/** Every stack of a config, synthesized, by name. */
function synthesized(config: Config): Record<string, Synth> {
  const app = Testing.app({ stackTraces: false });
  const { logArchive, workloads, organization, identityCenter, justInTime } = buildStacks(app, config);
  const out: Record<string, Synth> = {};
  for (const stack of [logArchive, ...workloads, ...(organization ? [organization] : []), ...(identityCenter ? [identityCenter] : []), ...(justInTime ? [justInTime] : [])]) {
    out[stack.node.id] = JSON.parse(Testing.synth(stack));
  }
  return out;
}

function outcomesOf(raw: Record<string, any>): ApprovalOutcome[] {
  const config = validateConfig(raw);
  const stacks = Object.entries(synthesized(config)).map(([name, tf]) => resolveStack(name, tf));
  return approvalOutcomes(config, stacks);
}

const find = (outcomes: readonly ApprovalOutcome[], group: string, tags: Record<string, string>): ApprovalOutcome => {
  const found = outcomes.filter((o) => o.group === group && JSON.stringify(o.nodeTags) === JSON.stringify(tags));
  if (found.length !== 1) throw new Error(`expected one outcome for ${group} ${JSON.stringify(tags)}, found ${found.length}`);
  return found[0];
};

describe("just-in-time config errors, each with its path", () => {
  const rules = (c: Record<string, any>) => c.workloads[BATCH].justInTime;

  test("Cedar that does not parse, with the parser's message", () => {
    const problems = problemsOf(mutated((c) => (rules(c).cedar = "permit (principal, action")));
    expect(problems).toEqual([expect.stringMatching(/^workloads\[2\]\.justInTime\.cedar: does not parse: /)]);
  });

  test("Cedar that parses but does not validate against the just-in-time schema, with the validator's message", () => {
    const cedar = 'permit (principal, action == AWS::SSM::Action::"getTokenForInstanceAccess", resource) when { principal.nickname == "x" };';
    const problems = problemsOf(mutated((c) => (rules(c).cedar = cedar)));
    expect(problems).toEqual([expect.stringMatching(/^workloads\[2\]\.justInTime\.cedar: statement 1 does not validate .*attribute `nickname`/)]);
  });

  test("an action other than getTokenForInstanceAccess does not validate", () => {
    const problems = problemsOf(mutated((c) => (c.justInTime.denyCedar = 'forbid (principal, action == AWS::SSM::Action::"startSession", resource);')));
    expect(problems).toEqual([
      'justInTime.denyCedar: statement 1 does not validate against the just-in-time schema: unrecognized action `AWS::SSM::Action::"startSession"` (did you mean `AWS::SSM::Action::"getTokenForInstanceAccess"`?)',
    ]);
  });

  test("a forbid in the auto-approval policy, a permit in the deny-access policy", () => {
    const problems = problemsOf(
      mutated((c) => {
        rules(c).cedar = 'forbid (principal, action == AWS::SSM::Action::"getTokenForInstanceAccess", resource);';
        c.justInTime.denyCedar = 'permit (principal, action == AWS::SSM::Action::"getTokenForInstanceAccess", resource);';
      }),
    );
    expect(problems).toEqual([
      "justInTime.denyCedar: statement 1 is a permit: a deny-access policy holds forbid statements only",
      "workloads[2].justInTime.cedar: statement 1 is a forbid: an auto-approval policy holds permit statements only",
    ]);
  });

  test("an approver group that is not in justInTime.groups", () => {
    const problems = problemsOf(mutated((c) => (rules(c).manualApproval[0].approvers = ["platform-lead"])));
    expect(problems).toEqual([
      "workloads[2].justInTime.manualApproval[0].approvers[0]: is not a group of justInTime.groups (platform-leads)",
    ]);
  });

  test("a rule naming a tag no node scope uses", () => {
    const problems = problemsOf(
      mutated((c) => {
        rules(c).autoApprove[0].nodeTags = { Environment: ["development"] };
        c.justInTime.denyRules[0].nodeTags = { Tier: ["db"] };
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^justInTime\.denyRules\[0\]\.nodeTags\.Tier\[0\]: names Tier=db, which no node scope of a just-in-time workload uses/),
      expect.stringMatching(/^workloads\[2\]\.justInTime\.autoApprove\[0\]\.nodeTags\.Environment\[0\]: names Environment=development, which no node scope of this workload uses/),
    ]);
  });

  test("a justInTime section while every workload is standing is accepted: its deny rules have no nodes to compare with", () => {
    const standing = mutated((c) => (c.workloads = c.workloads.filter((w: Record<string, unknown>) => w.accessMode !== "just-in-time")));
    expect(() => validateConfig(standing)).not.toThrow();
  });

  test("two manual approval policies for the same nodes: a shared pair, two for every node, or one node tagged for both", () => {
    const second = (nodeTags?: Record<string, string[]>) => ({ name: "second", approvers: ["platform-leads"], accessDurationHours: 1, ...(nodeTags ? { nodeTags } : {}) });
    expect(problemsOf(mutated((c) => rules(c).manualApproval.push(second({ Environment: ["prod", "staging"] }))))).toEqual([
      expect.stringMatching(/^workloads\[2\]\.justInTime\.manualApproval\[1\]: applies to the same nodes as workloads\[2\]\.justInTime\.manualApproval\[0\] \(both target Environment=prod\)/),
    ]);
    expect(
      problemsOf(
        mutated((c) => {
          delete rules(c).manualApproval[0].nodeTags;
          rules(c).manualApproval.push(second());
        }),
      ),
    ).toEqual([expect.stringMatching(/manualApproval\[1\]: applies to the same nodes as .*manualApproval\[0\] \(both target every node\)/)]);
    // batch-oncall reaches nodes tagged Environment=prod and Tier=database: both policies would target them.
    expect(problemsOf(mutated((c) => rules(c).manualApproval.push(second({ Tier: ["database"] }))))).toEqual([
      expect.stringMatching(/manualApproval\[1\]: applies to the same nodes as .*manualApproval\[0\] \(a node tagged Environment=prod, Team=batch, Tier=database carries tags of both\)/),
    ]);
  });

  test("every problem at once: requester, group id, tunnels, missing rules, missing justInTime", () => {
    const problems = problemsOf(
      mutated((c) => {
        rules(c).autoApprove[0].requesters = ["payments-operators"];
        c.workloads[BATCH].accessGroups[1].identityCenterGroup = { displayName: "Batch on-call" };
        c.workloads[BATCH].accessGroups[0].allowSsh = true;
        c.workloads[1].accessMode = "just-in-time";
      }),
    );
    expect(problems).toEqual([
      "workloads[1].justInTime: must give at least one autoApprove or manualApproval rule: with no approval policy for a node, nobody can request access to it",
      expect.stringMatching(/^workloads\[2\]\.accessGroups\[0\]\.allowSsh: cannot be true in just-in-time mode/),
      "workloads[2].justInTime.autoApprove[0].requesters[0]: is not an access group of this workload (batch-operators, batch-oncall)",
      expect.stringMatching(/^workloads\[2\]\.justInTime\.autoApprove\[1\]\.requesters\[0\]: needs the access group batch-oncall to give its identityCenterGroup a groupId/),
    ]);
    const noSection = problemsOf(mutated((c) => delete c.justInTime));
    expect(noSection).toEqual(["justInTime: is required: workloads[2] is in just-in-time mode, which needs the delegated administrator and its targets"]);
  });
});

describe("approval outcomes, evaluated with Cedar from the synthesized policies", () => {
  const outcomes = outcomesOf(exampleRaw());
  const node = (env: string, tier?: string): Record<string, string> => ({ Environment: env, Team: "batch", ...(tier ? { Tier: tier } : {}) });

  test("auto-approved, by the rule that matched", () => {
    expect(find(outcomes, "batch-operators", { Environment: "dev", Team: "batch" })).toMatchObject({ decision: "auto-approved", autoRules: ["dev-for-operators"], deniedBy: [] });
    expect(find(outcomes, "batch-oncall", node("prod", "app"))).toMatchObject({ decision: "auto-approved", autoRules: ["prod-for-oncall"] });
  });

  test("manual approval, by whom and for how long", () => {
    expect(find(outcomes, "batch-operators", node("prod", "app"))).toMatchObject({
      decision: "manual approval",
      deniedBy: [],
      manual: { policy: "prod-needs-a-lead", approvers: ["platform-leads"], hours: 4 },
    });
  });

  test("a deny rule keeps an auto-approval rule from approving: manual approval instead", () => {
    expect(find(outcomes, "batch-oncall", node("prod", "database"))).toMatchObject({
      decision: "manual approval",
      deniedBy: ["no-auto-approval-for-databases"],
      manual: { policy: "prod-needs-a-lead" },
    });
  });

  test("denied when no approval policy applies, and when a deny rule leaves no manual policy", () => {
    expect(find(outcomes, "batch-operators", { Environment: "staging", Team: "batch" })).toMatchObject({ decision: "denied", deniedBy: [] });
    const noManual = outcomesOf(mutated((c) => (c.workloads[BATCH].justInTime.manualApproval = [])));
    expect(find(noManual, "batch-oncall", node("prod", "database"))).toMatchObject({ decision: "denied", deniedBy: ["no-auto-approval-for-databases"] });
  });

  test("a deny rule for everyone but the owning team", () => {
    const raw = mutated((c) => {
      c.justInTime.groups.push({ name: "batch-oncall", identityCenterGroup: c.workloads[BATCH].accessGroups[1].identityCenterGroup });
      c.justInTime.denyRules = [{ name: "batch-nodes-for-on-call-only", nodeTags: { Team: ["batch"] }, exceptGroups: ["batch-oncall"] }];
    });
    const o = outcomesOf(raw);
    expect(find(o, "batch-operators", { Environment: "dev", Team: "batch" })).toMatchObject({ decision: "denied", deniedBy: ["batch-nodes-for-on-call-only"] });
    expect(find(o, "batch-oncall", node("prod", "database"))).toMatchObject({ decision: "auto-approved", autoRules: ["prod-for-oncall"] });
  });

  test("the table says when a workload's kinds of node reach the cap", () => {
    const many = Array.from({ length: MAX_NODE_SCOPES }, (_, i) => ({ ...outcomes[0], nodeTags: { Node: `n${i}` } }));
    expect(approvalSection(many)).toContain(`_batch: ${MAX_NODE_SCOPES} kinds of node or more; the first ${MAX_NODE_SCOPES} are shown._`);
    expect(approvalSection(outcomes).join("\n")).not.toContain("kinds of node or more");
  });

  test("one row per requester group and node, in the review's table", () => {
    expect(outcomes).toHaveLength(10);
    const table = approvalSection(outcomes).join("\n");
    expect(table).toContain("| batch | batch-oncall | Environment=prod, Team=batch, Tier=database | 🙋 manual approval | auto-approval denied by no-auto-approval-for-databases; prod-needs-a-lead: platform-leads, up to 4 h |");
  });
});

describe("the synthesized just-in-time resources", () => {
  const config = validateConfig(exampleRaw());
  const stacks = synthesized(config);
  const batch = stacks["workload-batch"];

  test("access groups may request access and fetch tokens, and a Deny stops standing sessions", () => {
    const policies = resourcesOf(batch, "aws_iam_policy", "access-policy-");
    expect(policies.map(([, p]) => p.name).sort()).toEqual(["acme-batch-oncall-session-access", "acme-batch-operators-session-access"]);
    for (const [, p] of policies) {
      const doc = policyOf(p.policy);
      expect(doc.Statement.filter((s) => s.Effect === "Allow" && [s.Action].flat().some((a) => /StartSession|^ssm:\*$|^\*$/.test(String(a))))).toEqual([]);
      expect(statement(doc, "DenyStandingSessions")).toEqual({
        Sid: "DenyStandingSessions",
        Effect: "Deny",
        // Every direct way onto a node, not only a session.
        Action: [
          "ssm:StartSession",
          "ssm:SendCommand",
          "ssm:CreateAssociation",
          "ssm:CreateAssociationBatch",
          "ssm:UpdateAssociation",
          "ec2-instance-connect:SendSSHPublicKey",
          "ec2-instance-connect:SendSerialConsoleSSHPublicKey",
        ],
        Resource: "*",
      });
      // The workload's own manual approval policies by name: ssm:DocumentType is no condition key of
      // StartAutomationExecution, so a condition on it would never match.
      expect(statement(doc, "RequestManualApprovals")).toEqual({
        Sid: "RequestManualApprovals",
        Effect: "Allow",
        Action: "ssm:StartAutomationExecution",
        Resource: ["arn:aws:ssm:eu-west-1:444444444444:document/prod-needs-a-lead"],
      });
      expect(statement(doc, "DenyApprovalPolicyChanges")).toMatchObject({
        Effect: "Deny",
        Action: ["ssm:CreateDocument", "ssm:UpdateDocument", "ssm:DeleteDocument", "ssm:UpdateDocumentDefaultVersion"],
        Resource: "*",
        Condition: { StringEquals: { "ssm:DocumentType": ["ManualApprovalPolicy", "AutoApprovalPolicy"] } },
      });
      expect(statement(doc, "RequestNodeAccess").Action).toBe("ssm:StartAccessRequest");
      expect(statement(doc, "FetchAccessTokens").Resource).toEqual(["arn:aws:ssm:eu-west-1:444444444444:opsitem/*"]);
    }
  });

  test("each Identity Center requester's permission set references its just-in-time access policy in the workload account", () => {
    const ic = stacks["identity-center"];
    const sets = resourcesOf(ic, "aws_ssoadmin_permission_set").map(([, p]) => p.name).filter((n: string) => n.startsWith("acme-batch-"));
    expect(sets.sort()).toEqual(["acme-batch-batch-oncall", "acme-batch-batch-operators"]);
    const references = resourcesOf(ic, "aws_ssoadmin_customer_managed_policy_attachment").map(([, a]) => a.customer_managed_policy_reference.name);
    expect(references).toEqual(expect.arrayContaining(["acme-batch-operators-session-access", "acme-batch-oncall-session-access"]));
    const assignments = resourcesOf(ic, "aws_ssoadmin_account_assignment").map(([, a]) => [a.principal_id, a.target_id]);
    expect(assignments).toEqual(
      expect.arrayContaining([
        ["9067a1b2c3-1a2b3c4d-0001-4e5f-8a9b-0c1d2e3f4a5b", "444444444444"],
        ["9067a1b2c3-1a2b3c4d-0002-4e5f-8a9b-0c1d2e3f4a5b", "444444444444"],
      ]),
    );
  });

  test("the session key carries the tag the just-in-time token policy requires; standing workloads' keys do not", () => {
    expect(onlyResource(batch, "aws_kms_key", "session-eu-west-1/").tags).toEqual({ SystemsManagerJustInTimeNodeAccessManaged: "true" });
    for (const [, key] of resourcesOf(stacks["workload-payments"], "aws_kms_key")) expect(key.tags).toBeUndefined();
  });

  test("the auto-approval policy is an AutoApprovalPolicy document in a CloudFormation stack, its Cedar valid", () => {
    const stack = onlyResource(batch, "aws_cloudformation_stack");
    const template = parse(terraformLiteral(stack.template_body));
    const document = template.Resources.AutoApprovalPolicy;
    expect(document.Type).toBe("AWS::SSM::Document");
    expect(document.Properties).toMatchObject({ Name: "acme-auto-approval", DocumentType: "AutoApprovalPolicy", DocumentFormat: "TEXT" });
    expect(validatePolicies(document.Properties.Content, "permit")).toEqual([]);
    expect(ruleStatements(document.Properties.Content).map((s) => s.rule)).toEqual(["dev-for-operators", "prod-for-oncall"]);
    expect(document.Properties.Content).toContain('principal in AWS::IdentityStore::Group::"9067a1b2c3-1a2b3c4d-0001-4e5f-8a9b-0c1d2e3f4a5b"');
    expect(autoApprovalTemplate("acme", "x")).toEqual(template.Resources && { ...template, Resources: { AutoApprovalPolicy: { ...document, Properties: { ...document.Properties, Content: "x" } } } });
  });

  test("access request events go to the alert topic, which lets that rule publish", () => {
    const rule = onlyResource(batch, "aws_cloudwatch_event_rule", "monitoring-eu-west-1_access-requests");
    expect(JSON.parse(rule.event_pattern)).toEqual({
      source: ["aws.ssm"],
      "detail-type": ["Requester Access Request Status Update", "Approver Access Request Status Update", "JITNA Access Request Failed"],
    });
    const topicPolicy = policyOf(onlyResource(batch, "aws_sns_topic_policy").policy);
    expect(statement(topicPolicy, "AccessRequestRulePublishes").Condition).toEqual({
      ArnEquals: { "aws:SourceArn": "arn:aws:events:eu-west-1:444444444444:rule/acme-access-requests" },
    });
  });

  test("the delegated administrator's stack: Quick Setup for the targets, the deny-access policy as Cedar", () => {
    const jit = stacks["just-in-time"];
    expect(jit.provider.aws[0]).toMatchObject({ region: "eu-west-1", allowed_account_ids: ["555555555555"] });
    const manager = onlyResource(jit, "aws_ssmquicksetup_configuration_manager");
    expect(manager.configuration_definition).toEqual([
      {
        type: "AWSQuickSetupType-JITNA",
        parameters: { DelegatedAccountId: "555555555555", HomeRegion: "eu-west-1", TargetOrganizationalUnits: "ou-a1b2-c3d4e5f6", TargetRegions: "eu-west-1" },
      },
    ]);
    const deny = `${jit.output["deny-access-policy"].value.join("\n")}\n`;
    expect(validatePolicies(deny, "forbid")).toEqual([]);
    expect(ruleStatements(deny)).toEqual([{ rule: "no-auto-approval-for-databases", text: expect.stringContaining('resource.getTag("Tier") == "database"') }]);
  });

  test("the manual approval policies are an output: targets, approvers, duration", () => {
    expect(batch.output["manual-approval-policies"].value).toEqual([
      { name: "prod-needs-a-lead", accessDurationHours: 4, nodeTargets: { Environment: ["prod"] }, approvers: [{ name: "platform-leads", identityCenterGroup: { displayName: "Platform Leads" } }] },
    ]);
  });
});

describe("SM-JIT-1: no standing sessions in just-in-time mode", () => {
  const config = validateConfig(exampleRaw());
  const workload = config.workloads[BATCH];
  const findings = (tf: Synth) => checkStack(config, "workload-batch", tf, workload).filter((f) => f.rule === "SM-JIT-1");
  const editAccessPolicies = (tf: Synth, edit: (statements: any[]) => any[]): Synth => {
    const copy = JSON.parse(JSON.stringify(tf));
    for (const [, p] of resourcesOf(copy, "aws_iam_policy", "access-policy-")) {
      const doc = JSON.parse(p.policy);
      p.policy = JSON.stringify({ ...doc, Statement: edit(doc.Statement) });
    }
    return copy;
  };
  const batch = synthesized(config)["workload-batch"];

  test("passes as synthesized", () => {
    expect(findings(batch)).toEqual([]);
  });

  test("fails when a group's policy allows ssm:StartSession", () => {
    const tf = editAccessPolicies(batch, (s) => [...s, { Sid: "Standing", Effect: "Allow", Action: "ssm:StartSession", Resource: "*" }]);
    expect(findings(tf).map((f) => f.message)).toEqual([
      expect.stringContaining("statement Standing allows ssm:StartSession to the just-in-time access group acme-batch-operators"),
      expect.stringContaining("statement Standing allows ssm:StartSession to the just-in-time access group acme-batch-oncall"),
    ]);
  });

  test("fails when nothing denies ssm:StartSession, so a grant elsewhere would open sessions", () => {
    const tf = editAccessPolicies(batch, (s) => s.filter((x: { Sid?: string }) => x.Sid !== "DenyStandingSessions"));
    expect(findings(tf)).toHaveLength(2);
    expect(findings(tf)[0].message).toMatch(/no policy of acme-batch-operators denies ssm:StartSession on every resource/);
  });
});
