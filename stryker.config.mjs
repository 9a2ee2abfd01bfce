// Mutation testing (`pnpm mutation`): Stryker changes the code of one package
// at a time (MUTATE=protocol or MUTATE=server) and reruns the tests that
// cover each change; a change no test notices is a surviving mutant.
// Run from the root so that the sandbox has the shared tsconfig files.
const name = process.env.MUTATE ?? "protocol";
const dir = `packages/${name}`;

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  // The package's vitest config, with a fix for how Stryker scores a test file
  // that fails to load and a quickest-first order (scripts/mutation/vitest.config.ts says why).
  vitest: { configFile: "scripts/mutation/vitest.config.ts", dir },
  mutate: [
    `${dir}/src/**/*.ts`,
    // The adapter conformance suite (`/testing`) is test code shipped for
    // adapter authors, not server logic: a mutant of it weakens or breaks an
    // assertion run against a correct adapter, which no test can tell apart.
    "!packages/server/src/testing.ts",
  ],
  ignorePatterns: [
    "/apps",
    "/bench",
    "/docs",
    "/tests",
    "/examples",
    "/reports",
    "**/dist",
    "**/.quick",
    "**/test-results",
    // The bin's tests spawn the built bin (packages/server/dist/cli.js): it
    // runs unmutated, so cli.ts and standalone.ts show as not covered.
    "!/packages/server/dist",
  ],
  coverageAnalysis: "perTest",
  reporters: ["clear-text", "progress", "json", "html"],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  thresholds: { high: 90, low: 80, break: 80 },
  tempDirName: ".stryker-tmp",
  // Two cores: more runners only queue for them.
  concurrency: 2,
  // A mutant that makes its tests overrun (dry-run time × factor + ms) is
  // scored "timeout", which counts as detected. The server's tests wait on
  // real sockets and timers, and on a loaded machine an unmutated run already
  // varies by more than Stryker's defaults (1.5 ×, 5 s) allow: wider margins
  // keep a slow run from passing for a kill.
  timeoutFactor: 2.5,
  timeoutMS: 10_000,
  // Stryker rewrites the tsconfig it is pointed at with TypeScript's JS API,
  // which TypeScript 7 (the native compiler) does not have. vitest needs no
  // rewritten tsconfig, so Stryker is pointed at none.
  tsconfigFile: "no-tsconfig-rewrite.json",
};
