// The pull request comments: whole when they fit; otherwise never cut inside a section, what changed first.
const { COMMENT_LIMIT, planComment, reviewComment } = require("../scripts/pr-comment") as {
  COMMENT_LIMIT: number;
  planComment: (parts: string[], o: { marker: string; heading: string; runUrl: string; limit?: number }) => string;
  reviewComment: (review: string, o: { marker: string; runUrl: string; limit?: number }) => string;
};

const MARKER = "<!-- review -->";
const RUN = "https://github.com/o/r/actions/runs/1";
const section = (title: string, rows: number): string =>
  [`### ${title}`, "", "| a | b |", "|---|---|", ...Array.from({ length: rows }, (_, i) => `| ${title} row ${i} | x |`), ""].join("\n");

function review(matrixRows: number, changedRows = 5): string {
  return [
    "## Session Manager access review",
    "",
    "3 stacks · 40 policies linted · 200 access checks, all as intended",
    "",
    section("What changed", changedRows),
    section("Stacks", 20),
    section("Access matrix", matrixRows),
    section("Policy lint", 1),
  ].join("\n");
}

/** Every section of `text` that the comment holds, whole: each table row in the comment is a row of the review. */
function sectionsIn(comment: string): string[] {
  return [...comment.matchAll(/^### (.+)$/gm)].map((m) => m[1]!);
}

describe("the review comment", () => {
  test("a review that fits is posted whole", () => {
    const text = review(10);
    expect(reviewComment(text, { marker: MARKER, runUrl: RUN })).toBe(`${MARKER}\n${text}`);
  });

  test("a long review keeps what changed in full, leaves the matrix out whole and says where it is", () => {
    const text = review(3000);
    expect(text.length).toBeGreaterThan(COMMENT_LIMIT);
    const comment = reviewComment(text, { marker: MARKER, runUrl: RUN });
    expect(comment.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(comment).toContain(section("What changed", 5));
    expect(comment).toContain(section("Stacks", 20));
    expect(comment).toContain(section("Policy lint", 1));
    expect(sectionsIn(comment)).toEqual(["What changed", "Stacks", "Policy lint"]);
    expect(comment).not.toContain("Access matrix row");
    expect(comment).toContain(`[job summary](${RUN}) or the \`review\` artifact`);
    expect(comment).toContain("Left out here: Access matrix._");
    expect(comment.startsWith(`${MARKER}\n## Session Manager access review\n`)).toBe(true);
  });

  test("what changed comes first even when the report puts differences after it", () => {
    const text = [review(10), section("❗ Differs from the intended model", 2)].join("\n");
    const comment = reviewComment(text, { marker: MARKER, runUrl: RUN, limit: 1200 });
    expect(sectionsIn(comment).slice(0, 2)).toEqual(["What changed", "❗ Differs from the intended model"]);
    expect(comment.length).toBeLessThanOrEqual(1200);
  });

  test("a change summary too long for any comment is left out whole, never cut", () => {
    const comment = reviewComment(review(10, 4000), { marker: MARKER, runUrl: RUN });
    expect(comment.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(comment).not.toContain("What changed row");
    expect(comment).toMatch(/Left out here: What changed/);
  });
});

describe("the plan comment", () => {
  const plan = (stack: string, lines: number): string =>
    [`#### ${stack}`, "", "Plan: 1 to add, 0 to change, 0 to destroy.", "", "```", ...Array.from({ length: lines }, (_, i) => `line ${i} of ${stack}`), "```", ""].join("\n");

  test("stacks that do not fit are named, the others shown whole", () => {
    const parts = [plan("log-archive", 10), plan("workload-a", 4000), plan("workload-b", 10)];
    const comment = planComment(parts, { marker: "<!-- plan -->", heading: "### Terraform plan per stack (success)", runUrl: RUN });
    expect(comment.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(comment).toContain(parts[0]);
    expect(comment).toContain(parts[2]);
    expect(comment).not.toContain("of workload-a");
    expect(comment).toContain("Not shown here, for length: workload-a.");
  });
});
