import { fileURLToPath } from "node:url";
import { mergeConfig } from "vitest/config";
import protocol from "../../packages/protocol/vitest.config.ts";
import server from "../../packages/server/vitest.config.ts";
import { FastFirstSequencer } from "./fast-first-sequencer.ts";
import { LoadFailureAsFailedTest } from "./load-failure-reporter.ts";

// The vitest config of a mutation run (stryker.config.mjs points at it): the
// mutated package's own config, rooted in the package, plus a reporter that
// scores a test file that fails to load as a failed test, and the quickest
// test files first, without the server's load tests (why: their files).
const name = process.env.MUTATE ?? "protocol";
const packages = { protocol, server };
if (!(name in packages)) throw new Error(`MUTATE=${name}: mutation runs cover ${Object.keys(packages).join(" and ")}`);

const config = mergeConfig(packages[name as keyof typeof packages], {
  root: fileURLToPath(new URL(`../../packages/${name}`, import.meta.url)),
  test: {
    reporters: [new LoadFailureAsFailedTest()],
    sequence: { sequencer: FastFirstSequencer },
    setupFiles: name === "server" ? [fileURLToPath(new URL("skip-load-tests.ts", import.meta.url))] : [],
  },
});
// Stryker's runner imposes vitest's worker threads, and a worker thread refuses
// node flags such as the server's --expose-gc: the tests that need it, heap
// bounds, are among the load tests left out.
config.test = { ...config.test, execArgv: [] };

export default config;
