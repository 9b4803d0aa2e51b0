import { validateConfig } from "../config/load";
import type { Config } from "../config/types";
import { buildReview } from "../review/report";
import type { ResolvedStack } from "../review/resolve";
import { exampleRaw, synthesizeAndResolve } from "./helpers";

/** GitHub's limit on a pull request comment. */
const COMMENT_LIMIT = 65_536;

/**
 * An organization of `n` workloads cloned from the example's analytics workload: every third in us-east-1, the
 * others in eu-west-1; `odd` lets its group use SSH, so it is alike with no other.
 */
function organization(n: number, odd?: number, ssh = false): { config: Config; stacks: ResolvedStack[] } {
  // The same organization is synthesized once for the whole file: the tests read it and never change it.
  const key = JSON.stringify([n, odd, ssh]);
  if (!synthesized.has(key)) synthesized.set(key, synthesizeOrganization(n, odd, ssh));
  return synthesized.get(key)!;
}
const synthesized = new Map<string, { config: Config; stacks: ResolvedStack[] }>();

function synthesizeOrganization(n: number, odd: number | undefined, ssh: boolean): { config: Config; stacks: ResolvedStack[] } {
  const raw = exampleRaw();
  const template = raw.workloads[1];
  delete raw.justInTime; // its rules name the example's just-in-time workload
  // IAM access groups only: the counts below are of the IAM group's checks.
  template.accessGroups = template.accessGroups.filter((g: Record<string, unknown>) => g.identityCenterGroup === undefined);
  raw.workloads = Array.from({ length: n }, (_, i) => {
    const w = structuredClone(template);
    if (i === odd || ssh) w.accessGroups[0].allowSsh = true;
    return { ...w, name: `w${String(i).padStart(3, "0")}`, accountId: String(500000000000 + i), regions: i % 3 === 0 ? ["us-east-1"] : ["eu-west-1"] };
  });
  const config = validateConfig(raw);
  return { config, stacks: synthesizeAndResolve(config) };
}

// Before alike workloads were shown once, an organization of 100 such workloads had a review.md of 1,705,902
// characters (15,628 lines). Evaluating 100 accounts takes long for a unit test; 6 and 12 show what each further
// alike account adds: one line in the list of its group, nothing else.
test("an organization of alike workloads fits a pull request comment at 100 accounts, every account listed", async () => {
  const small = organization(6);
  const large = organization(12);
  const [six, twelve] = [await buildReview(small.config, small.stacks), await buildReview(large.config, large.stacks)];
  for (const review of [six, twelve]) expect(review.surprises).toEqual([]);
  const { markdown } = twelve;
  expect(markdown).toContain("- **group 1**, 4 stacks: workload-w000 (500000000000, us-east-1), workload-w003 (500000000003, us-east-1),");
  expect(markdown).toContain("- **group 2**, 8 stacks: workload-w001 (500000000001, eu-west-1), workload-w002 (500000000002, eu-west-1),");
  for (let i = 0; i < 12; i += 1) expect(markdown).toContain(`workload-w${String(i).padStart(3, "0")} (${500000000000 + i},`);
  expect(markdown).toContain("<details><summary><b>workload-w000 and 3 alike (group 1)</b>: 167 checks in us-east-1, all as intended</summary>");
  expect(markdown).toContain("<details><summary><b>workload-w001 and 7 alike (group 2)</b>: 165 checks in eu-west-1, all as intended</summary>");
  expect(markdown).not.toContain("<b>workload-w002</b>");
  // The organization's rows about each workload, once per group.
  expect(markdown).toMatch(/\| update the preferences document in w000 and 3 alike \(group 1\) \| ⛔ ScpProtectSessionDocuments \| ✅ allowed \|/);
  expect(markdown).not.toContain("update the preferences document in w002 ");
  // Each further alike account costs its entry in the list, about 45 characters, and the counts' digits.
  const perAccount = (markdown.length - six.markdown.length) / 6;
  expect(perAccount).toBeLessThan(60);
  expect(markdown.length + 88 * perAccount).toBeLessThan(COMMENT_LIMIT);
}, 120_000);

test("a workload whose access differs keeps its own section, and its rows in the organization's matrix", async () => {
  const { config, stacks } = organization(7, 4);
  const { markdown } = await buildReview(config, stacks);
  expect(markdown).toContain("<b>workload-w004</b>:");
  expect(markdown).toContain("<b>workload-w001 and 2 alike (group 2)</b>:");
  expect(markdown).toContain("- **group 2**, 3 stacks: workload-w001 (500000000001, eu-west-1), workload-w002 (500000000002, eu-west-1), workload-w005 (500000000005, eu-west-1)");
  expect(markdown).toContain("| update the preferences document in w004 |");
  expect(markdown).toContain("| update the preferences document in w001 and 2 alike (group 2) |");
}, 60_000);

test("a change made to alike workloads is one line per group in what changed", async () => {
  const base = organization(7, 4);
  const head = organization(7, 4, true);
  const evaluated = await buildReview(head.config, head.stacks, base);
  const changes = evaluated.markdown.split("### Workloads alike")[0]!;
  // w000, w003 and w006 are group 1 before and after; w004 had SSH already, so the eu-west-1 change is w001's,
  // w002's and w005's, which are group 2 with w004 now.
  expect(changes).toContain("| workload-w000 and 2 alike (group 1) | us-east-1 | data-engineers member | **start an SSH session** | ⛔ DenyUnapprovedSessionDocuments | **✅ allowed** |");
  expect(changes).toContain("| workload-w001 and 2 more (workload-w002, workload-w005) | eu-west-1 | data-engineers member | **start an SSH session** |");
  expect(changes).toContain("- workload-w000 and 2 alike (group 1): added `aws_ssm_document.tunnels-us-east-1_ssh_");
  expect(changes).not.toMatch(/workload-w00[2-6]\b(?! and)[^,)]/);
}, 60_000);
