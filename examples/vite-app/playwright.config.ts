import { existsSync } from "node:fs";
import { defineConfig } from "@playwright/test";

// The browser: CHROMIUM_PATH, else Debian's Chromium, else Playwright's own
// (`npx playwright install chromium`).
const chromium = process.env.CHROMIUM_PATH ?? (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined);

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: [["list"]],
  use: {
    browserName: "chromium",
    headless: true,
    launchOptions: {
      executablePath: chromium,
      // Host candidates as IP addresses: the mDNS names Chromium uses instead cannot resolve here.
      args: ["--no-sandbox", "--disable-gpu", "--disable-features=WebRtcHideLocalIpsWithMdns"],
    },
  },
});
