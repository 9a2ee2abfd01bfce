import { defineConfig } from "vite";

// Nothing to configure: Vite resolves @raycaster/realtime through its
// "browser" export condition, so the page gets the client and no server code.
export default defineConfig({
  build: { target: "es2022" },
});
