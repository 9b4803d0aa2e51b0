import { evaluateStacks } from "../review/report";
import "../review/simulate";
import { useSimulatorCaches } from "../review/simulator-caches";
import { exampleConfig, synthesizeAndResolve } from "./helpers";

describe("the simulator's caches", () => {
  test("change no outcome: the example's checks of its fullest workload, with the caches and with the simulator's own functions", async () => {
    const config = exampleConfig();
    const stacks = synthesizeAndResolve(config);
    // The caches first, from empty: every answer they hand back was worked out in this run, for another question.
    const cached = await evaluateStacks(config, stacks, "workload-payments");
    useSimulatorCaches(false);
    try {
      const own = await evaluateStacks(config, stacks, "workload-payments");
      expect(cached.results.length).toBeGreaterThan(300);
      expect(new Set(cached.results.map((r) => r.outcome.decision))).toEqual(new Set(["Allowed", "ExplicitlyDenied", "ImplicitlyDenied"]));
      expect(cached.results).toEqual(own.results);
    } finally {
      useSimulatorCaches(true);
    }
  });
});
