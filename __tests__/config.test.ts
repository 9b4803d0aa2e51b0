import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RULE_TABLE_PAGE, withRuleTable } from "../compliance/table";
import { renderJsonSchema } from "../config/json-schema";
import { CONFIG_REFERENCE_PAGE, withConfigReference } from "../config/reference";
import { ConfigError } from "../config/errors";
import { loadConfig, parseConfig, validateConfig } from "../config/load";
import { EXAMPLE_CONFIG, exampleRaw, ROOT, problemsOf } from "./helpers";

function mutated(change: (c: Record<string, any>) => void): Record<string, any> {
  const c = exampleRaw();
  change(c);
  return c;
}

describe("the shipped example config", () => {
  const config = loadConfig(EXAMPLE_CONFIG);

  test("has an organization, a log archive and three workloads, one in two regions, one in just-in-time mode", () => {
    expect(config.organizationId).toMatch(/^o-/);
    expect(config.workloads.map((w) => w.name)).toEqual(["payments", "analytics", "batch"]);
    expect(config.workloads.map((w) => w.regions.length).sort()).toEqual([1, 1, 2]);
    expect(config.workloads.map((w) => w.accessMode)).toEqual(["standing", "standing", "just-in-time"]);
  });

  test("marks its placeholder ids as placeholders", () => {
    const text = readFileSync(EXAMPLE_CONFIG, "utf8");
    for (const id of [config.organizationId, config.logArchive.accountId, ...config.workloads.map((w) => w.accountId)]) {
      const line = text.split("\n").find((l) => l.includes(id));
      expect(line).toMatch(/placeholder/);
    }
  });

  test("points editors at the JSON Schema", () => {
    expect(readFileSync(EXAMPLE_CONFIG, "utf8")).toMatch(/^# yaml-language-server: \$schema=\.\/sessions\.schema\.json/);
  });

  test("workload overrides merge field by field over the defaults", () => {
    const analytics = config.workloads.find((w) => w.name === "analytics")!;
    expect(analytics.session.idleTimeoutMinutes).toBe(15);
    expect(analytics.session.maxSessionDurationMinutes).toBe(60);
    expect(analytics.session.cloudWatch).toEqual({ enabled: true, retentionDays: 400, streaming: true });
    expect(analytics.session.runAs).toEqual({ enabled: true, defaultUser: "ssm-session" });
  });

  test("adoptExistingDocument: true adopts the document in every region of the workload", () => {
    expect(config.workloads.find((w) => w.name === "analytics")!.adoptDocumentRegions).toEqual(["us-east-1"]);
    expect(config.workloads.find((w) => w.name === "payments")!.adoptDocumentRegions).toEqual([]);
  });
});

describe("defaults", () => {
  const minimal = {
    organization: { id: "o-a1b2c3d4e5", namePrefix: "corp" },
    logArchive: { accountId: "111111111111", region: "eu-west-1" },
    workloads: [
      {
        name: "web",
        accountId: "222222222222",
        regions: ["eu-west-1"],
        accessGroups: [{ name: "ops", instanceTags: { Team: ["web"] } }],
      },
    ],
  };

  test("fill every optional field with the strict documented value", () => {
    const c = validateConfig(minimal);
    expect(c.workloads[0].session).toEqual({
      idleTimeoutMinutes: 20,
      maxSessionDurationMinutes: 60,
      runAs: { enabled: false, defaultUser: "ssm-user" },
      shellProfile: { linux: "", windows: "" },
      cloudWatch: { enabled: true, retentionDays: 365, streaming: true },
    });
    expect(c.workloads[0].accessGroups[0]).toMatchObject({ mfaRequired: true, allowSsh: false, allowPortForwarding: false });
    expect(c.logArchive).toMatchObject({ retentionDays: 400, transitionDays: 90 });
    expect(c.logArchive.objectLock).toEqual({ mode: "GOVERNANCE", days: 400 });
    expect(c.deployment.backend).toEqual({ type: "local" });
    expect(c.deployment.assumeRole).toBeUndefined();
  });

  test("Object Lock: on by default, for as long as transcripts are kept; a mode or days alone keeps the other default; false turns it off", () => {
    const lock = (objectLock: unknown, retentionDays?: number) =>
      validateConfig({ ...minimal, logArchive: { ...minimal.logArchive, retentionDays, objectLock } }).logArchive.objectLock;
    expect(lock(undefined, 730)).toEqual({ mode: "GOVERNANCE", days: 730 });
    expect(lock({ mode: "COMPLIANCE" })).toEqual({ mode: "COMPLIANCE", days: 400 });
    expect(lock({ days: 365 })).toEqual({ mode: "GOVERNANCE", days: 365 });
    expect(lock(false)).toBeUndefined();
    expect(() => lock(true)).toThrow("logArchive.objectLock: must be false, or {mode, days} (got true)");
  });

  test("JSON config files are accepted", () => {
    expect(parseConfig(JSON.stringify(minimal), "org.json").namePrefix).toBe("corp");
  });
});

describe("bad configs are rejected with the field path and what is valid", () => {
  const cases: [string, (c: Record<string, any>) => void, string][] = [
    ["account id too short", (c) => (c.workloads[1].accountId = "12345"), "workloads[1].accountId: must be 12 digits"],
    [
      "unquoted account id",
      (c) => (c.logArchive.accountId = 111111111111),
      "logArchive.accountId: must be a quoted string of 12 digits",
    ],
    ["unknown region", (c) => (c.workloads[0].regions[1] = "eu-middle-9"), "workloads[0].regions[1]: must be a commercial AWS region"],
    ["bad organization id", (c) => (c.organization.id = "org-1"), "organization.id: must be an AWS Organizations id"],
    ["idle timeout over 60", (c) => (c.sessionDefaults.idleTimeoutMinutes = 61), "sessionDefaults.idleTimeoutMinutes: Too big"],
    ["idle timeout of 0", (c) => (c.workloads[1].session.idleTimeoutMinutes = 0), "workloads[1].session.idleTimeoutMinutes: Too small"],
    [
      "max session over a day",
      (c) => (c.sessionDefaults.maxSessionDurationMinutes = 1441),
      "sessionDefaults.maxSessionDurationMinutes: Too big",
    ],
    ["run as root", (c) => (c.sessionDefaults.runAs.defaultUser = "root"), "sessionDefaults.runAs.defaultUser: must not be root"],
    ["user runs as root", (c) => (c.workloads[0].users[0].runAsUser = "root"), "workloads[0].users[0].runAsUser: must not be root"],
    [
      "CloudWatch retention CloudWatch refuses",
      (c) => (c.sessionDefaults.cloudWatch.retentionDays = 100),
      "sessionDefaults.cloudWatch.retentionDays: must be a CloudWatch Logs retention",
    ],
    ["typo in a field name", (c) => (c.sessionDefaults.idleTimeout = 5), "sessionDefaults: unknown field idleTimeout"],
    [
      "a number where text goes",
      (c) => (c.sessionDefaults.shellProfile.linux = 5),
      "sessionDefaults.shellProfile.linux: Invalid input: expected string, received number",
    ],
    ["missing accessGroups", (c) => delete c.workloads[1].accessGroups, "workloads[1].accessGroups: is required"],
    [
      "access group without tags",
      (c) => (c.workloads[1].accessGroups[0].instanceTags = {}),
      "workloads[1].accessGroups[0].instanceTags: must name at least one tag",
    ],
    [
      "upper-case name prefix (invalid in bucket names)",
      (c) => (c.organization.namePrefix = "Acme"),
      "organization.namePrefix: must be 1-20 characters of lowercase letters",
    ],
    [
      "name prefix S3 reserves",
      (c) => (c.organization.namePrefix = "xn--corp"),
      "organization.namePrefix: gives the bucket name xn--corp-session-logs-111111111111, but S3 reserves",
    ],
    ["name prefix KMS reserves", (c) => (c.organization.namePrefix = "aws-corp"), "organization.namePrefix: must not start with 'aws'"],
    [
      "workload name with characters IAM and S3 refuse",
      (c) => (c.workloads[0].name = "Payments_EU"),
      "workloads[0].name: must be 1-24 characters of lowercase letters",
    ],
    [
      "duplicate workload name",
      (c) => (c.workloads[1].name = "payments"),
      "workloads[1].name: is the same name as workloads[0].name; each must be unique",
    ],
    [
      "duplicate account id",
      (c) => (c.workloads[1].accountId = "222222222222"),
      "workloads[1].accountId: is the same account as workloads[0].accountId; each must be unique",
    ],
    [
      "workload in the log-archive account",
      (c) => (c.workloads[0].accountId = "111111111111"),
      "workloads[0].accountId: is the same account as logArchive.accountId; each must be unique",
    ],
    ["duplicate region", (c) => (c.workloads[0].regions = ["eu-west-1", "eu-west-1"]), "workloads[0].regions[1]: is the same region as"],
    [
      "user in an unknown group",
      (c) => (c.workloads[0].users[0].groups = ["admins"]),
      "workloads[0].users[0].groups[0]: is not an access group of this workload (payments-operators, payments-developers)",
    ],
    [
      "Run As user while Run As is off",
      (c) => (c.sessionDefaults.runAs.enabled = false),
      "workloads[0].users[0].runAsUser: has no effect: runAs is not enabled",
    ],
    [
      "adopting the document in a region the workload lacks",
      (c) => (c.workloads[1].adoptExistingDocument = ["eu-west-1"]),
      "workloads[1].adoptExistingDocument[0]: is not one of this workload's regions (us-east-1)",
    ],
    [
      "transition after expiry",
      (c) => (c.logArchive.transitionDays = 400),
      "logArchive.transitionDays: must be less than retentionDays (400)",
    ],
    [
      "object lock longer than retention",
      (c) => (c.logArchive.objectLock.days = 500),
      "logArchive.objectLock.days: must not exceed retentionDays (400)",
    ],
    ["object lock mode", (c) => (c.logArchive.objectLock.mode = "STRICT"), "logArchive.objectLock.mode: must be GOVERNANCE or COMPLIANCE"],
    ["unknown backend", (c) => (c.deployment.backend = { type: "consul" }), "deployment.backend.type: type must be local, s3 or cloud"],
  ];

  test.each(cases)("%s", (_, change, expected) => {
    const problems = problemsOf(mutated(change));
    expect(problems.some((p) => p.startsWith(expected))).toBe(true);
  });

  test("every problem is reported at once, shape and logic together", () => {
    const problems = problemsOf(
      mutated((c) => {
        c.workloads[0].accountId = "12";
        c.workloads[1].regions = ["mars-1"];
        c.workloads[1].name = "payments";
        c.sessionDefaults.idleTimeoutMinutes = 90;
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^workloads\[0\]\.accountId: must be 12 digits/),
        expect.stringMatching(/^workloads\[1\]\.regions\[0\]: must be a commercial AWS region/),
        expect.stringMatching(/^workloads\[1\]\.name: is the same name as workloads\[0\]\.name/),
        expect.stringMatching(/^sessionDefaults\.idleTimeoutMinutes: Too big/),
      ]),
    );
  });

  test("the error message names the file, each path and the offending value", () => {
    try {
      validateConfig(mutated((c) => (c.workloads[1].accountId = "12345")), "org.yaml");
      throw new Error("accepted");
    } catch (e) {
      expect((e as Error).message).toBe('org.yaml: 1 problem\n  workloads[1].accountId: must be 12 digits (got "12345")');
    }
  });

  test("YAML syntax errors give the line", () => {
    expect(() => parseConfig("organization:\n  id: [unclosed\n", "x.yaml")).toThrow(/not valid YAML at line \d+/);
  });

  test.each([
    ["an empty YAML file", "", "org.yaml"],
    ["a YAML file of comments only", "# yaml-language-server: $schema=./sessions.schema.json\n# nothing yet\n", "org.yaml"],
    ["an empty JSON file", "  \n", "org.json"],
  ])("%s is an error that says the file is empty", (_, text, file) => {
    expect(() => parseConfig(text, file)).toThrow(
      `${file}: 1 problem\n  (file): the file is empty (no settings, at most comments): start from the minimal config in the README, or write one with npm run init`,
    );
  });

  test("a missing file is a config error, not a crash", () => {
    expect(() => loadConfig(join(ROOT, "no-such.yaml"))).toThrow(ConfigError);
  });
});

