import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { parentPort, Worker } from "node:worker_threads";
import { App, type IResolveContext, ref, TerraformStack } from "cdktf";
import { appValidationFailure } from "cdktf/lib/errors";
import { blocking, ComplianceError, complianceReport, complianceWarnings, type Finding } from "../compliance/engine";
import { synthesizedJsonPath, workloadStackName } from "../config/naming";
import type { Config } from "../config/types";
import { buildStacks, type Stacks, UnbuiltStack, type WorkloadStack } from "./index";
import { WorkspacesStack } from "./workspaces-stack";

/** What the synthesizer writes into each stack directory; anything else there (.terraform, plans) is Terraform's. */
const SYNTHESIZED_FILES = ["cdk.tf.json", "cdk.tf", "metadata.json", "assets"];
/** The directory of the Terraform JSON an HCL synth keeps beside its HCL (see synthesizedJsonPath). */
const JSON_COPIES = dirname(synthesizedJsonPath("stack"));

export interface SynthesizeOptions {
  /** Write HCL (`cdk.tf`) instead of JSON. @default SYNTH_HCL_OUTPUT, as `cdktf synth --hcl` sets it */
  readonly hcl?: boolean;
  /** Threads that write stacks (JSON output). @default SYNTH_THREADS, else one per core (see synthThreads) */
  readonly threads?: number;
  /** Threads started ahead, while the config was validated (see SynthThreads). @default none: started as needed */
  readonly started?: SynthThreads;
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
    const threads = synthThreads(config.workloads.length, options.threads);
    const { stacks, written, findings } =
      threads > 1 ? await synthInParallel(app, config, staging, threads, options.started) : synthAll(app, config);
    const report = complianceReport(
      config,
      stacks.map((stack) => findings.get(stack.node.id)!),
    );
    const stopping = blocking(report.findings);
    if (stopping.length > 0) throw new ComplianceError(stopping);
    const resources = stacks.map((stack) => (app.hclOutput ? resourceCount(keepJson(staging, stack)) : written.get(stack.node.id)!));
    if (app.hclOutput) await formatHcl(staging);
    await publish(staging, target);
    const summary = stacks.map((stack, i) => ({
      name: stack.node.id,
      accountId: stack.accountId,
      organization: stack instanceof WorkspacesStack ? stack.organization : undefined,
      resources: resources[i]!,
    }));
    return { warnings: complianceWarnings(report), stacks: summary };
  } finally {
    if (envBefore === undefined) delete process.env.SYNTH_HCL_OUTPUT;
    else process.env.SYNTH_HCL_OUTPUT = envBefore;
    // Node.js removes a tree's entries in parallel on its thread pool: a large organization's leftovers are
    // thousands of directories.
    await rm(staging, { recursive: true, force: true });
  }
}

type OrderedStack = ReturnType<typeof orderedStacks>[number];
type BuiltStack = Exclude<OrderedStack, UnbuiltStack>;

const isBuilt = (stack: OrderedStack): stack is BuiltStack => !(stack instanceof UnbuiltStack);

/** Every stack, in build order: workspaces, log-archive, the workloads as the config lists them, the organization, Identity Center. */
function orderedStacks({ logArchive, workloads, organization, identityCenter, justInTime, workspaces }: Stacks<WorkloadStack | UnbuiltStack>) {
  const stacks = [
    ...(workspaces ? [workspaces] : []),
    logArchive,
    ...workloads,
    ...(organization ? [organization] : []),
    ...(identityCenter ? [identityCenter] : []),
    ...(justInTime ? [justInTime] : []),
  ];
  // Findings are collected once every stack is written, so that all of them are reported at once.
  for (const stack of stacks) if (isBuilt(stack)) stack.compliance.failSynth = false;
  return stacks;
}

/** Managed resources (data sources not counted) in a stack's Terraform JSON. */
const resourceCount = (terraform: Record<string, any>): number =>
  Object.values<Record<string, unknown>>(terraform.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);

/** What writing stacks gives, by stack name: resource counts (JSON output only) and compliance findings. */
interface Written {
  readonly written: Map<string, number>;
  readonly findings: Map<string, readonly Finding[]>;
}

