import type { Problem } from "./errors";
import {
  accessGroupName,
  accessPolicyName,
  instanceRoleName,
  logBucketName,
  logKeyAlias,
} from "./naming";
import { RULES } from "../compliance/rules";
import { IDENTITY_CENTER_STACK, JUST_IN_TIME_STACK, LOG_ARCHIVE_STACK, PERMISSION_SET_NAME_MAX, permissionSetName, workloadStackName } from "./naming";
import { hasRegex, MAX_REGEX_FILTERS_PER_LOG_GROUP } from "./filter-pattern";
import { LOG_ARCHIVE_DEFAULTS, SESSION_DEFAULTS } from "./schema";
import { checkJustInTime } from "./jit-checks";

/**
 * Checks that need more than one field: uniqueness, references between fields and the names derived from them.
 *
 * They read the raw, unvalidated input and skip whatever is not of the expected shape (the schema reports that),
 * so that one run reports shape errors and logical errors together.
 */
export function crossCheck(data: unknown): Problem[] {
  const problems: Problem[] = [];
  const root = obj(data);
  const org = obj(root.organization);
  const log = obj(root.logArchive);
  const defaults = obj(root.sessionDefaults);
  const workloads = arr(root.workloads);
  const prefix = str(org.namePrefix);

  checkLogArchive(log, problems);
  if (prefix !== undefined) checkDerivedNames(prefix, str(log.accountId), problems);

  const accounts = new Map<string, string>();
  const logAccount = str(log.accountId);
  if (logAccount !== undefined) accounts.set(logAccount, "logArchive.accountId");
  const names = new Map<string, string>();
  const permissionSets = new Map<string, string>();
  const identityCenter = root.identityCenter !== undefined;

  workloads.forEach((raw, i) => {
    const w = obj(raw);
    const at = `workloads[${i}]`;
    firstWins(accounts, str(w.accountId), `${at}.accountId`, problems, "the same account as");
    firstWins(names, str(w.name), `${at}.name`, problems, "the same name as");

    const regions = arr(w.regions).map(str);
    const seenRegions = new Map<string, string>();
    regions.forEach((r, j) => firstWins(seenRegions, r, `${at}.regions[${j}]`, problems, "the same region as"));

    const adopt = w.adoptExistingDocument;
    if (Array.isArray(adopt)) {
      adopt.forEach((r, j) => {
        if (typeof r === "string" && !regions.includes(r)) {
          problems.push({
            path: `${at}.adoptExistingDocument[${j}]`,
            message: `is not one of this workload's regions (${regions.filter(Boolean).join(", ")})`,
            value: r,
          });
        }
      });
    }

    const groups = arr(w.accessGroups).map((g) => str(obj(g).name));
    const seenGroups = new Map<string, string>();
    groups.forEach((g, j) => {
      firstWins(seenGroups, g, `${at}.accessGroups[${j}].name`, problems, "the same name as");
      if (g !== undefined && prefix !== undefined) {
        checkIamName(accessGroupName(prefix, g), 128, `${at}.accessGroups[${j}].name`, problems);
        checkIamName(accessPolicyName(prefix, g), 128, `${at}.accessGroups[${j}].name`, problems);
      }
    });

    const federated = checkIdentityCenterGroups(w, at, prefix, identityCenter, obj(defaults), permissionSets, problems);

    checkConnectivity(obj(w.connectivity), at, regions, str(log.region), arr(w.accessGroups), problems);
    arr(w.accessGroups).forEach((g, j) => checkTunnels(obj(g), `${at}.accessGroups[${j}]`, problems));
    const reserved = ["aws", "amazon", "amzn"].find((r) => prefix?.toLowerCase().startsWith(r));
    if (obj(obj(w.connectivity).fleet).removeSsmUserSudo !== undefined && reserved !== undefined) {
      problems.push({
        path: `${at}.connectivity.fleet.removeSsmUserSudo`,
        message: `needs an SSM document named ${prefix}-RemoveSsmUserSudo, but SSM reserves names starting with '${reserved}': choose another organization.namePrefix`,
        value: prefix,
      });
    }
    arr(w.accessGroups).forEach((raw, j) => {
      const g = obj(raw);
      const tunnel = ["allowSsh", "allowPortForwarding", "allowRemoteHostPortForwarding"].find((flag) => g[flag] === true);
      if (tunnel !== undefined && reserved !== undefined) {
        problems.push({
          path: `${at}.accessGroups[${j}].${tunnel}`,
          message: `needs SSM documents named ${prefix}-..., but SSM reserves names starting with '${reserved}': choose another organization.namePrefix`,
          value: prefix,
        });
      }
    });

    const cloudWatchOn = bool(obj(obj(w.session).cloudWatch).enabled) ?? bool(obj(defaults.cloudWatch).enabled) ?? true;
    checkObservability(obj(root.observabilityDefaults), obj(w.observability), at, cloudWatchOn, problems);

    const runAsEnabled =
      bool(obj(obj(w.session).runAs).enabled) ?? bool(obj(defaults.runAs).enabled) ?? false;
    const seenUsers = new Map<string, string>();
    arr(w.users).forEach((rawUser, k) => {
      const u = obj(rawUser);
      firstWins(seenUsers, str(u.name), `${at}.users[${k}].name`, problems, "the same name as");
      arr(u.groups).forEach((g, m) => {
        if (typeof g === "string" && !groups.includes(g)) {
          problems.push({
            path: `${at}.users[${k}].groups[${m}]`,
            message: `is not an access group of this workload (${groups.filter(Boolean).join(", ") || "none"})`,
            value: g,
          });
        } else if (typeof g === "string" && federated.has(g)) {
          problems.push({
            path: `${at}.users[${k}].groups[${m}]`,
            message: "is an Identity Center access group (identityCenterGroup): its members are the Identity Center group's, IAM users cannot join it",
            value: g,
          });
        }
      });
      if (u.runAsUser !== undefined && !runAsEnabled) {
        problems.push({
          path: `${at}.users[${k}].runAsUser`,
          message: "has no effect: runAs is not enabled for this workload (set session.runAs.enabled: true)",
          value: u.runAsUser,
        });
      }
    });
  });
  checkListNames(obj(root.observabilityDefaults), "observabilityDefaults", problems);
  const hasPermissionSets = identityCenter && permissionSets.size > 0;
  checkSuppressions(obj(root.compliance), workloads.map((w) => str(obj(w).name)), hasPermissionSets, root.justInTime !== undefined, problems);
  checkGithub(obj(root.deployment), problems);
  checkCreatedRoleAccounts(root, accounts, problems);
  checkJustInTime(root, problems);
  return problems;
}

