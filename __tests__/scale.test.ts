import { validateConfig } from "../config/load";
import { accessChecks, accessModel } from "../review/checks";
import { evaluateAll } from "../review/simulate";
import { synthesizeAndResolve } from "./helpers";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { organization } = require("../scripts/organization") as { organization: (n: number) => Record<string, any> };

/** A generated organization (scripts/organization.js, as npm run bench uses it), synthesized and resolved. */
function generated(n: number) {
  const config = validateConfig(organization(n));
  return { config, stacks: synthesizeAndResolve(config) };
}

test("evaluating each distinct question once gives every check the outcome a full evaluation gives", async () => {
  // Five accounts: w004 differs from the four others (no SSH for its developers, another team tag).
  const { config, stacks } = generated(5);
  expect(config.workloads[4]!.accessGroups[1]!.allowSsh).toBe(false);
  const model = accessModel(config, stacks);
  const checks = accessChecks(config, model);
  const full = await evaluateAll(model, checks, { deduplicate: false });
  const once = await evaluateAll(model, checks);
  expect(full.simulations).toBe(checks.length);
  // Alike accounts ask the same questions: far fewer simulations.
  expect(once.simulations).toBeLessThan(checks.length / 2);
  expect(once.outcomes).toEqual(full.outcomes);
  // The outcomes name each account's own statements and policies, and w004's differ where its settings do.
  const ssh = (stack: string) => checks.findIndex((c) => c.stack === stack && c.row === "start an SSH session" && c.column === "payments-developers member");
  expect(once.outcomes[ssh("workload-w003")]!.decision).toBe("Allowed");
  expect(once.outcomes[ssh("workload-w004")]!.decision).not.toBe("Allowed");
}, 120_000);
