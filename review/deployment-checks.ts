import {
  deploymentRoleArn,
  deploymentRoles,
  LOG_ARCHIVE_STACK,
  logBucketName,
  ORGANIZATION_STACK,
  PREFERENCES_DOCUMENT,
  sessionLogGroupName,
  sessionLogPrefix,
  arn,
  type DeploymentRoles,
} from "../config/naming";
import { PARTITION } from "../config/regions";
import type { Config } from "../config/types";
import type { AccessCheck, Column } from "./checks";
import { grantAll, roleSession, webIdentity, withPolicy, type Persona } from "./personas";
import type { ResolvedStack } from "./resolve";
import type { AccessModel, AccessRequest, Decision } from "./simulate";

/**
 * The deployment roles the stacks create (deployment.github.createRoles, workspaces.createRunRoles), proved with
 * AWS's policy logic: only the intended OIDC subject assumes each role, the plan role writes nothing even beside an
 * administrator's grant, and neither role reads a transcript. Nothing when the stacks create no such role.
 */
export function deploymentChecks(config: Config, model: AccessModel, onlyStack?: string): AccessCheck[] {
  const checks: AccessCheck[] = [];
  for (const stack of model.stacks) {
    if (onlyStack !== undefined && stack.name !== onlyStack) continue;
    const roles = deploymentRoles(config, stack.name);
    if (roles === undefined) continue;
    checks.push(...stackChecks(config, stack, roles));
  }
  return checks;
}

function stackChecks(config: Config, stack: ResolvedStack, roles: DeploymentRoles): AccessCheck[] {
  const checks: AccessCheck[] = [];
  const region = stack.homeRegion;
  const add = (row: string, column: Column, persona: Persona, request: AccessRequest, expect: Decision, sid?: string): void => {
    checks.push({ stack: stack.name, region, row, column, persona, request, expect, sid });
  };
  const role = (name: string) => {
    const found = stack.roles.find((r) => r.arn === deploymentRoleArn(stack.accountId, name));
    if (found === undefined) throw new Error(`${stack.name}: no role ${name} under /session-manager/`);
    return found;
  };
  const plan = role(roles.plan.name);
  const deploy = role(roles.deploy.name);
  const token = (sub: string, label: string, aud = roles.audience): Persona => webIdentity(stack.accountId, roles.host, aud, sub, label);
  const assume = (target: { arn: string }): AccessRequest => ({ action: "sts:AssumeRoleWithWebIdentity", resource: target.arn });
  const column: Column = "OIDC token";

  // Who gets which role: the intended subject, and the near misses an attacker controls.
  add("assume the deploy role: the intended subject", column, token(roles.deploy.subject, "deploy subject"), assume(deploy), "Allowed", "AssumeForDeploys");
  add("assume the plan role: the intended subject", column, token(roles.plan.subject, "plan subject"), assume(plan), "Allowed", "AssumeForPlans");
  add("assume the deploy role with the plan subject", column, token(roles.plan.subject, "plan subject"), assume(deploy), "ImplicitlyDenied");
  add("assume the deploy role with another audience", column, token(roles.deploy.subject, "other audience", "sigstore"), assume(deploy), "ImplicitlyDenied");
  for (const [row, sub] of nearMisses(roles)) add(row, column, token(sub, row), assume(deploy), "ImplicitlyDenied");

  // What the roles may do, with an administrator's grant attached beside the plan role's own policy.
  const planPlus = withPolicy(roleSession(stack, plan, "job", "plan role"), "AdministratorAccess", grantAll("*", "AdministratorAccess"), "plan role + *");
  const deployer = roleSession(stack, deploy, "job", "deploy role");
  const write = setupWrite(config, stack);
  add(write.row, "plan role + *", planPlus, write.request, "ExplicitlyDenied", "DenyWrites");
  add(write.row, "deploy role", deployer, write.request, "Allowed");
  const read = transcriptRead(config, stack);
  add(read.row, "plan role + *", planPlus, read.request, "ExplicitlyDenied", read.sid);
  add(read.row, "deploy role", deployer, read.request, "ExplicitlyDenied", read.sid);
  if (stack.name !== LOG_ARCHIVE_STACK && stack.name !== ORGANIZATION_STACK) {
    const instance = `arn:${PARTITION}:ec2:${region}:${stack.accountId}:instance/i-0123456789abcdef0`;
    add("run a command on an instance", "deploy role", deployer, { action: "ssm:SendCommand", resource: instance }, "ExplicitlyDenied", "DenyInstanceAccess");
    // An approved just-in-time request's token opens sessions with the just-in-time role's credentials.
    const token = { action: "ssm:GetAccessToken", resource: `arn:${PARTITION}:ssm:${region}:${stack.accountId}:opsitem/oi-0123456789ab` };
    add("fetch the token of an approved just-in-time request", "plan role + *", planPlus, token, "ExplicitlyDenied", "DenyNodeAccessTokens");
    add("fetch the token of an approved just-in-time request", "deploy role", deployer, token, "ExplicitlyDenied", "DenyNodeAccessTokens");
  }
  return checks;
}