/**
 * Identity Center access groups need the identityCenter section, a permission set name within IAM Identity Center's
 * 32 characters and unique in the instance, and credentials that last no longer than the workload's sessions (AWS's
 * minimum of one hour aside). Returns the names of the workload's Identity Center access groups.
 *
 * Whether a display name exists in the identity store cannot be known offline: the plan looks it up and fails there.
 */
function checkIdentityCenterGroups(
  w: Record<string, unknown>,
  at: string,
  prefix: string | undefined,
  identityCenter: boolean,
  defaults: Record<string, unknown>,
  permissionSets: Map<string, string>,
  problems: Problem[],
): Set<string> {
  const federated = new Set<string>();
  const maxMinutes = num(obj(w.session).maxSessionDurationMinutes) ?? num(defaults.maxSessionDurationMinutes) ?? SESSION_DEFAULTS.maxSessionDurationMinutes;
  arr(w.accessGroups).forEach((raw, j) => {
    const g = obj(raw);
    const here = `${at}.accessGroups[${j}]`;
    if (g.identityCenterGroup === undefined) return;
    const ic = obj(g.identityCenterGroup);
    const name = str(g.name);
    if (name !== undefined) federated.add(name);
    if (!identityCenter) {
      problems.push({
        path: `${here}.identityCenterGroup`,
        message: "needs the identityCenter section (instanceArn, identityStoreId, accountId, region) at the top of the file",
      });
    }
    const override = str(ic.permissionSetName);
    const workloadName = str(w.name);
    if (override === undefined && (prefix === undefined || workloadName === undefined || name === undefined)) return;
    const permissionSet = permissionSetName(prefix ?? "", workloadName ?? "", { name: name ?? "", identityCenterGroup: { permissionSetName: override } });
    const where = override === undefined ? `${here}.name` : `${here}.identityCenterGroup.permissionSetName`;
    if (override === undefined && permissionSet.length > PERMISSION_SET_NAME_MAX) {
      problems.push({
        path: where,
        message:
          `gives the permission set name ${permissionSet} (${permissionSet.length} characters), longer than IAM Identity Center's ` +
          `${PERMISSION_SET_NAME_MAX}: set identityCenterGroup.permissionSetName, or shorten the group, workload or namePrefix`,
        value: name,
      });
    }
    firstWins(permissionSets, permissionSet, where, problems, "the same permission set name as");
    const hours = num(ic.sessionDurationHours);
    if (hours !== undefined && hours > 1 && hours * 60 > maxMinutes) {
      problems.push({
        path: `${here}.identityCenterGroup.sessionDurationHours`,
        message: `must not exceed the workload's maxSessionDurationMinutes (${maxMinutes}): credentials would outlast every session`,
        value: hours,
      });
    }
  });
  return federated;
}

