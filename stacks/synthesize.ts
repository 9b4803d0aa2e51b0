import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { App, type TerraformStack } from "cdktf";
import { blocking, ComplianceError, complianceReport, complianceWarnings } from "../compliance/engine";
import { synthesizedJsonPath } from "../config/naming";
import type { Config } from "../config/types";
import { buildStacks } from "./index";
import { WorkspacesStack } from "./workspaces-stack";

/** What the synthesizer writes into each stack directory; anything else there (.terraform, plans) is Terraform's. */
const SYNTHESIZED_FILES = ["cdk.tf.json", "cdk.tf", "metadata.json", "assets"];
/** The directory of the Terraform JSON an HCL synth keeps beside its HCL (see synthesizedJsonPath). */
const JSON_COPIES = dirname(synthesizedJsonPath("stack"));

export interface SynthesizeOptions {
  /** Write HCL (`cdk.tf`) instead of JSON. @default SYNTH_HCL_OUTPUT, as `cdktf synth --hcl` sets it */
  readonly hcl?: boolean;
}

export interface SynthesizedStack {
  readonly name: string;
  /** The account it deploys into. @default undefined: the workspaces stack, which deploys into HCP Terraform */
  readonly accountId?: string;
  /** The HCP Terraform organization of the workspaces stack. */
  readonly organization?: string;
  /** Managed resources (data sources not counted), as the review's stack table counts them. */
  readonly resources: number;
}

export interface SynthesizeResult {
  /** Compliance warnings (warning findings, unused suppressions), one line each, for the caller to print. */
  readonly warnings: readonly string[];
  /** Every stack written, in build order: workspaces, log-archive, the workloads as the config lists them, the organization, identity-center. */
  readonly stacks: readonly SynthesizedStack[];
}

/**
 * Synthesizes every stack into `outdir`, all or nothing: stacks are built in a staging directory beside it and
 * moved into place only when every stack has synthesized, so a failure leaves `outdir` as it was.
 *
 * The compliance rule pack runs as each stack's cdktf validation, after its Aspects; a ComplianceError then lists
 * every finding that is not suppressed, from every stack, and nothing is published.
 */
