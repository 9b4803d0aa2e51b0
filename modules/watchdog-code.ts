import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import type { BuildOptions } from "esbuild";
import { type Zippable, zipSync } from "fflate";

/** The Lambda `handler` setting: the zip's `index.js`, its `handler` export. */
export const WATCHDOG_HANDLER = "index.handler";
/** The function's source, relative to the project root. */
export const WATCHDOG_ENTRY = "watchdog/handler.ts";

/** The watchdog's deployment package. */
export interface WatchdogCode {
  /**
   * The zip, named by its inputs, in the project's cache (node_modules/.cache) or, when that is read-only, the
   * system's temporary directory: synth copies it (a TerraformAsset).
   */
  readonly zipPath: string;
  /** Base64 SHA-256 of the zip: what Terraform's `source_code_hash` (filebase64sha256) compares. */
  readonly sha256: string;
  /**
   * The zip's hash as cdktf's TerraformAsset computes it for a file (upper-case hex MD5), which names the asset's
   * directory: given to each asset, so that each does not read and hash the zip again.
   */
  readonly assetHash: string;
}

// The earliest time a zip (DOS) timestamp can hold. fflate reads it back with local getters, so it is built
// with the local constructor: 00:00 local in every time zone, hence the same bytes everywhere.
const ZIP_MTIME = new Date(1980, 0, 1, 0, 0, 0);
// Unix (3) regular file, rw-r--r--: without it Lambda may not be allowed to read index.js.
const ZIP_OS_UNIX = 3;
const ZIP_FILE_ATTRS = 0o100644 << 16;

let built: WatchdogCode | undefined;

/** How the handler is bundled: one CommonJS file, everything it imports but the AWS SDK. */
const BUILD_OPTIONS = {
  entryPoints: [WATCHDOG_ENTRY],
  bundle: true,
  platform: "node",
  target: "node24",
  format: "cjs",
  // Lambda's Node.js runtimes provide AWS SDK v3.
  external: ["@aws-sdk/*"],
  // Readable: reviewers may unzip the package.
  minify: false,
  sourcemap: false,
  legalComments: "none",
  // The project's tsconfig.json is for type-checking; editing it must not change the deployed code.
  tsconfigRaw: {},
  logLevel: "warning",
} as const satisfies BuildOptions;

/**
 * Bundles and zips the watchdog once per process: later calls return the same result. Identical sources give
 * identical bytes (no paths, fixed timestamp), so the hash changes only when the code does.
 *
 * The zip is kept in node_modules/.cache under a key of everything it is built from (the watchdog's sources,
 * package-lock.json, the build options). A synth whose inputs an earlier one saw reads it back and never starts
 * esbuild: bundling costs about a fifth of a synth.
 */
export function watchdogCode(): WatchdogCode {
  if (built) return built;
  const root = projectRoot(__dirname);
  const name = join(`watchdog-${inputsKey(root)}`, "watchdog.zip");
  // The project's cache, or the system's temporary directory when node_modules is read-only.
  const places = [join(root, "node_modules", ".cache", "session-manager-cdktf", name), join(tmpdir(), "session-manager-cdktf", name)];
  let zipPath = places.find((p) => existsSync(p)) ?? places[0];
  let zip: Uint8Array;
  if (existsSync(zipPath)) {
    zip = readFileSync(zipPath);
  } else {
    zip = watchdogZip(bundleWatchdog(root));
    try {
      writeAtomically(zipPath, zip);
    } catch {
      zipPath = places[1];
      writeAtomically(zipPath, zip);
    }
  }
  built = {
    zipPath,
    sha256: createHash("sha256").update(zip).digest("base64"),
    assetHash: createHash("md5").update(zip).digest("hex").toUpperCase(),
  };
  return built;
}

/** Written aside and renamed: a concurrent synth never reads half a zip. */
function writeAtomically(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.partial`;
  writeFileSync(partial, bytes);
  renameSync(partial, path);
}

/** A short hash of what the zip is built from: every file under watchdog/, the lockfile and the build options. */
export function inputsKey(root: string): string {
  const hash = createHash("sha256").update(JSON.stringify({ ...BUILD_OPTIONS, zip: ["1980-01-01 00:00", ZIP_OS_UNIX, ZIP_FILE_ATTRS] }));
  const walk = (dir: string): string[] =>
    readdirSync(dir)
      .sort()
      .flatMap((entry) => (statSync(join(dir, entry)).isDirectory() ? walk(join(dir, entry)) : [join(dir, entry)]));
  for (const file of walk(join(root, dirname(WATCHDOG_ENTRY)))) hash.update(`\0${relative(root, file)}\0`).update(readFileSync(file));
  const lock = join(root, "package-lock.json");
  if (existsSync(lock)) hash.update(readFileSync(lock));
  return hash.digest("hex").slice(0, 16);
}

/**
 * The nearest folder at or above `from` that holds the watchdog's source. This module runs from `modules/`
 * (tsx, jest) and from the app bundle in `dist/`: one level below the root either way, but searching keeps
 * working if the bundle moves.
 */
export function projectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, WATCHDOG_ENTRY))) return dir;
    if (dirname(dir) === dir) throw new Error(`watchdog code: no ${WATCHDOG_ENTRY} in ${from} or any folder above it`);
  }
}

/** The handler and everything it imports, as one CommonJS file, except the AWS SDK. */
export function bundleWatchdog(root: string): Uint8Array {
  // Loaded only when a bundle is built: a synth that finds the zip in the cache never loads esbuild.
  const { buildSync } = require("esbuild") as typeof import("esbuild");
  const result = buildSync({ ...BUILD_OPTIONS, absWorkingDir: root, write: false });
  return result.outputFiles[0].contents;
}

/** The deployment package: `index.js` alone. */
export function watchdogZip(indexJs: Uint8Array): Uint8Array {
  return deterministicZip({ "index.js": indexJs });
}

/** A zip whose bytes depend only on the files: sorted names, one timestamp, fixed attributes. */
export function deterministicZip(files: Readonly<Record<string, Uint8Array>>): Uint8Array {
  const zippable: Zippable = {};
  for (const name of Object.keys(files).sort()) {
    zippable[name] = [files[name], { level: 9, mtime: ZIP_MTIME, os: ZIP_OS_UNIX, attrs: ZIP_FILE_ATTRS }];
  }
  return zipSync(zippable);
}
