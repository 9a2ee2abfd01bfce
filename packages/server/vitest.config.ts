import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 15_000,
    // For the memory bounds of the limits tests: a heap figure after a full collection.
    execArgv: ["--expose-gc"],
  },
});