test("docs/compliance-rules.md's rule table is generated from the rules and up to date (npm run schema)", () => {
  const page = readFileSync(join(ROOT, RULE_TABLE_PAGE), "utf8");
  expect(page).toBe(withRuleTable(page));
});

test("docs/configuration.md's field reference is generated from the zod definition and up to date (npm run schema)", () => {
  const page = readFileSync(join(ROOT, CONFIG_REFERENCE_PAGE), "utf8");
  expect(page).toBe(withConfigReference(page));
  expect(page).toContain("| `logArchive.objectLock.mode` | `GOVERNANCE`, `COMPLIANCE` |");
});

test("sessions.schema.json is generated from the zod definition and up to date (npm run schema)", () => {
  expect(readFileSync(join(ROOT, "sessions.schema.json"), "utf8")).toBe(renderJsonSchema());
});

test("the sources use zod/mini only: zod's chained API, imported anywhere, is loaded and paid for by every synth", () => {
  const sources = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? sources(join(dir, e.name)) : /\.[cm]?[jt]s$/.test(e.name) ? [join(dir, e.name)] : [],
    );
  const files = ["main.ts", ...["config", "modules", "stacks", "review", "compliance", "connect", "watchdog", "scripts", "__tests__"].flatMap(sources)];
  expect(files).toContain(join("config", "schema.ts"));
  expect(files.filter((f) => /(from\s+|require\(\s*|import\(\s*)["']zod(\/v4)?["']/.test(readFileSync(join(ROOT, f), "utf8")))).toEqual([]);
});

describe("observability", () => {
  const config = loadConfig(EXAMPLE_CONFIG);
  const PATTERNS = exampleRaw().observabilityDefaults.forbiddenCommands.patterns;
  const observabilityOf = (change: (c: Record<string, any>) => void, workload = 1) =>
    validateConfig(mutated(change)).workloads[workload].observability;

  describe("resolved per workload", () => {
    test("payments: its own subscriptions and mode over the defaults", () => {
      expect(config.workloads[0].observability).toEqual({
        alerts: {
          subscriptions: [
            { protocol: "email", endpoint: "payments-oncall@example.com" },
            { protocol: "https", endpoint: "https://alerts.example.com/sns/session" },
          ],
        },
        sessionEvents: true,
        tamperEvents: true,
        forbiddenCommands: PATTERNS,
        watchdog: { mode: "enforce", maxSessionMinutes: 60, scheduleMinutes: 5 },
      });
      expect(PATTERNS.map((p: { name: string }) => p.name)).toEqual(["sudo-su", "sudo-shell", "pipe-to-shell", "sudoers"]);
    });

    test("analytics: the defaults, in dry run", () => {
      expect(config.workloads[1].observability).toEqual({
        alerts: { subscriptions: [{ protocol: "email", endpoint: "security-alerts@example.com" }] },
        sessionEvents: true,
        tamperEvents: true,
        forbiddenCommands: PATTERNS,
        watchdog: { mode: "dry-run", maxSessionMinutes: 60, scheduleMinutes: 5 },
      });
    });
  });

  describe("defaults merge part by part", () => {
    test("a workload that sets one field of a part keeps the part's other fields", () => {
      const o = observabilityOf((c) => (c.workloads[1].observability = { watchdog: { scheduleMinutes: 15 }, alerts: { enabled: true } }));
      expect(o.watchdog).toEqual({ mode: "dry-run", maxSessionMinutes: 60, scheduleMinutes: 15 });
      expect(o.alerts).toEqual({ subscriptions: [{ protocol: "email", endpoint: "security-alerts@example.com" }] });
      expect(o.forbiddenCommands).toEqual(PATTERNS);
    });

    test("arrays replace the defaults' arrays, they do not add to them", () => {
      const sudo = { name: "sudo", pattern: "sudo" };
      const o = observabilityOf((c) => {
        c.workloads[1].observability = { forbiddenCommands: { patterns: [sudo] }, alerts: { subscriptions: [] } };
      });
      expect(o.forbiddenCommands).toEqual([sudo]);
      expect(o.alerts).toEqual({ subscriptions: [] });
    });

    test("a workload turns off what the defaults turn on, and the reverse", () => {
      const off = observabilityOf((c) => (c.workloads[1].observability = { sessionEvents: { enabled: false }, watchdog: { enabled: false } }));
      expect(off).toMatchObject({ sessionEvents: false, watchdog: undefined });
      expect(off.forbiddenCommands).toHaveLength(4);
      const on = observabilityOf((c) => {
        c.observabilityDefaults.watchdog.enabled = false;
        c.workloads[1].observability = { watchdog: { enabled: true } };
      });
      expect(on.watchdog).toEqual({ mode: "dry-run", maxSessionMinutes: 60, scheduleMinutes: 5 });
    });

    test("the watchdog's maximum defaults to the workload's own maxSessionDurationMinutes, its schedule to 5", () => {
      const o = observabilityOf((c) => {
        delete c.observabilityDefaults.watchdog.scheduleMinutes;
        c.workloads[1].session.maxSessionDurationMinutes = 90;
      });
      expect(o.watchdog).toEqual({ mode: "dry-run", maxSessionMinutes: 90, scheduleMinutes: 5 });
      expect(observabilityOf((c) => (c.workloads[1].observability = { watchdog: { maxSessionMinutes: 240 } })).watchdog).toMatchObject({
        maxSessionMinutes: 240,
      });
    });

    test("without observabilityDefaults, a workload without observability has every part off", () => {
      const c = validateConfig(
        mutated((c) => {
          delete c.observabilityDefaults;
          delete c.workloads[0].observability;
        }),
      );
      for (const w of c.workloads) {
        expect(w.observability).toEqual({ alerts: undefined, sessionEvents: false, tamperEvents: false, forbiddenCommands: [], watchdog: undefined });
      }
    });

    test("tamper events are on wherever alerts are, unless a workload or the defaults turn them off", () => {
      expect(observabilityOf(() => undefined).tamperEvents).toBe(true);
      expect(observabilityOf((c) => (c.workloads[1].observability = { tamperEvents: { enabled: false } })).tamperEvents).toBe(false);
      expect(observabilityOf((c) => (c.observabilityDefaults.tamperEvents = { enabled: false })).tamperEvents).toBe(false);
      // The workload's part over the defaults', as for every other part.
      expect(
        observabilityOf((c) => {
          c.observabilityDefaults.tamperEvents = { enabled: false };
          c.workloads[1].observability = { tamperEvents: { enabled: true } };
        }).tamperEvents,
      ).toBe(true);
      // Off with alerts: without a topic there is nothing to alert to.
      expect(
        observabilityOf((c) => {
          delete c.observabilityDefaults;
          delete c.workloads[0].observability;
        }).tamperEvents,
      ).toBe(false);
    });

    test("tamperEvents takes only enabled", () => {
      expect(() => validateConfig(mutated((c) => (c.observabilityDefaults.tamperEvents = { enabled: true, rules: [] })))).toThrow(
        /observabilityDefaults\.tamperEvents: unknown field rules/,
      );
    });
  });

  describe("a part without what it needs is an error at the workload's path", () => {
    const cases: [string, (c: Record<string, any>) => void, string[]][] = [
      [
        "session events while alerts are off",
        (c) => (c.workloads[1].observability = { alerts: { enabled: false }, forbiddenCommands: { enabled: false }, watchdog: { enabled: false } }),
        [
          "workloads[1].observability.alerts.enabled: must be true: sessionEvents publishes to the alert topic (set it here or in observabilityDefaults)",
        ],
      ],
      [
        "tamper events turned on while alerts are off",
        (c) =>
          (c.workloads[1].observability = {
            alerts: { enabled: false },
            tamperEvents: { enabled: true },
            sessionEvents: { enabled: false },
            forbiddenCommands: { enabled: false },
            watchdog: { enabled: false },
          }),
        ["workloads[1].observability.alerts.enabled: must be true: tamperEvents publishes to the alert topic (set it here or in observabilityDefaults)"],
      ],
      [
        "forbidden commands while alerts are off",
        (c) => (c.workloads[1].observability = { alerts: { enabled: false }, sessionEvents: { enabled: false }, watchdog: { enabled: false } }),
        [
          "workloads[1].observability.alerts.enabled: must be true: forbiddenCommands publishes to the alert topic (set it here or in observabilityDefaults)",
        ],
      ],
      [
        "the watchdog while alerts are off",
        (c) =>
          (c.workloads[1].observability = { alerts: { enabled: false }, sessionEvents: { enabled: false }, forbiddenCommands: { enabled: false } }),
        ["workloads[1].observability.alerts.enabled: must be true: watchdog publishes to the alert topic (set it here or in observabilityDefaults)"],
      ],
      [
        "alerts off in observabilityDefaults, every other part on there: each workload",
        (c) => (c.observabilityDefaults.alerts.enabled = false),
        [
          "workloads[0].observability.alerts.enabled: must be true: sessionEvents, forbiddenCommands, watchdog publish to the alert topic (set it here or in observabilityDefaults)",
          "workloads[1].observability.alerts.enabled: must be true: sessionEvents, forbiddenCommands, watchdog publish to the alert topic (set it here or in observabilityDefaults)",
          "workloads[2].observability.alerts.enabled: must be true: sessionEvents, forbiddenCommands, watchdog publish to the alert topic (set it here or in observabilityDefaults)",
        ],
      ],
      [
        "forbidden commands while the workload's CloudWatch logging is off",
        (c) => (c.workloads[1].session.cloudWatch.enabled = false),
        [
          "workloads[1].observability.forbiddenCommands.enabled: needs CloudWatch session logging, which is off for this workload: turn on session.cloudWatch.enabled, or set this to false",
        ],
      ],
      [
        "forbidden commands while sessionDefaults turn CloudWatch logging off: each workload",
        (c) => (c.sessionDefaults.cloudWatch.enabled = false),
        [
          "workloads[0].observability.forbiddenCommands.enabled: needs CloudWatch session logging, which is off for this workload: turn on session.cloudWatch.enabled, or set this to false",
          "workloads[1].observability.forbiddenCommands.enabled: needs CloudWatch session logging, which is off for this workload: turn on session.cloudWatch.enabled, or set this to false",
          "workloads[2].observability.forbiddenCommands.enabled: needs CloudWatch session logging, which is off for this workload: turn on session.cloudWatch.enabled, or set this to false",
        ],
      ],
      [
        "forbidden commands with an empty list",
        (c) => (c.workloads[1].observability = { forbiddenCommands: { patterns: [] } }),
        ["workloads[1].observability.forbiddenCommands.patterns: must list at least one pattern when forbiddenCommands is enabled"],
      ],
      [
        "forbidden commands with no list anywhere",
        (c) => delete c.observabilityDefaults.forbiddenCommands.patterns,
        [
          "workloads[0].observability.forbiddenCommands.patterns: must list at least one pattern when forbiddenCommands is enabled",
          "workloads[1].observability.forbiddenCommands.patterns: must list at least one pattern when forbiddenCommands is enabled",
          "workloads[2].observability.forbiddenCommands.patterns: must list at least one pattern when forbiddenCommands is enabled",
        ],
      ],
      [
        "a watchdog without a mode (payments sets its own)",
        (c) => delete c.observabilityDefaults.watchdog.mode,
        [
          "workloads[1].observability.watchdog.mode: is required when the watchdog is enabled: start with dry-run, read its alerts, then switch to enforce",
          "workloads[2].observability.watchdog.mode: is required when the watchdog is enabled: start with dry-run, read its alerts, then switch to enforce",
        ],
      ],
      [
        "duplicate pattern names in observabilityDefaults",
        (c) => (c.observabilityDefaults.forbiddenCommands.patterns[2].name = "sudo-su"),
        [
          "observabilityDefaults.forbiddenCommands.patterns[2].name: is the same name as observabilityDefaults.forbiddenCommands.patterns[0].name; each must be unique",
        ],
      ],
      [
        "duplicate pattern names in a workload",
        (c) =>
          (c.workloads[0].observability.forbiddenCommands = {
            patterns: [
              { name: "rm", pattern: '"rm -rf /"' },
              { name: "rm", pattern: '"rm -fr /"' },
            ],
          }),
        [
          "workloads[0].observability.forbiddenCommands.patterns[1].name: is the same name as workloads[0].observability.forbiddenCommands.patterns[0].name; each must be unique",
        ],
      ],
      [
        "an e-mail subscription to a URL",
        (c) => (c.workloads[0].observability.alerts.subscriptions[0].endpoint = "https://alerts.example.com/sns/session"),
        ["workloads[0].observability.alerts.subscriptions[0].endpoint: must be an e-mail address for protocol email"],
      ],
      [
        "an https subscription to http://",
        (c) => (c.workloads[0].observability.alerts.subscriptions[1].endpoint = "http://alerts.example.com/sns/session"),
        ["workloads[0].observability.alerts.subscriptions[1].endpoint: must be an https:// URL for protocol https"],
      ],
      [
        "a bad subscription in observabilityDefaults",
        (c) => (c.observabilityDefaults.alerts.subscriptions[0] = { protocol: "https", endpoint: "alerts.example.com" }),
        ["observabilityDefaults.alerts.subscriptions[0].endpoint: must be an https:// URL for protocol https"],
      ],
    ];

    test.each(cases)("%s", (_, change, expected) => {
      expect(problemsOf(mutated(change))).toEqual(expected);
    });

    test("a subscription listed twice is a config error at its path, not a construct clash at synth", () => {
      // Subscriptions are named by protocol and endpoint, so a repeated one cannot be synthesized.
      const problems = problemsOf(
        mutated((c) => c.workloads[0].observability.alerts.subscriptions.push({ protocol: "email", endpoint: "payments-oncall@example.com" })),
      );
      expect(problems).toEqual([expect.stringMatching(/^workloads\[0\]\.observability\.alerts\.subscriptions\[2\](\.endpoint)?: /)]);
    });
  });

  describe("forbidden-command patterns CloudWatch would refuse or ignore", () => {
    const DEFAULTS_AT = "observabilityDefaults.forbiddenCommands.patterns[1].pattern";
    const bad: [string, string, string[]][] = [
      ["empty", "", ["must not be empty: an empty pattern matches every line of every session"]],
      ["blank", "   ", ["must not be empty: an empty pattern matches every line of every session"]],
      ["over 1024 characters", `"${"a".repeat(1023)}"`, ["is 1025 characters; CloudWatch accepts at most 1024"]],
      ["an unbalanced quote", '"sudo su', ["has an unbalanced double quote at character 1"]],
      [
        "an unquoted term with '/'",
        "/etc/sudoers",
        ['term /etc/sudoers has characters other than letters, digits and _: put it in double quotes, "/etc/sudoers"'],
      ],
      [
        "?terms mixed with plain terms",
        "?sudo visudo",
        ["mixes ?terms with other terms: CloudWatch then ignores the ?terms; make every term optional (?a ?b) for OR, or none for AND"],
      ],
      [
        "a regex with a space",
        "%sudo su%",
        [String.raw`regular expression %sudo su% contains ' ', which CloudWatch does not accept (use \s for a space)`],
      ],
      [
        "a regex with parentheses",
        "%(curl|wget)%",
        ["regular expression %(curl|wget)% contains '(', which CloudWatch does not accept (CloudWatch regexes have no groups)"],
      ],
      [
        "a regex with an escape CloudWatch lacks",
        String.raw`%curl\n%`,
        [
          String.raw`regular expression %curl\n% has the escape \n, which CloudWatch does not accept (use \d \s \w, their capitals, \xhh, or \ before an operator)`,
        ],
      ],
      ["three regexes", '[a=%curl%, b=%wget%, c=%nc%]', ["has 3 regular expressions; CloudWatch accepts at most 2 in one pattern"]],
      [
        "a regex with other terms in a plain pattern",
        "?%curl% ?%wget%",
        ["combines a regular expression with other terms: in a plain pattern the %regex% must be the whole pattern; put alternatives inside it with |"],
      ],
      ["an unclosed character class", "%[a-z%", ["regular expression %[a-z% has unbalanced []"]],
      ["a quantifier with nothing to repeat", "%*abc%", ["regular expression %*abc% starts an alternative with a quantifier, which repeats nothing"]],
      ["a JSON pattern without its closing brace", '{ $.sessionData[*] = "*sudo*"', ["starts with '{' (a JSON pattern) but does not end with '}'"]],
    ];

    test.each(bad)("%s, in observabilityDefaults", (_, pattern, messages) => {
      const problems = problemsOf(mutated((c) => (c.observabilityDefaults.forbiddenCommands.patterns[1].pattern = pattern)));
      expect(problems).toEqual(messages.map((m) => `${DEFAULTS_AT}: ${m}`));
    });

    test.each(bad)("%s, in a workload", (_, pattern, messages) => {
      const problems = problemsOf(
        mutated((c) => (c.workloads[1].observability = { forbiddenCommands: { patterns: [PATTERNS[0], { name: "bad", pattern }] } })),
      );
      expect(problems).toEqual(messages.map((m) => `workloads[1].observability.forbiddenCommands.patterns[1].pattern: ${m}`));
    });

    test("a pattern with several problems reports each", () => {
      expect(problemsOf(mutated((c) => (c.observabilityDefaults.forbiddenCommands.patterns[1].pattern = "%a b% ?x y")))).toEqual([
        `${DEFAULTS_AT}: regular expression %a b% contains ' ', which CloudWatch does not accept (use \\s for a space)`,
        `${DEFAULTS_AT}: combines a regular expression with other terms: in a plain pattern the %regex% must be the whole pattern; put alternatives inside it with |`,
        `${DEFAULTS_AT}: mixes ?terms with other terms: CloudWatch then ignores the ?terms; make every term optional (?a ?b) for OR, or none for AND`,
      ]);
    });

    test.each([
      ...PATTERNS.map((p: { pattern: string }) => p.pattern),
      '{ $.sessionData[*] = "*sudo*" }',
      '"rm -rf /"',
      "?sudo ?su",
      String.raw`%\x2fetc\x2fshadow%`,
    ])("accepts %s", (pattern) => {
      const c = validateConfig(mutated((c) => (c.observabilityDefaults.forbiddenCommands.patterns[1].pattern = pattern)));
      expect(c.workloads[1].observability.forbiddenCommands[1].pattern).toBe(pattern);
    });
  });

  test("every problem is reported at once, observability and the rest together", () => {
    const problems = problemsOf(
      mutated((c) => {
        c.workloads[1].accountId = "3333";
        c.workloads[1].observability = { alerts: { enabled: false }, sessionEvents: { enabled: false }, forbiddenCommands: { enabled: false } };
        delete c.observabilityDefaults.watchdog.mode;
        c.observabilityDefaults.forbiddenCommands.patterns[0].pattern = "/etc/shadow";
        c.observabilityDefaults.forbiddenCommands.patterns[3].name = "sudo-shell";
        c.workloads[0].observability.alerts.subscriptions[1].endpoint = "http://alerts.example.com/sns/session";
      }),
    );
    expect([...problems].sort()).toEqual(
      [
        "workloads[1].accountId: must be 12 digits",
        "workloads[1].observability.alerts.enabled: must be true: watchdog publishes to the alert topic (set it here or in observabilityDefaults)",
        "workloads[1].observability.watchdog.mode: is required when the watchdog is enabled: start with dry-run, read its alerts, then switch to enforce",
        "workloads[2].observability.watchdog.mode: is required when the watchdog is enabled: start with dry-run, read its alerts, then switch to enforce",
        'observabilityDefaults.forbiddenCommands.patterns[0].pattern: term /etc/shadow has characters other than letters, digits and _: put it in double quotes, "/etc/shadow"',
        "observabilityDefaults.forbiddenCommands.patterns[3].name: is the same name as observabilityDefaults.forbiddenCommands.patterns[1].name; each must be unique",
        "workloads[0].observability.alerts.subscriptions[1].endpoint: must be an https:// URL for protocol https",
      ].sort(),
    );
  });
});

describe("CloudWatch's quota of regex filters per log group", () => {
  test("six patterns with a regular expression in one workload is a config error at the list", () => {
    const raw = exampleRaw();
    raw.observabilityDefaults.forbiddenCommands.patterns = [1, 2, 3, 4, 5, 6].map((n) => ({ name: `r${n}`, pattern: `%tool${n}%` }));
    expect(problemsOf(raw)).toEqual([
      "workloads[0].observability.forbiddenCommands.patterns: has 6 patterns with a regular expression; CloudWatch allows 5 such filters per log group",
      "workloads[1].observability.forbiddenCommands.patterns: has 6 patterns with a regular expression; CloudWatch allows 5 such filters per log group",
      "workloads[2].observability.forbiddenCommands.patterns: has 6 patterns with a regular expression; CloudWatch allows 5 such filters per log group",
    ]);
    raw.observabilityDefaults.forbiddenCommands.patterns.pop();
    expect(() => validateConfig(raw)).not.toThrow();
  });
});
