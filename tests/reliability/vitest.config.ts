import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Every test starts processes of its own (peers, a server) and some
    // change the host's network (namespaces, routes): one file at a time,
    // and the WebRTC stacks in the children get the CPU they need.
    pool: "forks",
    fileParallelism: false,
    // Above every product timeout a test configures (the longest is the
    // 25 s ICE restart bound, src/scenario.ts), so a product failure is reported by the
    // product or by a labeled wait, never by this bare timeout.
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
