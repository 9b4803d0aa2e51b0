import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { compileFunction } from "node:vm";
import { buildSync } from "esbuild";
import { strFromU8, unzipSync } from "fflate";
import { bundleWatchdog, deterministicZip, inputsKey, projectRoot, type WatchdogCode, watchdogCode, watchdogZip } from "../modules/watchdog-code";

const ROOT = join(__dirname, "..");

/** The entries of a zip as its central directory records them. */
function centralDirectory(zip: Buffer) {
  const eocd = zip.length - 22; // no archive comment
  expect(zip.readUInt32LE(eocd)).toBe(0x06054b50);
  const count = zip.readUInt16LE(eocd + 10);
  const entries = [];
  for (let i = 0, at = zip.readUInt32LE(eocd + 16); i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    entries.push({
      name: zip.toString("latin1", at + 46, at + 46 + nameLength),
      madeBy: zip[at + 5],
      dosTime: zip.readUInt16LE(at + 12),
      dosDate: zip.readUInt16LE(at + 14),
      unixMode: zip.readUInt32LE(at + 38) >>> 16,
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

let code: WatchdogCode;
let zip: Buffer;
let indexJs: string;
beforeAll(() => {
  code = watchdogCode();
  zip = readFileSync(code.zipPath);
  indexJs = strFromU8(unzipSync(zip)["index.js"]);
});

describe("watchdogCode", () => {
  test("keeps watchdog.zip in the project's cache, named by what it is built from, once per process", () => {
    expect(code.zipPath).toBe(join(ROOT, "node_modules", ".cache", "session-manager-cdktf", `watchdog-${inputsKey(ROOT)}`, "watchdog.zip"));
    expect(watchdogCode()).toBe(code);
  });

  test("the cached zip is the one a fresh build gives", () => {
    expect(Buffer.from(watchdogZip(bundleWatchdog(ROOT))).equals(zip)).toBe(true);
  });

  test("the cache key changes with the watchdog's sources and the lockfile, and only with what it is built from", () => {
    const scratch = mkdtempSync(join(tmpdir(), "watchdog-key-"));
    try {
      cpSync(join(ROOT, "watchdog"), join(scratch, "watchdog"), { recursive: true });
      cpSync(join(ROOT, "package-lock.json"), join(scratch, "package-lock.json"));
      const before = inputsKey(scratch);
      expect(inputsKey(scratch)).toBe(before);
      writeFileSync(join(scratch, "unrelated.txt"), "x");
      expect(inputsKey(scratch)).toBe(before);
      appendFileSync(join(scratch, "watchdog", "handler.ts"), "\n// changed\n");
      const edited = inputsKey(scratch);
      expect(edited).not.toBe(before);
      appendFileSync(join(scratch, "package-lock.json"), " ");
      expect(inputsKey(scratch)).not.toBe(edited);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test("sha256 is the base64 SHA-256 of the zip's bytes, as source_code_hash expects", () => {
    expect(code.sha256).toBe(createHash("sha256").update(zip).digest("base64"));
    expect(code.sha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  test("holds index.js alone: a Unix rw-r--r-- file dated 1980-01-01 00:00", () => {
    expect(centralDirectory(zip)).toEqual([
      // DOS date 1980-01-01: (0 << 9) | (1 << 5) | 1
      { name: "index.js", madeBy: 3, dosTime: 0, dosDate: 0x21, unixMode: 0o100644 },
    ]);
  });

  test("the bundle carries no machine paths and no AWS SDK: the runtime provides it", () => {
    for (const path of [ROOT, homedir(), tmpdir(), "node_modules"]) expect(indexJs).not.toContain(path);
    expect(indexJs).toContain("// watchdog/handler.ts\n");
    expect(indexJs).not.toMatch(/@smithy|SignatureV4|class SSMClient/);
    expect([...indexJs.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).sort()).toEqual([
      "@aws-sdk/client-sns",
      "@aws-sdk/client-ssm",
    ]);
    expect(indexJs.length).toBeLessThan(20_000); // the SDK alone would be megabytes
  });

  test("index.js exports handler, which checks its settings before creating any client", async () => {
    const required: string[] = [];
    const sdkStub = new Proxy({}, { get: () => class {} });
    const mod = { exports: {} as Record<string, unknown> };
    compileFunction(indexJs, ["module", "exports", "require", "process"])(
      mod,
      mod.exports,
      (id: string) => (required.push(id), sdkStub),
      { env: {} },
    );
    expect(typeof mod.exports.handler).toBe("function");
    await expect((mod.exports.handler as () => Promise<unknown>)()).rejects.toThrow("TOPIC_ARN must be a standard SNS topic ARN");
    expect(required).toEqual(["@aws-sdk/client-ssm", "@aws-sdk/client-sns"]);
  });
});

describe("projectRoot", () => {
  test("is the parent of modules/ (run from source) and of dist/ (run from the app bundle)", () => {
    expect(projectRoot(join(ROOT, "modules"))).toBe(ROOT);
    expect(projectRoot(join(ROOT, "dist"))).toBe(ROOT);
  });

  test("fails with the folder it searched from", () => {
    expect(() => projectRoot(tmpdir())).toThrow(`watchdog code: no watchdog/handler.ts in ${tmpdir()} or any folder above it`);
  });
});

describe("deterministicZip", () => {
  test("orders entries by name, whatever order they come in", () => {
    const a = new TextEncoder().encode("a");
    const b = new TextEncoder().encode("b");
    const zipped = Buffer.from(deterministicZip({ "b.js": b, "a.js": a }));
    expect(centralDirectory(zipped).map((e) => e.name)).toEqual(["a.js", "b.js"]);
    expect(zipped.equals(Buffer.from(deterministicZip({ "a.js": a, "b.js": b })))).toBe(true);
  });
});

describe("from the app bundle, in other processes and time zones", () => {
  // Bundled like scripts/build.js bundles the app (esbuild external), into dist/: __dirname is then dist/, as in
  // dist/main.js. The zip's timestamp is where time zones could leak in: India is UTC+05:30.
  const bundle = join(ROOT, "dist", `.watchdog-code-test-${process.pid}.js`);
  // A fresh build in each child (the cache would hand every process the same file), and the cached path.
  const child = `
    const m = require(${JSON.stringify(bundle)});
    const started = process.hrtime.bigint();
    const zip = Buffer.from(m.watchdogZip(m.bundleWatchdog(m.projectRoot(require("node:path").dirname(${JSON.stringify(bundle)})))));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(JSON.stringify({ zipPath: m.watchdogCode().zipPath, zip: zip.toString("base64"), ms }));
  `;
  beforeAll(() => {
    mkdirSync(dirname(bundle), { recursive: true });
    buildSync({
      absWorkingDir: ROOT,
      entryPoints: ["modules/watchdog-code.ts"],
      outfile: bundle,
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      external: ["esbuild"],
      logLevel: "warning",
    });
  });
  afterAll(() => rmSync(bundle, { force: true }));

  test("build the same bytes, and find them at the same cached path", async () => {
    const run = (tz: string) => promisify(execFile)(process.execPath, ["-e", child], { cwd: ROOT, env: { ...process.env, TZ: tz } });
    const results = (await Promise.all(["UTC", "Asia/Kolkata"].map(run))).map((r) => JSON.parse(r.stdout));
    for (const r of results) {
      expect(r.zip).toBe(zip.toString("base64"));
      expect(r.zipPath).toBe(code.zipPath);
    }
  });
});