/** Subjects an attacker may hold that must not get the deploy role: a fork, a branch push, another stack or phase. */
function nearMisses(roles: DeploymentRoles): [string, string][] {
  const sub = roles.deploy.subject;
  if (sub.startsWith("repo:")) {
    const [, repository] = sub.match(/^repo:([^:]+):/)!;
    const environment = sub.slice(sub.lastIndexOf(":") + 1);
    return [
      ["assume the deploy role from a pull request", `repo:${repository}:pull_request`],
      ["assume the deploy role from a branch push", `repo:${repository}:ref:refs/heads/main`],
      ["assume the deploy role from another repository's environment", `repo:${repository}-fork:environment:${environment}`],
      ["assume the deploy role from another stack's environment", `repo:${repository}:environment:${environment}-other`],
    ];
  }
  return [
    ["assume the deploy role from the plan phase", sub.replace(/run_phase:apply$/, "run_phase:plan")],
    ["assume the deploy role from another workspace", sub.replace(/:workspace:([^:]+):/, ":workspace:$1-other:")],
  ];
}

/** A change to the setup that applying the stack makes: the deploy role may, the plan role never. */
function setupWrite(config: Config, stack: ResolvedStack): { row: string; request: AccessRequest } {
  if (stack.name === LOG_ARCHIVE_STACK) {
    const bucket = arn.bucket(logBucketName(config.namePrefix, config.logArchive.accountId));
    return { row: "change the transcript bucket's policy", request: { action: "s3:PutBucketPolicy", resource: bucket } };
  }
  if (stack.name === ORGANIZATION_STACK) {
    const policy = `arn:${PARTITION}:organizations::${stack.accountId}:policy/${config.organizationId}/service_control_policy/p-0a1b2c3d`;
    return { row: "change an SCP", request: { action: "organizations:UpdatePolicy", resource: policy } };
  }
  return {
    row: "change the preferences document",
    request: { action: "ssm:UpdateDocument", resource: arn.document(stack.homeRegion, stack.accountId, PREFERENCES_DOCUMENT) },
  };
}

/** Reading what was typed in a session, where the stack's account keeps it. */
function transcriptRead(config: Config, stack: ResolvedStack): { row: string; request: AccessRequest; sid: string } {
  if (stack.name === LOG_ARCHIVE_STACK) {
    const bucket = arn.bucket(logBucketName(config.namePrefix, config.logArchive.accountId));
    const account = config.workloads[0]!.accountId;
    return {
      row: "read a transcript",
      request: { action: "s3:GetObject", resource: `${bucket}/${sessionLogPrefix(account, config.workloads[0]!.regions[0]!)}/alice-0a1b2c3d4e5f67890.log` },
      sid: "DenyTranscriptObjects",
    };
  }
  const group = arn.logGroup(stack.homeRegion, stack.accountId, sessionLogGroupName(config.namePrefix));
  return { row: "read a transcript in CloudWatch", request: { action: "logs:GetLogEvents", resource: `${group}:log-stream:alice-0a1b2c3d4e5f67890` }, sid: "DenyTranscriptReads" };
}
