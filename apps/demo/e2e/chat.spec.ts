import { join } from "node:path";
import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { startDemo } from "../src/server.js";

const ROOM = "design-review";

test("two people chat peer to peer, and keep chatting after the server stops", async ({ browser }, testInfo) => {
  const demo = await startDemo({ port: 0, host: "127.0.0.1" });
  const contexts: BrowserContext[] = [];
  try {
    // Separate contexts: two independent people, no shared storage.
    const ada = await joinRoom(browser, contexts, demo.url, "Ada");
    const bob = await joinRoom(browser, contexts, demo.url, "Bob");
    const adaId = await selfId(ada);
    const bobId = await selfId(bob);
    expect(adaId).not.toBe(bobId);

    // Each sees the other, by name, as connected.
    await expectConnected(ada, "Bob", bobId);
    await expectConnected(bob, "Ada", adaId);

    await say(ada, "Hi Bob, can you see this?");
    await expectReceived(bob, "Ada", "Hi Bob, can you see this?");
    await say(bob, "Loud and clear, straight from my browser.");
    await expectReceived(ada, "Bob", "Loud and clear, straight from my browser.");

    const screenshot = join(testInfo.project.outputDir, "demo-chat.png");
    await ada.screenshot({ path: screenshot });
    await testInfo.attach("demo-chat", { path: screenshot, contentType: "image/png" });

    // Stop the whole demo: the signaling server and the HTTP server.
    await demo.close();
    await expect(fetch(demo.url)).rejects.toThrow();
    for (const page of [ada, bob]) {
      await expect(page.getByTestId("signaling-status")).toHaveAttribute("data-state", "closed");
      await expect(page.getByTestId("signaling-status")).toHaveText("Signaling closed — peers still reachable");
    }

    // The data path is peer to peer: chat still works both ways.
    await say(ada, "The server is gone. Still there?");
    await expectReceived(bob, "Ada", "The server is gone. Still there?");
    await say(bob, "Still here: this one never touched the server.");
    await expectReceived(ada, "Bob", "Still here: this one never touched the server.");
    await expectConnected(ada, "Bob", bobId);
    await expectConnected(bob, "Ada", adaId);
  } finally {
    for (const context of contexts) await context.close();
    await demo.close();
  }
});

test("three people form a mesh, and see one of them leave", async ({ browser }) => {
  const demo = await startDemo({ port: 0, host: "127.0.0.1" });
  const contexts: BrowserContext[] = [];
  try {
    const people = [];
    for (const name of ["Ada", "Bob", "Cy"]) {
      const page = await joinRoom(browser, contexts, demo.url, name);
      people.push({ name, page, id: await selfId(page) });
    }
    // Every pair negotiated on its own; each page shows the two others connected.
    for (const me of people) {
      for (const other of people.filter((p) => p !== me)) await expectConnected(me.page, other.name, other.id, 2);
    }

    const [ada, bob, cy] = people as [(typeof people)[number], (typeof people)[number], (typeof people)[number]];
    await say(cy.page, "Hello, both of you.");
    await expectReceived(ada.page, "Cy", "Hello, both of you.");
    await expectReceived(bob.page, "Cy", "Hello, both of you.");

    await bob.page.getByRole("button", { name: "Leave" }).click();
    for (const stayer of [ada, cy]) {
      const gone = stayer.page.getByTestId("peer-item").and(stayer.page.locator(`[data-peer-id="${bob.id}"]`));
      await expect(gone).toHaveAttribute("data-state", "left");
    }
    await say(ada.page, "Just us now.");
    await expectReceived(cy.page, "Ada", "Just us now.");
  } finally {
    for (const context of contexts) await context.close();
    await demo.close();
  }
});

async function joinRoom(browser: Browser, contexts: BrowserContext[], url: string, name: string): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${url}/?room=${ROOM}`);
  await expect(page.getByTestId("room-input")).toHaveValue(ROOM);
  await page.getByLabel("Display name").fill(name);
  await page.getByTestId("join-button").click();
  await expect(page.getByTestId("self-name")).toHaveText(name);
  await expect(page.getByTestId("room-name")).toHaveText(ROOM);
  await expect(page.getByTestId("signaling-status")).toHaveAttribute("data-state", "connected");
  return page;
}

/** Your peer id as the page shows it, once the server has minted it. */
async function selfId(page: Page): Promise<string> {
  const id = page.getByTestId("self-id");
  await expect(id).toHaveText(/^[\w-]{8,64}$/);
  return (await id.textContent()) ?? "";
}

async function expectConnected(page: Page, name: string, peerId: string, peers = 1): Promise<void> {
  const peer = page.getByTestId("peer-item").and(page.locator(`[data-peer-id="${peerId}"]`));
  await expect(peer).toHaveAttribute("data-state", "connected");
  await expect(peer.getByTestId("peer-state")).toHaveText("connected");
  // The name arrives in the peer's hello, over the data channel.
  await expect(peer.getByTestId("peer-name")).toHaveText(name);
  await expect(page.getByTestId("peer-item")).toHaveCount(peers);
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message", { exact: true }).fill(text);
  await page.getByTestId("send-button").click();
  // Sent: the line shows as your own, and the box is cleared for the next one.
  await expect(page.getByTestId("message").filter({ hasText: text })).toHaveClass(/message--own/);
  await expect(page.getByTestId("chat-input")).toHaveValue("");
}

async function expectReceived(page: Page, sender: string, text: string): Promise<void> {
  const message = page.getByTestId("message").filter({ hasText: text });
  await expect(message).toHaveCount(1);
  await expect(message).not.toHaveClass(/message--own/);
  await expect(message.getByTestId("message-sender")).toHaveText(sender);
  await expect(message.getByTestId("message-text")).toHaveText(text);
}
