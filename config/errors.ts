/** One thing wrong with the config: where, what, and the offending value when there is one. */
export interface Problem {
  /** Field path such as `workloads[1].accountId`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
  readonly value?: unknown;
}

/** Every problem of a config file at once. main.ts prints `message` and exits non-zero, without a stack trace. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly Problem[],
  ) {
    super(
      [`${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"}`, ...problems.map(formatProblem)].join(
        "\n",
      ),
    );
    this.name = "ConfigError";
  }
}

export function formatProblem(p: Problem): string {
  const got = p.value === undefined ? "" : ` (got ${describeValue(p.value)})`;
  return `  ${p.path || "(file)"}: ${p.message}${got}`;
}

function describeValue(v: unknown): string {
  const text = JSON.stringify(v);
  if (text === undefined) return String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
