import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Runs the quickest test files first, by their last recorded duration. A
 * mutation run stops a mutant at its first failing test, and vitest's own
 * order (slowest first) would start every mutant of the server with the soak
 * tests, tens of seconds each. The order changes how long a run takes, never
 * a verdict: a mutant that survives still meets every test covering it.
 */
export class FastFirstSequencer extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const duration = (file: TestSpecification) =>
      this.ctx.cache.getFileTestResults(`${file.project.name}:${relative(this.ctx.config.root, file.moduleId)}`)?.duration ?? Number.MAX_VALUE;
    return Promise.resolve([...files].sort((a, b) => duration(a) - duration(b)));
  }
}