export async function synthesize(config: Config, outdir: string, options: SynthesizeOptions = {}): Promise<SynthesizeResult> {
  const target = resolve(outdir);
  mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}.staging-`));
  // cdktf 0.21's stacks read HCL mode only from SYNTH_HCL_OUTPUT (App's hclOutput renames the file but still
  // writes JSON), so the option is passed the way `cdktf synth --hcl` passes it.
  const envBefore = process.env.SYNTH_HCL_OUTPUT;
  if (options.hcl !== undefined) process.env.SYNTH_HCL_OUTPUT = String(options.hcl);
  try {
    // No stack traces in the manifest: they hold absolute paths of the machine that ran the synth.
    const app = new App({ outdir: staging, stackTraces: false });
    const { logArchive, workloads, organization, identityCenter, justInTime, workspaces } = buildStacks(app, config);
    const stacks = [
      ...(workspaces ? [workspaces] : []),
      logArchive,
      ...workloads,
      ...(organization ? [organization] : []),
      ...(identityCenter ? [identityCenter] : []),
      ...(justInTime ? [justInTime] : []),
    ];
    const validations = stacks.map((s) => s.compliance);
    for (const v of validations) v.failSynth = false;
    app.synth();
    const report = complianceReport(
      config,
      // Should cdktf ever skip validations, check the stacks as they stand.
      validations.map((v) => v.lastFindings ?? v.findings()),
    );
    const stopping = blocking(report.findings);
    if (stopping.length > 0) throw new ComplianceError(stopping);
    const terraform = stacks.map((stack) =>
      app.hclOutput ? keepJson(staging, stack) : JSON.parse(readFileSync(join(staging, "stacks", stack.node.id, "cdk.tf.json"), "utf8")),
    );
    if (app.hclOutput) await formatHcl(staging);
    publish(staging, target);
    const written = stacks.map((stack, i) => ({
      name: stack.node.id,
      accountId: stack.accountId,
      organization: stack instanceof WorkspacesStack ? stack.organization : undefined,
      resources: Object.values<Record<string, unknown>>(terraform[i].resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0),
    }));
    return { warnings: complianceWarnings(report), stacks: written };
  } finally {
    if (envBefore === undefined) delete process.env.SYNTH_HCL_OUTPUT;
    else process.env.SYNTH_HCL_OUTPUT = envBefore;
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * What cdktf's HCL renderer leaves out, put back from the stack's JSON form, and that JSON kept for the review and
 * the offline plan, which read Terraform JSON. The renderer writes only the `terraform` block of stack-level
 * overrides, so it drops the `import` blocks (modules/import-block.ts): without them the first apply of the HCL
 * fails on an existing SSM-SessionManagerRunShell with DocumentAlreadyExists.
 */
function keepJson(outdir: string, stack: TerraformStack): Record<string, any> {
  mkdirSync(join(outdir, JSON_COPIES), { recursive: true });
  const json = stack.toTerraform();
  writeFileSync(join(outdir, synthesizedJsonPath(stack.node.id)), stableJson(json));
  const file = join(outdir, "stacks", stack.node.id, "cdk.tf");
  const imports = ((json.import ?? []) as ImportBlock[]).map(importHcl);
  if (imports.length > 0) writeFileSync(file, `${readFileSync(file, "utf8").trimEnd()}\n\n${imports.join("\n\n")}\n`);
  return json;
}

/** One line per stack, names and counts aligned: what `npm run synth` prints on success. */
export function synthSummary(stacks: readonly SynthesizedStack[]): string[] {
  const width = Math.max(...stacks.map((s) => s.name.length));
  const where = (s: SynthesizedStack): string => (s.accountId === undefined ? `hcp terraform ${s.organization ?? ""}` : `account ${s.accountId}`);
  const whereWidth = Math.max(...stacks.map((s) => where(s).length));
  const digits = Math.max(...stacks.map((s) => String(s.resources).length));
  return stacks.map(
    (s) => `${s.name.padEnd(width)}  ${where(s).padEnd(whereWidth)}  ${String(s.resources).padStart(digits)} resource${s.resources === 1 ? "" : "s"}`,
  );
}

interface ImportBlock {
  readonly id: string;
  readonly to: string;
  readonly provider?: string;
}

/** One `import` block in HCL: `to` and `provider` are references, `id` a string literal. */
export function importHcl(block: ImportBlock): string {
  // A template sequence in the id is text, not an interpolation, as in the JSON form.
  const literal = JSON.stringify(block.id).replace(/([$%])\{/g, (_, sign: string) => `${sign}${sign}{`);
  const lines = [`  to = ${block.to}`, `  id = ${literal}`, ...(block.provider === undefined ? [] : [`  provider = ${block.provider}`])];
  return ["import {", ...lines, "}"].join("\n");
}

/** JSON with sorted keys and two-space indentation, as cdktf writes cdk.tf.json. */
function stableJson(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v !== null && typeof v === "object"
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]))
        : v;
  return JSON.stringify(sorted(value), null, 2);
}

/**
 * cdktf writes HCL without indentation; reviewers read it and `terraform fmt -check` rejects it. hcl-tools is
 * HashiCorp's hclwrite formatter (what terraform fmt uses) compiled to WebAssembly, loaded only for HCL output.
 */
async function formatHcl(outdir: string): Promise<void> {
  const { format } = await import("@cdktf/hcl-tools");
  const stacks = join(outdir, "stacks");
  // hcl-tools runs Go compiled to WebAssembly, whose scheduler leaves timers of up to a second behind when a
  // format returns; they held every HCL synth about 1.3 s at exit. The ones it creates here are let go once all
  // files are formatted, when nothing waits on them.
  const timers: NodeJS.Timeout[] = [];
  const setTimeoutBefore = global.setTimeout;
  global.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    const timer = setTimeoutBefore(...args);
    timers.push(timer);
    return timer;
  }) as typeof setTimeout;
  try {
    for (const stack of readdirSync(stacks)) {
      const file = join(stacks, stack, "cdk.tf");
      if (existsSync(file)) writeFileSync(file, unwrapInterpolationOnly(await format(readFileSync(file, "utf8"))));
    }
  } finally {
    global.setTimeout = setTimeoutBefore;
    for (const timer of timers) timer.unref();
  }
}

/**
 * Finishing touches on cdktf's HCL, line by line outside heredocs (template text, such as JSON policies, that
 * stays as it is). cdktf writes single-line strings' backslashes unescaped, so they are escaped here. terraform
 * fmt rewrites interpolation-only strings, `"${aws_s3_bucket.x.id}"`, to the bare reference; hclwrite does not.
 * Quoted references in `provider` and `depends_on` are deprecated in HCL.
 */
export function unwrapInterpolationOnly(hcl: string): string {
  let heredocEnd: string | undefined;
  let inDependsOn = false;
  return hcl
    .split("\n")
    .map((line) => {
      if (heredocEnd !== undefined) {
        if (line.trim() === heredocEnd) heredocEnd = undefined;
        return line;
      }
      const opener = line.match(/<<-?([A-Za-z_]+)$/);
      if (opener) heredocEnd = opener[1];
      if (/^\s*depends_on\s*=\s*\[$/.test(line)) inDependsOn = true;
      else if (inDependsOn && /^\s*\]/.test(line)) inDependsOn = false;
      else if (inDependsOn) return line.replace(/^(\s*)"([\w-]+\.[\w-]+)"(,?)$/, "$1$2$3");
      return line
        // cdktf writes a single-line string's backslashes as they are, so HCL would read `\n` as a newline and
        // reject `\|`; only the `\"` it writes for a quote is an escape. Backslashes appear only inside strings.
        .replace(/\\(?!")/g, "\\\\")
        .replace(/"\$\{([A-Za-z_][\w-]*(?:\.[\w-]+|\[\d+\])+)\}"/g, "$1")
        .replace(/^(\s*provider\s*=\s*)"([\w-]+(?:\.[\w-]+)?)"$/, "$1$2");
    })
    .join("\n");
}

