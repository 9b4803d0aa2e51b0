/**
 * Cedar's answers, remembered between runs. Loading Cedar's WebAssembly engine and parsing the just-in-time schema
 * for its first answer costs about a third of a second; the policies of a config rarely change between two synths.
 * Each answer is kept with the engine's version, under the function and its exact input, so a new engine, a
 * changed policy or a changed schema asks the engine again. The answers are the engine's own, unprocessed: everything this
 * project does with them runs every time.
 *
 * The file lives beside Node.js's compile cache, in `node_modules/.cache/session-manager-cdktf/`; a directory that
 * cannot be written only costs the engine's load. `SESSIONS_CEDAR_CACHE` names another file, or `off` to ask the
 * engine every time. The file is trusted as the engine's word (the parts of a raw Cedar policy become the
 * synthesized just-in-time statements): keep it where only those who can change the code can write.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** Answers kept at most: the newest win, so a file never outgrows a few hundred kilobytes. */
const MAX_ANSWERS = 4000;

interface Store {
  readonly file: string;
  /** The engine's version: the file's answers are used only when it matches. */
  readonly engine: string;
  readonly answers: Map<string, unknown>;
  dirty: boolean;
}

let store: Store | null | undefined;
let savesOnExit = false;

function open(): Store | null {
  if (store !== undefined) return store;
  store = null;
  const chosen = process.env.SESSIONS_CEDAR_CACHE;
  if (chosen === "off") return store;
  try {
    // Resolved, not imported: the engine itself loads only when an answer is missing.
    const build = dirname(require.resolve("@cedar-policy/cedar-wasm/nodejs")); // <node_modules>/@cedar-policy/cedar-wasm/nodejs
    const { version } = JSON.parse(readFileSync(join(build, "package.json"), "utf8")) as { version: string };
    const nodeModules = dirname(dirname(dirname(build)));
    const file = chosen || join(nodeModules, ".cache", "session-manager-cdktf", "cedar.json");
    let answers = new Map<string, unknown>();
    try {
      const kept = JSON.parse(readFileSync(file, "utf8")) as { engine?: string; answers?: Record<string, unknown> };
      // Another engine's answers are not this one's.
      if (kept.engine === version && kept.answers) answers = new Map(Object.entries(kept.answers));
    } catch {
      // none yet, or unreadable: start empty
    }
    store = { file, engine: version, answers, dirty: false };
  } catch {
    // no package manifest to key on: ask the engine every time
  }
  return store;
}

/**
 * The engine's answer to `fn(input)`: the remembered one, else `ask()`'s, remembered. Answers are JSON values
 * (every cedar-wasm call takes and returns JSON), so a remembered answer equals a fresh one.
 */
export function remembered<T>(fn: string, input: unknown, ask: () => T): T {
  const s = open();
  if (s === null) return ask();
  const key = createHash("sha256").update(`${fn}\0${JSON.stringify(input)}`).digest("base64url");
  if (s.answers.has(key)) return structuredClone(s.answers.get(key)) as T;
  const answer = ask();
  s.answers.set(key, structuredClone(answer));
  if (!s.dirty) {
    s.dirty = true;
    // One write per run of synchronous work, after it: a synth asks in bursts (config checks, then the stacks).
    setImmediate(save).unref();
    if (!savesOnExit) process.once("exit", save);
    savesOnExit = true;
  }
  return answer;
}

function save(): void {
  const s = store;
  if (!s?.dirty) return;
  s.dirty = false;
  const entries = [...s.answers].slice(-MAX_ANSWERS);
  try {
    mkdirSync(dirname(s.file), { recursive: true });
    // Written whole and renamed into place: concurrent runs (test workers, synth threads) never read half a file.
    const partial = `${s.file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    try {
      writeFileSync(partial, JSON.stringify({ engine: s.engine, answers: Object.fromEntries(entries) }));
      renameSync(partial, s.file);
    } finally {
      rmSync(partial, { force: true });
    }
  } catch {
    // a read-only node_modules, or a directory in the file's place: the next run asks the engine again
  }
}
