import type { Problem } from "./errors";
import { validatePolicies } from "../modules/policies/cedar";
import {
  applicableManualPolicies,
  autoApprovalStatements,
  cedarPolicyText,
  denyStatements,
  nodeScopes,
  describeTags,
  type NodeTags,
} from "../modules/policies/just-in-time";

/**
 * Checks of just-in-time node access that need more than one field: the groups rules name, the tags they name, the
 * manual approval policies a node meets, and every Cedar policy validated against the just-in-time schema (the
 * raw statements of the escape hatch, and the ones compiled from the rules).
 *
 * Like crossCheck, they read the raw input and skip what is not of the expected shape.
 */
export function checkJustInTime(root: Record<string, unknown>, problems: Problem[]): void {
  const workloads = arr(root.workloads).map(obj);
  const jit = root.justInTime === undefined ? undefined : obj(root.justInTime);
  const jitWorkloads = workloads.map((w, i) => ({ w, at: `workloads[${i}]` })).filter(({ w }) => w.accessMode === "just-in-time");

  workloads.forEach((w, i) => {
    if (w.accessMode !== "just-in-time" && w.justInTime !== undefined) {
      problems.push({ path: `workloads[${i}].justInTime`, message: "has no effect: accessMode is not just-in-time (set accessMode: just-in-time, or remove justInTime)" });
    }
  });
  if (jitWorkloads.length > 0 && jit === undefined) {
    problems.push({
      path: "justInTime",
      message: `is required: ${jitWorkloads.map(({ at }) => at).join(", ")} ${jitWorkloads.length === 1 ? "is" : "are"} in just-in-time mode, which needs the delegated administrator and its targets`,
    });
  }
  if (jit === undefined) return;

  const groups = new Map<string, Record<string, unknown>>();
  const seen = new Map<string, string>();
  arr(jit.groups).forEach((raw, j) => {
    const g = obj(raw);
    const name = str(g.name);
    if (name === undefined) return;
    const first = seen.get(name);
    if (first !== undefined) problems.push({ path: `justInTime.groups[${j}].name`, message: `is the same name as ${first}; each must be unique`, value: name });
    else {
      seen.set(name, `justInTime.groups[${j}].name`);
      groups.set(name, obj(g.identityCenterGroup));
    }
  });
  const known = [...groups.keys()];
  const listed = known.length === 0 ? "none" : known.join(", ");
  /** Cedar names a group by its Identity Store id: workload accounts cannot look a display name up. */
  const cedarGroup = (name: unknown, path: string): void => {
    if (typeof name !== "string") return;
    const ref = groups.get(name);
    if (ref === undefined) problems.push({ path, message: `is not a group of justInTime.groups (${listed})`, value: name });
    else if (str(ref.groupId) === undefined) {
      problems.push({
        path,
        message: `needs justInTime.groups' ${name} to give a groupId: approval policies name Identity Store group ids, and the accounts they live in cannot look a display name up`,
        value: name,
      });
    }
  };

  // Tags every node scope of the just-in-time workloads uses, as Key=value.
  const workloadPairs = (w: Record<string, unknown>): Set<string> =>
    new Set(arr(w.accessGroups).flatMap((g) => Object.entries(obj(obj(g).instanceTags)).flatMap(([k, values]) => arr(values).map((v) => `${k}=${String(v)}`))));
  const everyPair = new Set(jitWorkloads.flatMap(({ w }) => [...workloadPairs(w)]));
  const checkTags = (nodeTags: unknown, pairs: Set<string>, path: string, scope: string): void => {
    for (const [key, values] of Object.entries(obj(nodeTags))) {
      arr(values).forEach((v, k) => {
        if (typeof v === "string" && !pairs.has(`${key}=${v}`)) {
          problems.push({ path: `${path}.${key}[${k}]`, message: `names ${key}=${v}, which no node scope of ${scope} uses (the access groups' instanceTags): the rule would match no node it is meant for`, value: v });
        }
      });
    }
  };

  const denyRules = arr(jit.denyRules).map(obj);
  const ruleNames = new Map<string, string>();
  denyRules.forEach((r, j) => {
    const at = `justInTime.denyRules[${j}]`;
    firstWins(ruleNames, str(r.name), `${at}.name`, problems);
    arr(r.groups).forEach((g, k) => cedarGroup(g, `${at}.groups[${k}]`));
    arr(r.exceptGroups).forEach((g, k) => cedarGroup(g, `${at}.exceptGroups[${k}]`));
    // Against the just-in-time workloads' nodes; with none (all standing for now), there is nothing to compare with.
    if (jitWorkloads.length > 0) checkTags(r.nodeTags, everyPair, `${at}.nodeTags`, "a just-in-time workload");
  });
  checkCedar(jit.denyCedar, "forbid", "justInTime.denyCedar", problems);
  if (problems.length === 0 && denyRules.length > 0) {
    const text = cedarPolicyText(denyStatements(denyRules as never, (n) => str(groups.get(n)?.groupId) ?? n));
    for (const message of validatePolicies(text, "forbid")) problems.push({ path: "justInTime.denyRules", message: `compile to Cedar that ${message}` });
  }

  for (const { w, at } of jitWorkloads) {
    const access = arr(w.accessGroups).map(obj);
    const accessNames = access.map((g) => str(g.name)).filter((n): n is string => n !== undefined);
    access.forEach((g, j) => {
      const tunnel = ["allowSsh", "allowPortForwarding", "allowRemoteHostPortForwarding"].find((flag) => g[flag] === true);
      if (tunnel !== undefined) {
        problems.push({
          path: `${at}.accessGroups[${j}].${tunnel}`,
          message: "cannot be true in just-in-time mode: sessions run with AWS's just-in-time token policy, which starts the default shell document (SSM-SessionManagerRunShell) only",
          value: true,
        });
      }
    });
    const rules = obj(w.justInTime);
    const auto = arr(rules.autoApprove).map(obj);
    const manual = arr(rules.manualApproval).map(obj);
    if (auto.length === 0 && manual.length === 0 && rules.cedar === undefined) {
      problems.push({
        path: `${at}.justInTime`,
        message: "must give at least one autoApprove or manualApproval rule: with no approval policy for a node, nobody can request access to it",
      });
    }
    const pairs = workloadPairs(w);
    const names = new Map<string, string>();
    auto.forEach((r, j) => {
      const path = `${at}.justInTime.autoApprove[${j}]`;
      firstWins(names, str(r.name), `${path}.name`, problems);
      arr(r.requesters).forEach((g, k) => {
        if (typeof g !== "string") return;
        const at = `${path}.requesters[${k}]`;
        if (!accessNames.includes(g)) {
          problems.push({ path: at, message: `is not an access group of this workload (${accessNames.join(", ") || "none"})`, value: g });
          return;
        }
        // An Identity Center access group names its own group; an IAM one needs an entry of justInTime.groups.
        const own = obj(access.find((a) => a.name === g)?.identityCenterGroup);
        if (Object.keys(own).length === 0) cedarGroup(g, at);
        else if (str(own.groupId) === undefined) {
          problems.push({
            path: at,
            message: `needs the access group ${g} to give its identityCenterGroup a groupId: approval policies name Identity Store group ids, and the accounts they live in cannot look a display name up`,
            value: g,
          });
        }
      });
      checkTags(r.nodeTags, pairs, `${path}.nodeTags`, "this workload");
    });
    manual.forEach((r, j) => {
      const path = `${at}.justInTime.manualApproval[${j}]`;
      firstWins(names, str(r.name), `${path}.name`, problems);
      arr(r.approvers).forEach((g, k) => {
        if (typeof g === "string" && !groups.has(g)) problems.push({ path: `${path}.approvers[${k}]`, message: `is not a group of justInTime.groups (${listed})`, value: g });
      });
      if (r.nodeTags !== undefined) checkTags(r.nodeTags, pairs, `${path}.nodeTags`, "this workload");
    });
    checkManualOverlaps(manual, access, `${at}.justInTime.manualApproval`, problems);
    checkCedar(rules.cedar, "permit", `${at}.justInTime.cedar`, problems);
    if (problems.length === 0 && auto.length > 0) {
      const id = (n: string): string => str(obj(access.find((a) => a.name === n)?.identityCenterGroup).groupId) ?? str(groups.get(n)?.groupId) ?? n;
      const text = cedarPolicyText(autoApprovalStatements(auto as never, id));
      for (const message of validatePolicies(text, "permit")) problems.push({ path: `${at}.justInTime.autoApprove`, message: `compile to Cedar that ${message}` });
    }
  }
}