/**
 * Created deploy roles have the same names in every account and trust one stack each: two stacks in one account
 * would both create them. Workload and log-archive accounts are already distinct; the organization stack's may not be.
 */
function checkCreatedRoleAccounts(root: Record<string, unknown>, accounts: Map<string, string>, problems: Problem[]): void {
  const deployment = obj(root.deployment);
  const creates = obj(deployment.github).createRoles !== undefined || obj(obj(deployment.backend).workspaces).createRunRoles !== undefined;
  const guardrails = obj(obj(root.organization).guardrails);
  const orgAccount = str(guardrails.policyAdminAccountId) ?? str(guardrails.managementAccountId);
  if (!creates || orgAccount === undefined || !accounts.has(orgAccount)) return;
  const path = guardrails.policyAdminAccountId !== undefined ? "organization.guardrails.policyAdminAccountId" : "organization.guardrails.managementAccountId";
  problems.push({
    path,
    message: `is the account of ${accounts.get(orgAccount)} too: the organization stack and that stack would both create the deploy roles there; deploy the organization stack from another account, or create its roles by hand`,
    value: orgAccount,
  });
}

/**
 * Each workflow job runs on a fresh runner: local state would be gone after every run, and a cloud backend plans with
 * its own credentials, not the job's. Only the s3 backend keeps state that the GitHub OIDC roles use.
 */
function checkGithub(deployment: Record<string, unknown>, problems: Problem[]): void {
  if (deployment.github === undefined) return;
  const type = str(obj(deployment.backend).type) ?? "local";
  if (type !== "s3") {
    problems.push({
      path: "deployment.backend.type",
      message: "must be s3 with deployment.github: a workflow run keeps no local state, and a cloud backend plans with its own credentials",
      value: type,
    });
  }
  const github = obj(deployment.github);
  const plan = str(github.planRoleName);
  if (github.createRoles !== undefined && (plan === undefined || plan === str(github.roleName))) {
    problems.push({
      path: "deployment.github.planRoleName",
      message: "must be set, and differ from roleName, with createRoles: a pull request must not get the role that applies",
      value: plan,
    });
  }
}

/**
 * Each part of a workload's observability (its own fields over observabilityDefaults') must have what it needs:
 * the alert topic for whatever alerts, the CloudWatch log group for forbidden-command filters, a mode for the
 * watchdog. Problems point at the workload, whichever of the two files set the part.
 */
