import type { RunnerTestCase, RunnerTestFile } from "vitest";
import type { Reporter, Vitest } from "vitest/node";

/**
 * Makes a test file that fails to load count as one failed test, in
 * mutation runs only.
 *
 * A mutant of a module-level value can make the module throw as it is
 * imported (`z.strictObject({})` in a discriminated union does): every test
 * file importing it fails before it has a test. Stryker's vitest runner
 * builds each mutant's result from the tests it collected, and a file that
 * failed to load has none, so the mutant the suite did catch is scored
 * "survived" (stryker-js#6150, 9.6.1 and 10.0.0). This reporter runs after
 * each test run and before Stryker reads the results: a file that failed
 * with no test in it gets one failed test carrying the load error. A file
 * that loaded is left as it is; the everyday `pnpm test` does not use this.
 */
export class LoadFailureAsFailedTest implements Reporter {
  #vitest: Vitest | undefined;

  onInit(vitest: Vitest) {
    this.#vitest = vitest;
  }

  onTestRunEnd() {
    for (const file of this.#vitest?.state.getFiles() ?? []) {
      if (file.result?.state === "fail" && file.tasks.length === 0) file.tasks.push(loadFailure(file));
    }
  }
}

function loadFailure(file: RunnerTestFile): RunnerTestCase {
  // Only the fields a reader of finished results looks at: vitest's
  // `context` is built by its runner for a running test, and nothing reads
  // it once the run is over.
  return {
    type: "test",
    id: `${file.id}_load`,
    name: "loads",
    mode: "run",
    file,
    suite: file,
    meta: {},
    annotations: [],
    artifacts: [],
    timeout: 0,
    result: { state: "fail", errors: file.result?.errors ?? [] },
  } as unknown as RunnerTestCase;
}
