import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium, type FullConfig } from "@playwright/test";

/**
 * Without a system Chromium, the tests use Playwright's own; fetch it once
 * so that `pnpm test` works on a fresh machine without a separate step.
 */
export default function ensureChromium(config: FullConfig): void {
  const configured = config.projects[0]?.use.launchOptions?.executablePath;
  if (configured || existsSync(chromium.executablePath())) return;
  console.log("No system Chromium found: installing Playwright's Chromium (once).");
  const cli = createRequire(import.meta.url).resolve("@playwright/test/cli");
  try {
    execFileSync(process.execPath, [cli, "install", "chromium"], { stdio: "inherit" });
  } catch (cause) {
    throw new Error(
      "Could not install Playwright's Chromium. Install one yourself (Debian/Ubuntu: apt-get install chromium) or point CHROMIUM_PATH at a Chromium or Chrome binary.",
      { cause },
    );
  }
}
