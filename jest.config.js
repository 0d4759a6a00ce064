// Three tiers: unit needs nothing, integration starts a
// local AWS emulator per test file, e2e also runs `terraform apply` against it.
const tier = (name, extra = {}) => ({
  displayName: name,
  preset: "ts-jest",
  testEnvironment: "node",
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  setupFiles: ["<rootDir>/test/support/jest-env.ts"],
  ...extra,
});

module.exports = {
  // At least two files at once, even on 2 cores: most of the time a file waits on moto,
  // on terraform or on the SDK's backoff (the fault tests), not on the CPU.
  maxWorkers: Math.max(2, require("node:os").availableParallelism() - 1),
  // Each tier's comment says what it runs against (docs/testing.md's table is generated from them).
  projects: [
    /** nothing outside the process: synth-level checks, fakes, properties */
    tier("unit"),
    /** the local AWS emulator and the Kubernetes API double */
    tier("integration"),
    /** `terraform apply` against the emulator, which takes minutes, not seconds */
    tier("e2e", { setupFilesAfterEnv: ["<rootDir>/test/support/e2e-timeout.ts"] }),
  ],
  testTimeout: 120_000,
  reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
};
