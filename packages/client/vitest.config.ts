import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // libdatachannel is a native addon with threads of its own: each test
    // file gets a process rather than a worker thread.
    pool: "forks",
    testTimeout: 20_000,
  },
});