function checkObservability(
  defaults: Record<string, unknown>,
  own: Record<string, unknown>,
  at: string,
  cloudWatchOn: boolean,
  problems: Problem[],
): void {
  const part = (name: string): Record<string, unknown> => ({ ...obj(defaults[name]), ...obj(own[name]) });
  const on = (name: string): boolean => part(name).enabled === true;
  const here = `${at}.observability`;
  checkListNames(own, here, problems);

  const alerting = ["sessionEvents", "tamperEvents", "forbiddenCommands", "watchdog"].filter(on);
  if (alerting.length > 0 && !on("alerts")) {
    problems.push({
      path: `${here}.alerts.enabled`,
      message: `must be true: ${alerting.join(", ")} publish${alerting.length === 1 ? "es" : ""} to the alert topic (set it here or in observabilityDefaults)`,
      value: part("alerts").enabled,
    });
  }
  if (on("forbiddenCommands")) {
    if (!cloudWatchOn) {
      problems.push({
        path: `${here}.forbiddenCommands.enabled`,
        message: "needs CloudWatch session logging, which is off for this workload: turn on session.cloudWatch.enabled, or set this to false",
        value: true,
      });
    }
    const patterns = arr(part("forbiddenCommands").patterns);
    if (patterns.length === 0) {
      problems.push({ path: `${here}.forbiddenCommands.patterns`, message: "must list at least one pattern when forbiddenCommands is enabled" });
    }
    const withRegex = patterns.filter((p) => typeof obj(p).pattern === "string" && hasRegex(obj(p).pattern as string)).length;
    if (withRegex > MAX_REGEX_FILTERS_PER_LOG_GROUP) {
      problems.push({
        path: `${here}.forbiddenCommands.patterns`,
        message: `has ${withRegex} patterns with a regular expression; CloudWatch allows ${MAX_REGEX_FILTERS_PER_LOG_GROUP} such filters per log group`,
      });
    }
  }
  if (on("watchdog") && part("watchdog").mode === undefined) {
    problems.push({
      path: `${here}.watchdog.mode`,
      message: "is required when the watchdog is enabled: start with dry-run, read its alerts, then switch to enforce",
    });
  }
}

/**
 * Pattern names become metric and alarm names, and a subscription's protocol and endpoint name its resource, so
 * each must be unique within its list.
 */
function checkListNames(observability: Record<string, unknown>, at: string, problems: Problem[]): void {
  const seen = new Map<string, string>();
  arr(obj(observability.forbiddenCommands).patterns).forEach((p, j) =>
    firstWins(seen, str(obj(p).name), `${at}.forbiddenCommands.patterns[${j}].name`, problems, "the same name as"),
  );
  const subscriptions = new Map<string, string>();
  arr(obj(observability.alerts).subscriptions).forEach((raw, j) => {
    const s = obj(raw);
    const key = typeof s.protocol === "string" && typeof s.endpoint === "string" ? `${s.protocol} ${s.endpoint}` : undefined;
    firstWins(subscriptions, key, `${at}.alerts.subscriptions[${j}]`, problems, "the same subscription as");
  });
}

/**
 * VPC endpoints and the bastion must be in the workload's regions. An S3 gateway endpoint serves only buckets of
 * its own region, so one in another region than the log bucket does not carry transcripts (a known pitfall), and
 * a bastion nobody's access group matches cannot be reached.
 */
