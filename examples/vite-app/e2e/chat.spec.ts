// The built page (dist/, from `vite build`) served by `vite preview`, a
// signaling server on a free port, and two Chromium pages that meet in a
// room and chat over a data channel.
import { fileURLToPath } from "node:url";
import { SignalingServer } from "@raycaster/realtime-server";
import { expect, test, type Page } from "@playwright/test";
import { preview, type PreviewServer } from "vite";

let signaling: SignalingServer;
let site: PreviewServer;
let signalUrl: string;

test.beforeAll(async () => {
  signaling = new SignalingServer({ port: 0, host: "127.0.0.1" });
  signalUrl = `ws://127.0.0.1:${(await signaling.listening()).port}`;
  site = await preview({
    root: fileURLToPath(new URL("..", import.meta.url)),
    logLevel: "warn",
    preview: { host: "127.0.0.1", port: 0, strictPort: false, open: false },
  });
});

test.afterAll(async () => {
  await site?.close();
  await signaling?.close();
});

/** Opens the page in the room; resolves with its peer id once seated. */
async function enter(page: Page): Promise<string> {
  await page.goto(`${site.resolvedUrls!.local[0]}?signal=${encodeURIComponent(signalUrl)}&room=e2e`);
  await expect(page.locator("#status")).toHaveText(/^You are (\S+) in room "e2e"\.$/);
  return /^You are (\S+)/.exec((await page.locator("#status").textContent()) ?? "")![1]!;
}

test("two pages connect peer to peer and chat", async ({ browser }) => {
  const ada = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  const adaId = await enter(ada);
  const bobId = await enter(bob);
  expect(adaId).not.toBe(bobId);

  // Each lists the other as connected: its data channels are open.
  await expect(ada.locator(`#peers li[data-peer="${bobId}"]`)).toHaveAttribute("data-state", "connected");
  await expect(bob.locator(`#peers li[data-peer="${adaId}"]`)).toHaveAttribute("data-state", "connected");

  await ada.locator("#text").fill("hello from Ada");
  await ada.locator("#text").press("Enter");
  await expect(ada.locator("#log")).toContainText("me (to 1 peer): hello from Ada");
  await expect(bob.locator("#log")).toContainText(`${adaId}: hello from Ada`);

  // Bob's page goes: Ada sees a clean leave at once.
  await bob.context().close();
  await expect(ada.locator("#log")).toContainText(`${bobId} left (left)`);
  await expect(ada.locator("#peers li")).toHaveCount(0);
});
