import { defineConfig } from "vitest/config";

// The same suite runs against each WebRTC implementation (test/webrtc.ts).
const implementations = ["node-datachannel", "wrtc"];

export default defineConfig({
  test: {
    projects: implementations.map((name) => ({
      extends: true,
      test: { name, env: { REALTIME_WEBRTC: name } },
    })),
    include: ["test/**/*.test.ts"],
    // Native WebRTC addons run threads of their own: each test file gets a
    // process rather than a worker thread.
    pool: "forks",
    // The leak test compares the heap after garbage collection.
    execArgv: ["--expose-gc"],
    // One file at a time: WebRTC stacks starved of CPU negotiate slowly, and
    // libdatachannel then sometimes fails outright; the suite is about
    // behaviour, not throughput.
    fileParallelism: false,
    testTimeout: 20_000,
  },
});
