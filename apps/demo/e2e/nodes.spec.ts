// The demo's page served by two signaling nodes that share rooms through
// Redis (REDIS_URL, else 127.0.0.1:6379): a person on each node, and they
// meet and chat as on one server.
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test, type BrowserContext } from "@playwright/test";
import { SignalingServer } from "@raycaster/realtime";
import { RedisRoomAdapter } from "@raycaster/realtime-redis";
import { enter, expectConnected, expectReceived, leaveNotices, say } from "./room.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const PUBLIC_DIR = fileURLToPath(new URL("../dist/public/", import.meta.url));
const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };

/** One node: the built page and a signaling server with the Redis adapter, on a free port of 127.0.0.1. */
async function startNode(prefix: string, secret: string) {
  const adapter = await RedisRoomAdapter.connect({ redis: REDIS_URL, prefix, lease: 3000 });
  const http = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://node.invalid").pathname;
    const file = resolve(PUBLIC_DIR, "." + (path.endsWith("/") ? `${path}index.html` : path));
    if (!file.startsWith(PUBLIC_DIR.replace(/\/$/, "") + sep)) {
      response.writeHead(404).end();
      return;
    }
    stat(file).then(
      () => {
        response.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
        createReadStream(file).pipe(response);
      },
      () => response.writeHead(404).end(),
    );
  });
  const signaling = new SignalingServer({ server: http, adapter, secret });
  await new Promise<void>((done) => http.listen(0, "127.0.0.1", done));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seats: () => signaling.stats().seats,
    close: async () => {
      await signaling.close();
      http.closeAllConnections();
      await new Promise((done) => http.close(done));
    },
  };
}

test("two people on two signaling nodes sharing rooms through Redis meet and chat", async ({ browser }) => {
  const prefix = `rt-e2e:${randomBytes(6).toString("hex")}:`;
  const secret = randomBytes(32).toString("base64url");
  const first = await startNode(prefix, secret).catch((error: unknown) => {
    // Without Redis: skipped here with the reason, failed in CI, where .ci/run starts one.
    if (process.env.CI) throw error;
    test.skip(true, `no Redis at ${REDIS_URL}: ${String(error)}`);
    throw error;
  });
  const second = await startNode(prefix, secret);
  const contexts: BrowserContext[] = [];
  try {
    const ada = await enter(browser, contexts, first.url, "Ada");
    const bob = await enter(browser, contexts, second.url, "Bob");
    await expectConnected(ada.page, "Bob", bob.id);
    await expectConnected(bob.page, "Ada", ada.id);
    await say(ada.page, "Hello from node one.");
    await expectReceived(bob.page, "Ada", "Hello from node one.");
    await say(bob.page, "And back from node two.");
    await expectReceived(ada.page, "Bob", "And back from node two.");
    for (const { page } of [ada, bob]) await expect(leaveNotices(page)).toHaveCount(0);
  } finally {
    for (const context of contexts) await context.close();
    // Once the tabs have left, the nodes hold nobody and leave no key behind in Redis.
    for (const node of [first, second]) await expect.poll(() => node.seats()).toBe(0);
    await Promise.all([first.close(), second.close()]);
  }
});
