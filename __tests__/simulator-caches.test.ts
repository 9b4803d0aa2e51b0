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

test("a pattern's empty region is not region-blind: an ARN whose region only collates like none is not another's answer", () => {
  // The module whose export the cache wraps, as the simulator loads it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const patterns = require("../node_modules/@cloud-copilot/iam-utils/dist/cjs/resourceTypes.js") as {
    mostSpecificMatchingResourceTypePatterns: (resource: string, patterns: string[]) => string[];
  };
  const s3Object = ["arn:${Partition}:s3:::${BucketName}/${ObjectName}"];
  // A soft hyphen compares equal to "" in the simulator's localeCompare; a real region does not.
  const asked = ["arn:aws:s3:\u00ad::bucket/key", "arn:aws:s3:eu-west-1::bucket/key", "arn:aws:s3:::bucket/key"];
  const cached = asked.map((arn) => patterns.mostSpecificMatchingResourceTypePatterns(arn, s3Object));
  useSimulatorCaches(false);
  try {
    const own = asked.map((arn) => patterns.mostSpecificMatchingResourceTypePatterns(arn, s3Object));
    expect(own[1]).toEqual([]);
    expect(own[2]).toEqual(s3Object);
    expect(cached).toEqual(own);
  } finally {
    useSimulatorCaches(true);
  }
});
