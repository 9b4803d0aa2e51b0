// `npm run github-targets`: the stacks the GitHub plan and deploy workflows run, with each account's roles, as JSON
// (config/naming.ts derives them). `--github-output` writes them to $GITHUB_OUTPUT for the jobs instead:
// configured (true or false), log-archive (one target), workloads, organization, identity-center, just-in-time and
// stacks (arrays).
import { appendFileSync } from "node:fs";
import { loadConfig } from "../config/load";
import { githubTargets, type GithubTargets } from "../config/naming";

const stacksOf = (t: GithubTargets) => [t.logArchive, ...t.workloads, ...t.justInTime, ...t.organization, ...t.identityCenter];

const targets = githubTargets(loadConfig(process.env.SESSIONS_CONFIG ?? "sessions.yaml"));
if (!process.argv.includes("--github-output")) {
  console.log(JSON.stringify(targets ?? null, null, 2));
} else {
  const out = process.env.GITHUB_OUTPUT;
  if (!out) throw new Error("--github-output needs GITHUB_OUTPUT, which GitHub Actions sets");
  const lines =
    targets === undefined
      ? ["configured=false", "log-archive={}", "workloads=[]", "organization=[]", "identity-center=[]", "just-in-time=[]", "stacks=[]"]
      : [
          "configured=true",
          `log-archive=${JSON.stringify(targets.logArchive)}`,
          `workloads=${JSON.stringify(targets.workloads)}`,
          `organization=${JSON.stringify(targets.organization)}`,
          `identity-center=${JSON.stringify(targets.identityCenter)}`,
          `just-in-time=${JSON.stringify(targets.justInTime)}`,
          `stacks=${JSON.stringify(stacksOf(targets))}`,
        ];
  appendFileSync(out, lines.map((l) => `${l}\n`).join(""));
  const stacks = targets === undefined ? [] : stacksOf(targets);
  console.log(stacks.length === 0 ? "deployment.github is not set: no account to plan or deploy with OIDC" : stacks.map((t) => `${t.stack} (${t.accountId})`).join(", "));
}