function checkConnectivity(
  c: Record<string, unknown>,
  at: string,
  regions: (string | undefined)[],
  logRegion: string | undefined,
  groups: unknown[],
  problems: Problem[],
): void {
  const here = `${at}.connectivity`;
  const vpcs = new Map<string, string>();
  arr(c.vpcEndpoints).forEach((raw, j) => {
    const e = obj(raw);
    const path = `${here}.vpcEndpoints[${j}]`;
    const region = str(e.region);
    if (region !== undefined && !regions.includes(region)) {
      problems.push({ path: `${path}.region`, message: `is not one of this workload's regions (${regions.filter(Boolean).join(", ")})`, value: region });
    }
    firstWins(vpcs, str(e.vpcId), `${path}.vpcId`, problems, "the same VPC as");
    if (e.s3Gateway === false) return;
    if (arr(e.routeTableIds).length === 0) {
      problems.push({
        path: `${path}.routeTableIds`,
        message: "must list the private subnets' route tables for the S3 gateway endpoint, or set s3Gateway: false",
      });
    }
    if (region !== undefined && logRegion !== undefined && region !== logRegion && e.transcriptRoute === undefined) {
      problems.push({
        path: `${path}.transcriptRoute`,
        message:
          `is required here: an S3 gateway endpoint in ${region} reaches only buckets in ${region}, and the log bucket is ` +
          `in ${logRegion}, so transcripts need another way there. Give the subnets a NAT gateway route (transcriptRoute: nat) ` +
          `or an S3 interface endpoint in ${logRegion} reached through peering or a transit gateway ` +
          `(transcriptRoute: interface-endpoint); the gateway endpoint still serves ${region}'s buckets, such as agent updates`,
      });
    }
  });
  const b = obj(c.bastion);
  const region = str(b.region);
  if (region !== undefined && !regions.includes(region)) {
    problems.push({ path: `${here}.bastion.region`, message: `is not one of this workload's regions (${regions.filter(Boolean).join(", ")})`, value: region });
  }
  const tags = obj(b.tags);
  if (Object.keys(tags).length > 0) {
    const reaches = groups.some((g) =>
      Object.entries(obj(obj(g).instanceTags)).every(([key, values]) => arr(values).includes(tags[key])),
    );
    if (!reaches) {
      problems.push({
        path: `${here}.bastion.tags`,
        message: "match no access group's instanceTags: nobody could start a session on the bastion",
        value: tags,
      });
    }
  }
}

/**
 * Tunnels are pinned to what the config lists: a flag without its list, or a list without its flag, is a mistake.
 * The remote-host document checks host and port separately (SSM validates each parameter on its own), so it allows
 * every listed host with every listed port: a pair that is not listed but would be reachable is reported.
 */
function checkTunnels(g: Record<string, unknown>, at: string, problems: Problem[]): void {
  const pairs: [string, string, string][] = [
    ["allowPortForwarding", "portForwardingPorts", "the instance ports the group may forward, e.g. [5432]"],
    ["allowRemoteHostPortForwarding", "remoteHosts", "the hosts and ports the group may reach, e.g. [{ host: db.internal.example.com, port: 5432 }]"],
  ];
  for (const [flag, list, what] of pairs) {
    const on = g[flag] === true;
    const items = arr(g[list]);
    if (on && items.length === 0) {
      problems.push({ path: `${at}.${list}`, message: `must list ${what}: ${flag} is true`, value: g[list] });
    }
    if (!on && g[list] !== undefined) {
      problems.push({ path: `${at}.${list}`, message: `has no effect: ${flag} is not true (set it, or remove ${list})` });
    }
  }
  const ports = new Map<string, string>();
  arr(g.portForwardingPorts).forEach((p, k) => firstWins(ports, typeof p === "number" ? String(p) : undefined, `${at}.portForwardingPorts[${k}]`, problems, "the same port as"));
  const listed = new Map<string, string>();
  const remote = arr(g.remoteHosts).map(obj);
  remote.forEach((r, k) => {
    const key = typeof r.host === "string" && typeof r.port === "number" ? `${r.host}:${r.port}` : undefined;
    firstWins(listed, key, `${at}.remoteHosts[${k}]`, problems, "the same host and port as");
  });
  const hosts = [...new Set(remote.map((r) => r.host).filter((h): h is string => typeof h === "string"))];
  const remotePorts = [...new Set(remote.map((r) => r.port).filter((p): p is number => typeof p === "number"))];
  const unlisted = hosts.flatMap((h) => remotePorts.map((p) => `${h}:${p}`)).filter((pair) => !listed.has(pair));
  if (unlisted.length > 0) {
    problems.push({
      path: `${at}.remoteHosts`,
      message:
        `would also allow ${unlisted.join(", ")}: the document allows every listed host with every listed port. ` +
        "List those pairs too, or give the other hosts to another access group",
    });
  }
}