/**
 * Two manual approval policies that apply to the same node make Systems Manager fail every request for it: two
 * that share a key-value pair, two for all nodes, or two that both target a node some access group reaches.
 */
function checkManualOverlaps(manual: Record<string, unknown>[], access: Record<string, unknown>[], path: string, problems: Problem[]): void {
  const policies = manual.map((m, j) => ({ j, name: str(m.name), nodeTags: m.nodeTags === undefined ? undefined : (obj(m.nodeTags) as unknown as NodeTags) }));
  const reported = new Set<string>();
  const report = (a: number, b: number, why: string): void => {
    const key = `${a}/${b}`;
    if (reported.has(key)) return;
    reported.add(key);
    problems.push({
      path: `${path}[${b}]`,
      message: `applies to the same nodes as ${path}[${a}] (${why}): Systems Manager fails requests for a node that two manual approval policies target. Give the nodes one policy`,
      value: policies[b].name,
    });
  };
  const everyNode = policies.filter((p) => p.nodeTags === undefined);
  for (const p of everyNode.slice(1)) report(everyNode[0].j, p.j, "both target every node");
  const specific = policies.filter((p) => p.nodeTags !== undefined);
  for (let x = 0; x < specific.length; x++) {
    for (let y = x + 1; y < specific.length; y++) {
      const shared = Object.entries(specific[x].nodeTags!).flatMap(([k, values]) =>
        arr(values).filter((v) => arr(obj(specific[y].nodeTags)[k]).includes(v)).map((v) => `${k}=${String(v)}`),
      );
      if (shared.length > 0) report(specific[x].j, specific[y].j, `both target ${shared.join(", ")}`);
    }
  }
  const scopes = nodeScopes(access.map((g) => ({ instanceTags: obj(g.instanceTags) as unknown as NodeTags })).filter((g) => Object.values(g.instanceTags).every(Array.isArray)));
  for (const tags of scopes) {
    const applicable = applicableManualPolicies(specific, tags);
    for (const p of applicable.slice(1)) report(applicable[0].j, p.j, `a node tagged ${describeTags(tags)} carries tags of both`);
  }
}

function checkCedar(text: unknown, effect: "permit" | "forbid", path: string, problems: Problem[]): void {
  if (typeof text !== "string" || text.trim() === "") return;
  for (const message of validatePolicies(text, effect)) problems.push({ path, message });
}

function firstWins(seen: Map<string, string>, value: string | undefined, path: string, problems: Problem[]): void {
  if (value === undefined) return;
  const first = seen.get(value);
  if (first === undefined) seen.set(value, path);
  else problems.push({ path, message: `is the same name as ${first}; each must be unique`, value });
}

const obj = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
