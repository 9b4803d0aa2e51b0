// The bodies of the pull request comments the workflows post (the access review, the plans), built so that a
// comment is never cut mid-content: GitHub holds 65,536 characters per comment. What does not fit is left out
// whole, named, and pointed to in the run's job summary and artifacts, which hold everything. Plain CommonJS with
// no dependencies: actions/github-script requires it from the checkout.
"use strict";

/** GitHub's limit for one comment body, in characters. */
const COMMENT_LIMIT = 65536;

/**
 * Splits markdown into what comes before its first `### ` heading and one section per `### ` heading (heading line
 * included), each ending where the next begins.
 */
function sections(markdown) {
  const lines = markdown.split("\n");
  const first = lines.findIndex((l) => l.startsWith("### "));
  if (first === -1) return { head: markdown, parts: [] };
  const parts = [];
  for (let i = first; i < lines.length; i++) {
    if (lines[i].startsWith("### ")) parts.push({ title: lines[i].slice(4).trim(), lines: [] });
    parts[parts.length - 1].lines.push(lines[i]);
  }
  return { head: lines.slice(0, first).join("\n"), parts: parts.map((p) => ({ title: p.title, text: p.lines.join("\n") })) };
}

/**
 * `head`, then as many of `parts` (each whole, in order) as fit within `limit` together with the note that names the
 * parts left out; `note(left)` writes that note for the titles left out.
 */
function fitWhole(head, parts, note, limit) {
  const kept = [];
  const left = [];
  const size = (k, l) => [head, note(l), ...k.map((p) => p.text)].join("\n").length;
  for (const part of parts) {
    if (size([...kept, part], left) <= limit) kept.push(part);
    else left.push(part.title);
  }
  // The note grows with every part left out after one was kept: drop kept parts from the end until all fits.
  while (kept.length > 0 && size(kept, left) > limit) left.unshift(kept.pop().title);
  return [head, note(left), ...kept.map((p) => p.text)].join("\n");
}

/**
 * The access review comment: the whole review when it fits. Otherwise its heading and verdict, a pointer to the full
 * review, then "What changed" and "Differs from the intended model" in full and whatever other sections fit whole,
 * in the report's order; the rest is named, not cut.
 */
function reviewComment(review, { marker, runUrl, limit = COMMENT_LIMIT }) {
  const whole = `${marker}\n${review}`;
  if (whole.length <= limit) return whole;
  const { head, parts } = sections(review);
  const first = (p) => /^What changed|Differs from the intended model/.test(p.title.replace(/^\W+/, ""));
  const ordered = [...parts.filter(first), ...parts.filter((p) => !first(p))];
  const note = (left) =>
    `_The full review (${review.length.toLocaleString("en-US")} characters) does not fit a comment: read it in the ` +
    `[job summary](${runUrl}) or the \`review\` artifact of the run.` +
    (left.length > 0 ? ` Left out here: ${left.join(", ")}._\n` : "_\n");
  return fitWhole(`${marker}\n${head.trimEnd()}\n`, ordered, note, limit);
}

/**
 * The plan comment: a heading, then one part per stack, each whole; stacks that do not fit are named and left to
 * the job summaries.
 */
function planComment(parts, { marker, heading, runUrl, limit = COMMENT_LIMIT }) {
  const titled = parts.map((text) => ({ title: (text.match(/^#### (.+)$/m) || [, "a stack"])[1], text }));
  const note = (left) =>
    `Full plans: [job summaries and logs](${runUrl}).` + (left.length > 0 ? ` Not shown here, for length: ${left.join(", ")}.\n` : "\n");
  return fitWhole(`${marker}\n${heading}\n`, titled, note, limit);
}

module.exports = { COMMENT_LIMIT, planComment, reviewComment, sections };
