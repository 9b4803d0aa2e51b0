/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  // Jest's default is one worker fewer than the cores: a single worker on this 2-core machine.
  maxWorkers: "100%",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // swc strips types without checking them (`npm run typecheck` does that): ts-jest took ~20 s for one test here.
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" } }] },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  // cdktf's archiver (about 200 modules, loaded again by every test file) only on first use: see lazy-archiver.js.
  moduleNameMapper: { "^archiver$": "<rootDir>/__tests__/lazy-archiver.js" },
};
