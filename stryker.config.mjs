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
  // that fails to load (scripts/mutation/vitest.config.ts says why).
  vitest: { configFile: "scripts/mutation/vitest.config.ts", dir },
  mutate: [`${dir}/src/**/*.ts`],
  ignorePatterns: ["/apps", "/bench", "/docs", "/tests", "/examples", "/reports", "**/dist", "**/.quick", "**/test-results"],
  coverageAnalysis: "perTest",
  reporters: ["clear-text", "progress", "json", "html"],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  thresholds: { high: 90, low: 80, break: 80 },
  tempDirName: ".stryker-tmp",
  concurrency: 2,
  // Stryker rewrites the tsconfig it is pointed at with TypeScript's JS API,
  // which TypeScript 7 (the native compiler) does not have. vitest needs no
  // rewritten tsconfig, so Stryker is pointed at none.
  tsconfigFile: "no-tsconfig-rewrite.json",
};