function publish(staging: string, target: string): void {
  const stagedStacks = join(staging, "stacks");
  const stacks = existsSync(stagedStacks) ? readdirSync(stagedStacks) : [];
  // A stack that left the config must not keep a configuration someone could still apply by hand.
  const targetStacks = join(target, "stacks");
  for (const old of existsSync(targetStacks) ? readdirSync(targetStacks) : []) {
    if (!stacks.includes(old)) for (const f of SYNTHESIZED_FILES) rmSync(join(targetStacks, old, f), { recursive: true, force: true });
  }
  for (const stack of stacks) {
    const to = join(target, "stacks", stack);
    mkdirSync(to, { recursive: true });
    // A switch between JSON and HCL output must not leave both files for Terraform to load, nor a changed asset
    // its earlier versions.
    for (const f of SYNTHESIZED_FILES) rmSync(join(to, f), { recursive: true, force: true });
    moveTree(join(stagedStacks, stack), to);
  }
  // JSON copies belong to an HCL synth only: a JSON synth must not leave an earlier one's.
  rmSync(join(target, JSON_COPIES), { recursive: true, force: true });
  if (existsSync(join(staging, JSON_COPIES))) renameSync(join(staging, JSON_COPIES), join(target, JSON_COPIES));
  // The manifest goes last: the CLI reads it to find the stacks, so it never names a stack not yet in place.
  renameSync(join(staging, "manifest.json"), join(target, "manifest.json"));
}

function moveTree(from: string, to: string): void {
  for (const entry of readdirSync(from)) {
    const src = join(from, entry);
    const dst = join(to, entry);
    if (statSync(src).isDirectory()) {
      mkdirSync(dst, { recursive: true });
      moveTree(src, dst);
    } else {
      renameSync(src, dst);
    }
  }
}