/**
 * cdktf's App.synth() without its cross-stack reference pass, when no stack refers to another: writes `stacks`,
 * then (unless `manifest` is false, as when other threads write some of the stacks: see synthInParallel) the
 * manifest.
 *
 * App.synth() first resolves every element of every stack in a "preparing" pass whose only effect is to wire up
 * references between stacks (remote state and outputs), then resolves them all again to write them: about a
 * third of a synth. The stacks here never refer to one another (each reads only its own config), so the writing
 * pass alone gives the same output; it also notes any reference that crosses stacks, and should one ever appear,
 * the synth runs cdktf's full sequence, preparing pass included, and writes every stack again.
 */
function synthApp(app: App, stacks: readonly BuiltStack[], { manifest = true } = {}): Written & { crossed: boolean } {
  const session = { outdir: app.outdir, skipValidation: app.skipValidation, manifest: app.manifest };
  for (const stack of stacks) stack.ensureBackendExists();
  const written = new Map<string, number>();
  const write = (): void => {
    for (const stack of stacks) {
      const toTerraform = stack.toTerraform;
      stack.toTerraform = () => {
        const json = toTerraform.call(stack);
        written.set(stack.node.id, resourceCount(json));
        return json;
      };
      try {
        stack.synthesizer.synthesize(session);
      } finally {
        stack.toTerraform = toTerraform;
      }
    }
  };
  const crossed = noticingCrossStackReferences(write);
  if (!manifest) return { written, crossed, findings: findingsOf(stacks) };
  if (crossed) {
    for (const stack of stacks) stack.prepareStack();
    write();
  }
  finishApp(app);
  return { written, crossed, findings: findingsOf(stacks) };
}

/** Each stack's compliance findings, as its validation found them while the stack was written. */
const findingsOf = (stacks: readonly BuiltStack[]): Map<string, readonly Finding[]> =>
  // Should cdktf ever skip validations, check the stacks as they stand.
  new Map(stacks.map((stack) => [stack.node.id, stack.compliance.lastFindings ?? stack.compliance.findings()]));

/** What App.synth() does once every stack is written: the app's own validations, then the manifest. */
function finishApp(app: App): void {
  if (!app.skipValidation) {
    const validations = app.node.validate();
    if (validations.length > 0) throw appValidationFailure(validations.join("\n  "));
  }
  app.manifest.writeToFile();
}

/** Workload stacks per thread, at least: a thread costs about as much to start as a dozen stacks take to write. */
const STACKS_PER_THREAD = 16;

/** The names of the workload stacks each of `threads` threads writes: every n-th, this thread's first. */
const workloadShares = (config: Config, threads: number): string[][] =>
  Array.from({ length: threads }, (_, t) => config.workloads.filter((_w, i) => i % threads === t).map((w) => workloadStackName(w.name)));

/**
 * How many threads write stacks: one for HCL output (formatted and completed from each stack's JSON afterwards, in
 * this thread: see keepJson; cdktf's App reads SYNTH_HCL_OUTPUT the same way), else the number chosen (`requested`
 * or SYNTH_THREADS, up to one per workload), else one per core while each gets STACKS_PER_THREAD workload stacks;
 * one when this code is not running from the bundle (tests, tsx), which the threads load. A bad SYNTH_THREADS
 * throws, whatever the output.
 */
function synthThreads(workloads: number, requested: number | undefined): number {
  const chosen = threadsChosen(requested);
  if (process.env.SYNTH_HCL_OUTPUT === "true" || !__filename.endsWith(".js")) return 1;
  if (chosen !== undefined) return Math.max(1, Math.min(chosen, workloads));
  return Math.max(1, Math.min(availableParallelism(), Math.floor(workloads / STACKS_PER_THREAD)));
}

/** The number of threads the `threads` option or SYNTH_THREADS asks for, checked before anything is built. */
function threadsChosen(requested: number | undefined): number | undefined {
  const chosen = requested ?? (process.env.SYNTH_THREADS === undefined ? undefined : Number(process.env.SYNTH_THREADS));
  if (chosen !== undefined && !(Number.isInteger(chosen) && chosen >= 1)) {
    throw new Error(`SYNTH_THREADS must be a whole number of threads, 1 or more, not ${requested ?? process.env.SYNTH_THREADS}`);
  }
  return chosen;
}