/** Suppressions must name a rule that exists and a stack this config produces (the organization stack aside). */
function checkSuppressions(
  compliance: Record<string, unknown>,
  workloads: (string | undefined)[],
  identityCenter: boolean,
  justInTime: boolean,
  problems: Problem[],
): void {
  const stacks = [
    LOG_ARCHIVE_STACK,
    ...workloads.filter((w): w is string => w !== undefined).map(workloadStackName),
    ...(identityCenter ? [IDENTITY_CENTER_STACK] : []),
    ...(justInTime ? [JUST_IN_TIME_STACK] : []),
  ];
  arr(compliance.suppressions).forEach((raw, i) => {
    const s = obj(raw);
    const rule = str(s.rule);
    if (rule !== undefined && /^SM-/.test(rule) && !RULES.some((r) => r.id === rule)) {
      problems.push({ path: `compliance.suppressions[${i}].rule`, message: "is not a rule of the pack (see docs/compliance-rules.md)", value: rule });
    }
    const stack = str(s.stack);
    if (stack !== undefined && !stacks.includes(stack)) {
      problems.push({ path: `compliance.suppressions[${i}].stack`, message: `is not a stack of this config (${stacks.join(", ")})`, value: stack });
    }
  });
}

function checkLogArchive(log: Record<string, unknown>, problems: Problem[]): void {
  const retention = num(log.retentionDays) ?? LOG_ARCHIVE_DEFAULTS.retentionDays;
  const transition = num(log.transitionDays) ?? LOG_ARCHIVE_DEFAULTS.transitionDays;
  if (transition >= retention) {
    problems.push({
      path: "logArchive.transitionDays",
      message: `must be less than retentionDays (${retention}): objects would expire before they move to Glacier`,
      value: transition,
    });
  }
  const lockDays = num(obj(log.objectLock).days);
  if (lockDays !== undefined && lockDays > retention) {
    problems.push({
      path: "logArchive.objectLock.days",
      message: `must not exceed retentionDays (${retention}): S3 cannot expire a locked version`,
      value: lockDays,
    });
  }
}

/** The bucket and IAM names built from the prefix must be valid AWS names. */
function checkDerivedNames(prefix: string, logAccount: string | undefined, problems: Problem[]): void {
  const bucket = logBucketName(prefix, logAccount ?? "000000000000");
  const reserved = ["xn--", "sthree-", "amzn-s3-demo-"].find((p) => bucket.startsWith(p));
  if (reserved !== undefined) {
    problems.push({
      path: "organization.namePrefix",
      message: `gives the bucket name ${bucket}, but S3 reserves names starting with '${reserved}'`,
      value: prefix,
    });
  }
  if (bucket.length > 63) {
    problems.push({ path: "organization.namePrefix", message: `gives a bucket name over 63 characters`, value: prefix });
  }
  if (logKeyAlias(prefix).startsWith("alias/aws")) {
    problems.push({ path: "organization.namePrefix", message: "must not start with 'aws' (KMS reserves alias/aws*)", value: prefix });
  }
  checkIamName(instanceRoleName(prefix), 64, "organization.namePrefix", problems);
}

function checkIamName(name: string, max: number, path: string, problems: Problem[]): void {
  if (name.length > max) {
    problems.push({ path, message: `gives the IAM name ${name}, longer than IAM's ${max} characters`, value: name });
  }
}

/** Records `value` at `path`; a later duplicate is reported against the first place it appeared. */
function firstWins(
  seen: Map<string, string>,
  value: string | undefined,
  path: string,
  problems: Problem[],
  relation: string,
): void {
  if (value === undefined) return;
  const first = seen.get(value);
  if (first === undefined) seen.set(value, path);
  else problems.push({ path, message: `is ${relation} ${first}; each must be unique`, value });
}

const obj = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === "boolean" ? v : undefined);
