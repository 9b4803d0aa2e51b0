import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { App } from "cdktf";
import type { Config } from "../config/types";
import { buildStacks } from "./index";

/** Files the synthesizer writes into each stack directory; anything else there (.terraform, plans) is Terraform's. */
const SYNTHESIZED_FILES = ["cdk.tf.json", "cdk.tf", "metadata.json"];

export interface SynthesizeOptions {
  /** Write HCL (`cdk.tf`) instead of JSON. @default SYNTH_HCL_OUTPUT, as `cdktf synth --hcl` sets it */
  readonly hcl?: boolean;
}

/**
 * Synthesizes every stack into `outdir`, all or nothing: stacks are built in a staging directory beside it and
 * moved into place only when every stack has synthesized, so a failure leaves `outdir` as it was.
 */
export function synthesize(config: Config, outdir: string, options: SynthesizeOptions = {}): void {
  const target = resolve(outdir);
  mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}.staging-`));
  try {
    // No stack traces in the manifest: they hold absolute paths of this machine.
    const app = new App({ outdir: staging, stackTraces: false, hclOutput: options.hcl });
    buildStacks(app, config);
    app.synth();
    publish(staging, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function publish(staging: string, target: string): void {
  const stagedStacks = join(staging, "stacks");
  for (const stack of existsSync(stagedStacks) ? readdirSync(stagedStacks) : []) {
    const to = join(target, "stacks", stack);
    mkdirSync(to, { recursive: true });
    // A switch between JSON and HCL output must not leave both files for Terraform to load.
    for (const f of SYNTHESIZED_FILES) rmSync(join(to, f), { force: true });
    moveTree(join(stagedStacks, stack), to);
  }
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
