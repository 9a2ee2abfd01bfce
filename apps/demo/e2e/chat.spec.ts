import { join as joinPath } from "node:path";
import { expect, test, type BrowserContext } from "@playwright/test";
import { startDemo } from "../src/server.js";
import {
  enter,
  expectConnected,
  expectMesh,
  expectReceived,
  expectSignaling,
  join,
  leaveNotices,
  peerItem,
  say,
  seenTwice,
  selfId,
  watchForDuplicates,
} from "./room.js";

test("two people chat peer to peer, and keep chatting while the server is down", async ({ browser }, testInfo) => {
  const demo = await startDemo({ port: 0, host: "127.0.0.1" });
  const contexts: BrowserContext[] = [];
  try {
    const ada = await enter(browser, contexts, demo.url, "Ada");
    const bob = await enter(browser, contexts, demo.url, "Bob");
    expect(ada.id).not.toBe(bob.id);

    // Each sees the other, by name, as connected.
    await expectConnected(ada.page, "Bob", bob.id);
    await expectConnected(bob.page, "Ada", ada.id);

    await say(ada.page, "Hi Bob, can you see this?");
    await expectReceived(bob.page, "Ada", "Hi Bob, can you see this?");
    await say(bob.page, "Loud and clear, straight from my browser.");
    await expectReceived(ada.page, "Bob", "Loud and clear, straight from my browser.");

    const screenshot = joinPath(testInfo.project.outputDir, "demo-chat.png");
    await ada.page.screenshot({ path: screenshot });
    await testInfo.attach("demo-chat", { path: screenshot, contentType: "image/png" });

    // Stop the whole demo: the signaling server and the HTTP server. The
    // clients try to reconnect; the pill says so.
    await demo.close();
    await expect(fetch(demo.url)).rejects.toThrow();
    for (const { page } of [ada, bob]) {
      await expectSignaling(page, "reconnecting");
      await expect(page.getByTestId("signaling-status")).toHaveText("Reconnecting — peers still reachable");
    }

    // The data path is peer to peer: chat still works both ways.
    await say(ada.page, "The server is gone. Still there?");
    await expectReceived(bob.page, "Ada", "The server is gone. Still there?");
    await say(bob.page, "Still here: this one never touched the server.");
    await expectReceived(ada.page, "Bob", "Still here: this one never touched the server.");
    await expectConnected(ada.page, "Bob", bob.id);
    await expectConnected(bob.page, "Ada", ada.id);
  } finally {
    for (const context of contexts) await context.close();
    await demo.close();
  }
});

test("three people form a mesh; one leaves and is gone from the others' lists", async ({ browser }) => {
  const demo = await startDemo({ port: 0, host: "127.0.0.1" });
  const contexts: BrowserContext[] = [];
  try {
    const ada = await enter(browser, contexts, demo.url, "Ada");
    const bob = await enter(browser, contexts, demo.url, "Bob");
    const cy = await enter(browser, contexts, demo.url, "Cy");
    for (const { page } of [ada, bob, cy]) await watchForDuplicates(page);
    // Every pair negotiated on its own; each page shows the two others connected.
    await expectMesh([ada, bob, cy]);

    await say(cy.page, "Hello, both of you.");
    await expectReceived(ada.page, "Cy", "Hello, both of you.");
    await expectReceived(bob.page, "Cy", "Hello, both of you.");

    await bob.page.getByRole("button", { name: "Leave" }).click();
    for (const stayer of [ada, cy]) {
      await expect(peerItem(stayer.page, bob.id), `${stayer.name}'s list without Bob`).toHaveCount(0);
      await expect(stayer.page.getByTestId("peer-count")).toHaveText("1");
      // Whichever came first, the server's word or the closed connection: one notice.
      await expect(leaveNotices(stayer.page), `${stayer.name}'s notice that Bob left`).toHaveText([/^Bob (left|disconnected)\.$/]);
    }
    await say(ada.page, "Just us now.");
    await expectReceived(cy.page, "Ada", "Just us now.");
    for (const { page } of [ada, cy]) expect(await seenTwice(page)).toEqual([]);
  } finally {
    for (const context of contexts) await context.close();
    await demo.close();
  }
});

test("a page that is hidden for good (pagehide) closes its client, so the others drop it at once", async ({ browser }) => {
  const demo = await startDemo({ port: 0, host: "127.0.0.1" });
  const contexts: BrowserContext[] = [];
  try {
    const ada = await enter(browser, contexts, demo.url, "Ada");
    const bob = await enter(browser, contexts, demo.url, "Bob");
    await expectConnected(ada.page, "Bob", bob.id);

    // The event a reload or a closed tab fires, without unloading the page,
    // so the test can watch what the page does on it. (A real unload would
    // close the socket anyway, with 1001, and hide the difference.)
    await bob.page.evaluate(() => dispatchEvent(new PageTransitionEvent("pagehide", { persisted: false })));
    await expect(bob.page.getByTestId("join-view"), "Bob's page back at the join form").toBeVisible();
    await expect(bob.page.getByTestId("signaling-status")).toHaveAttribute("data-state", "idle");
    await expect(peerItem(ada.page, bob.id), "Bob gone from Ada's list").toHaveCount(0);
    await expect(leaveNotices(ada.page)).toHaveText([/^Bob (left|disconnected)\.$/]);

    // Back in: a new peer, listed once.
    await join(bob.page, "Bob");
    const again = await selfId(bob.page);
    expect(again, "Bob rejoins as a new peer").not.toBe(bob.id);
    await expectConnected(ada.page, "Bob", again);
  } finally {
    for (const context of contexts) await context.close();
    await demo.close();
  }
});
