/**
 * What CloudWatch Logs refuses in a metric filter pattern (PutMetricFilter's filterPattern), and what it accepts
 * but then silently ignores, checked when the config is loaded: a bad pattern is a config error with its path
 * instead of a failed apply or an alarm that never fires. The rules follow the CloudWatch Logs "Filter pattern
 * syntax" page; JSON and space-delimited patterns get the structural checks only.
 */

/** CloudWatch Logs' limit on filterPattern. */
export const MAX_FILTER_PATTERN_LENGTH = 1024;
/** At most two regular expressions in one pattern. */
export const MAX_REGEXES = 2;
/** CloudWatch's quota of metric filters with a regular expression per log group. */
export const MAX_REGEX_FILTERS_PER_LOG_GROUP = 5;

/** Whether a pattern holds a regular expression (it then counts against the log group's quota). */
export const hasRegex = (pattern: string): boolean => {
  const tokens = tokenize(pattern.trim());
  return typeof tokens !== "string" && tokens.some((t) => t.kind === "regex");
};

/** The symbols a %regex% may contain besides letters, digits and its operators. */
const REGEX_SYMBOLS = ":_#=@/;,-";
const REGEX_OPERATORS = "^$?[]{}|\\*+.";
/** Escapes CloudWatch documents: character classes, a byte in hex, or an operator taken literally. */
const REGEX_ESCAPE = /^\\(?:[dDsSwW]|x[0-9A-Fa-f]{2}|[\^$?[\]{}|\\*+.])/;

export function filterPatternProblems(pattern: string): string[] {
  if (pattern.trim() === "") return ["must not be empty: an empty pattern matches every line of every session"];
  const problems: string[] = [];
  if (pattern.length > MAX_FILTER_PATTERN_LENGTH) {
    problems.push(`is ${pattern.length} characters; CloudWatch accepts at most ${MAX_FILTER_PATTERN_LENGTH}`);
  }
  const trimmed = pattern.trim();
  if (trimmed.startsWith("{") && !trimmed.endsWith("}")) problems.push("starts with '{' (a JSON pattern) but does not end with '}'");
  if (trimmed.startsWith("[") && !trimmed.endsWith("]")) problems.push("starts with '[' (a space-delimited pattern) but does not end with ']'");

  const tokens = tokenize(pattern);
  if (typeof tokens === "string") return [...problems, tokens];
  const regexes = tokens.filter((t) => t.kind === "regex");
  if (regexes.length > MAX_REGEXES) problems.push(`has ${regexes.length} regular expressions; CloudWatch accepts at most ${MAX_REGEXES} in one pattern`);
  for (const r of regexes) problems.push(...regexProblems(r.text));

  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) {
    for (const t of tokens) {
      if (t.kind !== "bare") continue;
      const term = t.text.replace(/^[?-]/, "");
      if (!/^[A-Za-z0-9_]+$/.test(term)) {
        problems.push(`term ${t.text} has characters other than letters, digits and _: put it in double quotes, "${term}"`);
      }
    }
    if (regexes.length > 0 && tokens.length > 1) {
      problems.push("combines a regular expression with other terms: in a plain pattern the %regex% must be the whole pattern; put alternatives inside it with |");
    }
    const optional = tokens.filter((t) => t.prefix === "?").length;
    if (optional > 0 && optional < tokens.length) {
      problems.push("mixes ?terms with other terms: CloudWatch then ignores the ?terms; make every term optional (?a ?b) for OR, or none for AND");
    }
    if (tokens.every((t) => t.prefix === "-")) problems.push("only excludes terms: it would match nearly every line of every session");
  }
  return problems;
}

interface Token {
  readonly kind: "bare" | "quoted" | "regex";
  /** The token as written, prefix and delimiters included. */
  readonly text: string;
  readonly prefix: "?" | "-" | "";
}

/** Splits a pattern into terms, "quoted phrases" and %regexes%, or returns what is unbalanced. */
function tokenize(pattern: string): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    if (/\s/.test(pattern[i])) {
      i += 1;
      continue;
    }
    const start = i;
    const prefix = pattern[i] === "?" || pattern[i] === "-" ? (pattern[i] as "?" | "-") : "";
    if (prefix) i += 1;
    const open = pattern[i];
    if (open === '"' || open === "%") {
      const close = findClose(pattern, i + 1, open);
      if (close < 0) {
        return open === '"'
          ? `has an unbalanced double quote at character ${i + 1}`
          : `has a regular expression opened with % at character ${i + 1} and never closed`;
      }
      i = close + 1;
      tokens.push({ kind: open === '"' ? "quoted" : "regex", text: pattern.slice(start, i), prefix });
      continue;
    }
    // A bare term, or the structure of a JSON/space-delimited pattern, runs to the next space or delimiter.
    while (i < pattern.length && !/\s/.test(pattern[i]) && pattern[i] !== '"' && pattern[i] !== "%") i += 1;
    const text = pattern.slice(start, i);
    tokens.push({ kind: "bare", text, prefix });
  }
  return tokens;
}

/** The index of the unescaped `close` at or after `from`, or -1. */
function findClose(text: string, from: number, close: string): number {
  for (let i = from; i < text.length; i += 1) {
    if (text[i] === "\\") i += 1;
    else if (text[i] === close) return i;
  }
  return -1;
}

function regexProblems(token: string): string[] {
  const body = token.replace(/^[?-]?%/, "").slice(0, -1);
  if (body === "") return [`regular expression ${token} is empty`];
  const problems: string[] = [];
  // Escaped characters are literals: they neither open nor close anything.
  const bare = body.replace(/\\./g, "x");
  if (/^[*+?{]/.test(bare) || /\|[*+?{]/.test(bare)) problems.push(`regular expression ${token} starts an alternative with a quantifier, which repeats nothing`);
  for (const [open, close] of [["[", "]"], ["{", "}"]]) {
    if (bare.split(open).length !== bare.split(close).length) problems.push(`regular expression ${token} has unbalanced ${open}${close}`);
  }
  for (let i = 0; i < body.length; i += 1) {
    const c = body[i];
    if (c === "\\") {
      const escape = body.slice(i).match(REGEX_ESCAPE);
      if (!escape) {
        problems.push(`regular expression ${token} has the escape \\${body[i + 1] ?? ""}, which CloudWatch does not accept (use \\d \\s \\w, their capitals, \\xhh, or \\ before an operator)`);
        break;
      }
      i += escape[0].length - 1;
    } else if (!/[A-Za-z0-9]/.test(c) && !REGEX_SYMBOLS.includes(c) && !REGEX_OPERATORS.includes(c)) {
      const hint = c.charCodeAt(0) > 127 ? " (only ASCII)" : c === " " ? " (use \\s for a space)" : c === "(" || c === ")" ? " (CloudWatch regexes have no groups)" : ` (write it as \\x${c.charCodeAt(0).toString(16).padStart(2, "0")})`;
      problems.push(`regular expression ${token} contains '${c}', which CloudWatch does not accept${hint}`);
      break;
    }
  }
  return problems;
}
