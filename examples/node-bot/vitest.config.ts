import { defineConfig } from "vitest/config";

export default defineConfig({
  // node-datachannel runs threads of its own: a process per test file.
  // 20 s as in packages/client: an outer bound for a test that starts processes
  // and WebRTC peers, whose waits are awaited events; no test retries.
  test: { include: ["test/**/*.test.ts"], pool: "forks", testTimeout: 20_000 },
});
