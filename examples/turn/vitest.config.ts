import { defineConfig } from "vitest/config";

export default defineConfig({
  // libwebrtc runs threads of its own: a process per test file.
  test: { include: ["test/**/*.test.ts"], pool: "forks", testTimeout: 20_000 },
});
