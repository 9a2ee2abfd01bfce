import { fileURLToPath } from "node:url";
import { mergeConfig } from "vitest/config";
import protocol from "../../packages/protocol/vitest.config.ts";
import server from "../../packages/server/vitest.config.ts";
import { LoadFailureAsFailedTest } from "./load-failure-reporter.ts";

// The vitest config of a mutation run (stryker.config.mjs points at it): the
// mutated package's own config, rooted in the package, plus a reporter that
// scores a test file that fails to load as a failed test (why: its file).
const name = process.env.MUTATE ?? "protocol";
const packages = { protocol, server };
if (!(name in packages)) throw new Error(`MUTATE=${name}: mutation runs cover ${Object.keys(packages).join(" and ")}`);

export default mergeConfig(packages[name as keyof typeof packages], {
  root: fileURLToPath(new URL(`../../packages/${name}`, import.meta.url)),
  test: { reporters: [new LoadFailureAsFailedTest()] },
});
