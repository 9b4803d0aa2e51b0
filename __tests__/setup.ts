import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// As in the app bundle (scripts/build.js): no stack trace for every token cdktf creates, which is only shown when
// a token fails to resolve. Tests synthesize hundreds of stacks; set DEBUG=1 to keep the traces. Before cdktf
// loads: loading it creates tokens, and each trace costs jest a read of cdktf's source maps.
// eslint-disable-next-line @typescript-eslint/no-require-imports
if (!process.env.DEBUG) require("cdktf/lib/tokens/private/stack-trace").captureStackTrace = () => [];
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Testing } = require("cdktf") as typeof import("cdktf");

// cdktf's own matchers: toHaveResource, toHaveResourceWithProperties, toHaveProvider...
Testing.setupJest();

// cdktf's Testing.app makes a directory in the system's temporary directory for every app and never removes it:
// a run of the suite left hundreds. Apps without an outdir get one inside this file's directory, removed after it.
const appDirs = mkdtempSync(join(tmpdir(), "cdktf-test-apps-"));
const testingApp = Testing.app.bind(Testing);
Testing.app = (options = {}) => testingApp({ ...options, outdir: options.outdir ?? mkdtempSync(join(appDirs, "app-")) });
afterAll(() => rmSync(appDirs, { recursive: true, force: true }));