/** The work of one synth thread: build the named workload stacks from `config`, and write them into `staging`. */
export interface SynthShare {
  readonly config: Config;
  readonly staging: string;
  readonly stacks: readonly string[];
}

/** What a synth thread sends back. */
interface ShareResult {
  readonly written: [string, number][];
  readonly findings: [string, readonly Finding[]][];
  readonly annotations: [string, unknown[]][];
  readonly crossed: boolean;
}

/** Every stack, built and written by this thread. */
function synthAll(app: App, config: Config): Written & { stacks: readonly OrderedStack[] } {
  const stacks = orderedStacks(buildStacks(app, config)) as BuiltStack[];
  return { stacks, ...synthApp(app, stacks) };
}

/**
 * Synthesizes the stacks on `threads` threads: this one and others, each of which runs this bundle (main.ts hands
 * it its share to synthesizeShare), builds every n-th workload stack and writes it into the staging directory.
 * They get their shares first; this thread then builds its own share and every other stack but the other
 * threads' workloads, which are UnbuiltStacks here, writes what it built, then the manifest, with the annotations
 * the others report. Each stack's files depend on that stack alone, so the output is the same as one thread's
 * (tests compare them byte for byte). A thread that fails fails the synth.
 */
async function synthInParallel(
  app: App,
  config: Config,
  staging: string,
  threads: number,
  started?: SynthThreads,
): Promise<Written & { stacks: readonly OrderedStack[] }> {
  const shares = workloadShares(config, threads);
  const others = shares.slice(1).map((share) => (started?.take() ?? new SynthThread()).run({ config, staging, stacks: share }));
  // Every thread has ended before this returns or throws: none may still write into a staging directory being removed.
  const ended = Promise.allSettled(others);
  let stacks: OrderedStack[];
  let mine: ReturnType<typeof synthApp>;
  try {
    const share = new Set(shares[0]);
    stacks = orderedStacks(buildStacks(app, config, (name) => share.has(name)));
    mine = synthApp(app, stacks.filter(isBuilt), { manifest: false });
  } finally {
    await ended;
  }
  const results = await Promise.all(others);
  if (mine.crossed || results.some((r) => r.crossed)) {
    // cdktf's full sequence needs every stack in one app.
    return synthAll(new App({ outdir: staging, stackTraces: false }), config);
  }
  const byName = new Map(stacks.map((stack) => [stack.node.id, stack]));
  for (const [name, annotations] of results.flatMap((r) => r.annotations)) {
    (app.manifest.forStack(byName.get(name)!) as { annotations: unknown[] }).annotations = annotations;
  }
  finishApp(app);
  return {
    stacks,
    written: new Map([...mine.written, ...results.flatMap((r) => r.written)]),
    findings: new Map([...mine.findings, ...results.flatMap((r) => r.findings)]),
  };
}

/** A thread running this bundle that waits for its share of a synth, then sends back its ShareResult. */
class SynthThread {
  private readonly worker = new Worker(__filename);
  /** Settles when the thread has sent its result, or has failed or ended first. */
  private readonly result: Promise<ShareResult>;

  constructor() {
    this.result = new Promise<ShareResult>((done, fail) => {
      this.worker.once("message", done);
      this.worker.once("error", fail);
      this.worker.once("exit", (code) => fail(new Error(`a synth thread ended (exit code ${code}) before it had written its stacks`)));
    });
    // A thread never given a share is stopped; what a failure of one that is means is for run()'s caller.
    this.result.catch(() => undefined);
  }

