/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  // Jest's default is one worker fewer than the cores: a single worker on a 2-core machine.
  maxWorkers: "100%",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // swc strips types without checking them (`npm run typecheck` does that): ts-jest took ~20 s for one test.
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" } }],
    // Node 22+ deprecates the util.isArray call in cdktf's TerraformOutput: see scripts/terraform-output-patch.js.
    "[\\\\/]cdktf[\\\\/]lib[\\\\/]terraform-output\\.js$": "<rootDir>/__tests__/terraform-output-transform.js",
  },
  transformIgnorePatterns: ["/node_modules/(?!cdktf/lib/terraform-output\\.js$)"],
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  // Fresh bundles and a directory for the example's synthesis, shared by every test file: see global-setup.js.
  globalSetup: "<rootDir>/__tests__/global-setup.js",
  globalTeardown: "<rootDir>/__tests__/global-teardown.js",
  // cdktf's archiver (about 200 modules, loaded again by every test file) only on first use: see lazy-archiver.js.
  moduleNameMapper: { "^archiver$": "<rootDir>/__tests__/lazy-archiver.js" },
};