  /** Hands the thread its share; settles as `result` does. */
  run(job: SynthShare): Promise<ShareResult> {
    this.worker.postMessage(job);
    return this.result;
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

/**
 * The threads a synth will use, started before it (main.ts starts them as soon as it knows how many workloads the
 * config lists): loading the bundle in each takes about as long as validating a large organization's config,
 * and happens meanwhile. None for a synth of one thread.
 */
export class SynthThreads {
  private constructor(private readonly idle: SynthThread[]) {}

  /** Starts the threads for a synth of `workloads` workload stacks, as synthesize() would choose them from the environment. */
  static start(workloads: number): SynthThreads {
    const threads = synthThreads(workloads, undefined);
    return new SynthThreads(Array.from({ length: threads - 1 }, () => new SynthThread()));
  }

  /** A started thread, if one is left. */
  take(): SynthThread | undefined {
    return this.idle.pop();
  }

  /** Stops the threads no synth took: after the synth, or when the config is refused. */
  async stop(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((thread) => thread.stop()));
  }
}

/** A synth thread's work (see synthInParallel): sends its ShareResult to the thread that started it. */
export function synthesizeShare(job: SynthShare): void {
  const app = new App({ outdir: job.staging, stackTraces: false });
  const share = new Set(job.stacks);
  const stacks = orderedStacks(buildStacks(app, job.config, (name) => share.has(name)));
  const { written, findings, crossed } = synthApp(
    app,
    stacks.filter((stack): stack is BuiltStack => isBuilt(stack) && share.has(stack.node.id)),
    { manifest: false },
  );
  const annotations = job.stacks.map((name): [string, unknown[]] => [name, [...app.manifest.stacks[name]!.annotations]]);
  parentPort!.postMessage({ written: [...written], findings: [...findings], annotations, crossed } satisfies ShareResult);
}

/**
 * Runs `fn` and says whether a reference from one stack to another was resolved meanwhile without the cross-stack
 * wiring cdktf's preparing pass sets up: cdktf's Reference (the class of `ref()`'s tokens) resolves such a
 * reference to an address in the other stack, which Terraform would reject.
 */
function noticingCrossStackReferences(fn: () => void): boolean {
  const reference = Object.getPrototypeOf(ref("noticing"));
  const resolve = reference.resolve as (this: CdktfReference, context: IResolveContext) => unknown;
  let crossed = false;
  reference.resolve = function (this: CdktfReference, context: IResolveContext) {
    const here = TerraformStack.of(context.scope);
    if (!context.preparing && this.originStack !== undefined && this.originStack !== here && this.crossStackIdentifier?.[here.toString()] === undefined) {
      crossed = true;
    }
    return resolve.call(this, context);
  };
  try {
    fn();
  } finally {
    reference.resolve = resolve;
  }
  return crossed;
}

/** What noticingCrossStackReferences reads of cdktf's (unexported) Reference. */
interface CdktfReference {
  readonly originStack?: TerraformStack;
  readonly crossStackIdentifier?: Record<string, string>;
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
  // A CommonJS package, required when needed: the bundle runs from a compiled script (scripts/fresh-bundle.js),
  // which has no import().
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { format } = require("@cdktf/hcl-tools") as typeof import("@cdktf/hcl-tools");
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

async function publish(staging: string, target: string): Promise<void> {
  const stagedStacks = join(staging, "stacks");
  const stacks = existsSync(stagedStacks) ? readdirSync(stagedStacks) : [];
  // A stack that left the config must not keep a configuration someone could still apply by hand.
  const targetStacks = join(target, "stacks");
  const synthesized = (dir: string): Promise<unknown> => Promise.all(SYNTHESIZED_FILES.map((f) => rm(join(dir, f), { recursive: true, force: true })));
  const left = new Set(stacks);
  await Promise.all((existsSync(targetStacks) ? readdirSync(targetStacks) : []).filter((old) => !left.has(old)).map((old) => synthesized(join(targetStacks, old))));
  mkdirSync(targetStacks, { recursive: true });
  // Stacks are replaced in parallel (their earlier files removed on Node.js's thread pool): replacing hundreds of
  // stacks one file at a time took seconds.
  await Promise.all(
    stacks.map(async (stack) => {
      const to = join(targetStacks, stack);
      // A new stack's directory moves in whole: moving its files one by one left the staging directory's tree to
      // be removed, directory by directory, which took longer than the synth of a large organization's stacks.
      if (!existsSync(to)) {
        renameSync(join(stagedStacks, stack), to);
        return;
      }
      // A switch between JSON and HCL output must not leave both files for Terraform to load, nor a changed asset
      // its earlier versions.
      await synthesized(to);
      moveTree(join(stagedStacks, stack), to);
    }),
  );
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
    if (statSync(src).isDirectory() && existsSync(dst)) {
      moveTree(src, dst);
    } else {
      renameSync(src, dst);
    }
  }
}
