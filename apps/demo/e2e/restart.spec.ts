import { randomBytes } from "node:crypto";
import { join as joinPath } from "node:path";
import { expect, test, type BrowserContext } from "@playwright/test";
import { startDemo, type Demo } from "../src/server.js";
import {
  enter,
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
  type Person,
} from "./room.js";

const HOST = "127.0.0.1";

test("a server restart with the same secret: every tab reconnects to its seat, chat goes on, a newcomer meets all, a reloaded tab is listed once", async ({
  browser,
}, testInfo) => {
  const secret = randomBytes(32).toString("base64url");
  let demo: Demo = await startDemo({ port: 0, host: HOST, secret });
  const port = Number(new URL(demo.url).port);
  const contexts: BrowserContext[] = [];
  try {
    const ada = await enter(browser, contexts, demo.url, "Ada");
    const bob = await enter(browser, contexts, demo.url, "Bob");
    const cy = await enter(browser, contexts, demo.url, "Cy");
    const everyone = [ada, bob, cy];
    for (const { page } of everyone) await watchForDuplicates(page);
    await expectMesh(everyone);

    // The restart, first half: the server is gone; each tab says it is reconnecting.
    await demo.close();
    for (const { page } of everyone) {
      await expectSignaling(page, "reconnecting");
      await expect(page.getByTestId("notice").filter({ hasText: "Lost the signaling server" })).toHaveCount(1);
    }

    // Meanwhile the chat goes on, peer to peer.
    await say(ada.page, "The server is down; we are not.");
    await expectReceived(bob.page, "Ada", "The server is down; we are not.");
    await expectReceived(cy.page, "Ada", "The server is down; we are not.");
    const screenshot = joinPath(testInfo.project.outputDir, "demo-reconnecting.png");
    await bob.page.screenshot({ path: screenshot });
    await testInfo.attach("demo-reconnecting", { path: screenshot, contentType: "image/png" });

    // Second half: the same port, the same secret. Each tab resumes its seat:
    // same id, the same peers, nobody left.
    demo = await startDemo({ port, host: HOST, secret });
    for (const { page, id } of everyone) {
      await expectSignaling(page, "connected");
      await expect(page.getByTestId("self-id"), "the same id after the restart").toHaveText(id);
      await expect(page.getByTestId("notice").filter({ hasText: "Reconnected to the signaling server." })).toHaveCount(1);
    }
    await expectMesh(everyone);
    for (const { page, name } of everyone) await expect(leaveNotices(page), `nobody left, as ${name} sees it`).toHaveCount(0);

    await say(bob.page, "Back on the server, same seats.");
    await expectReceived(ada.page, "Bob", "Back on the server, same seats.");
    await expectReceived(cy.page, "Bob", "Back on the server, same seats.");

    // A newcomer after the restart meets all three: the restored seats are in the room.
    const dee = await enter(browser, contexts, demo.url, "Dee");
    await watchForDuplicates(dee.page);
    await expectMesh([...everyone, dee]);

    // Cy reloads: a new id, the same name. The old tab closes its client on
    // pagehide, so the others drop Cy's old entry, and list Cy once.
    await cy.page.reload();
    await join(cy.page, "Cy");
    const reloaded: Person = { ...cy, id: await selfId(cy.page) };
    expect(reloaded.id, "a reloaded tab is a new peer").not.toBe(cy.id);
    const others = [ada, bob, dee];
    for (const { page, name } of others) {
      await expect(peerItem(page, cy.id), `Cy's old entry gone from ${name}'s list`).toHaveCount(0);
      await expect(page.getByTestId("peer-name").filter({ hasText: /^Cy$/ }), `Cy once in ${name}'s list`).toHaveCount(1);
    }
    await expectMesh([...others, reloaded]);

    await say(reloaded.page, "Reloaded, and here once.");
    for (const { page } of others) await expectReceived(page, "Cy", "Reloaded, and here once.");
    for (const { page, name } of others) expect(await seenTwice(page), `${name}'s list never showed anyone twice`).toEqual([]);
  } finally {
    for (const context of contexts) await context.close();
    await demo.close();
  }
});

test("a server restart without the secret: every tab rejoins as a new peer, and each person is listed once", async ({ browser }) => {
  // No secret: each server picks a random one, so the tokens of the first
  // cannot be resumed on the second.
  let demo: Demo = await startDemo({ port: 0, host: HOST });
  const port = Number(new URL(demo.url).port);
  const contexts: BrowserContext[] = [];
  try {
    const ada = await enter(browser, contexts, demo.url, "Ada");
    const bob = await enter(browser, contexts, demo.url, "Bob");
    for (const { page } of [ada, bob]) await watchForDuplicates(page);
    await expectMesh([ada, bob]);

    await demo.close();
    for (const { page } of [ada, bob]) await expectSignaling(page, "reconnecting");
    demo = await startDemo({ port, host: HOST });

    const again: Person[] = [];
    for (const person of [ada, bob]) {
      await expectSignaling(person.page, "connected");
      await expect(person.page.getByTestId("notice").filter({ hasText: "as a new peer" }), `${person.name} rejoined afresh`).toHaveCount(1);
      const id = await selfId(person.page);
      expect(id, `${person.name} has a new id`).not.toBe(person.id);
      again.push({ ...person, id });
    }
    await expectMesh(again);
    await say(ada.page, "New ids, same people.");
    await expectReceived(bob.page, "Ada", "New ids, same people.");
    for (const { page, name } of again) expect(await seenTwice(page), `${name}'s list never showed anyone twice`).toEqual([]);
  } finally {
    for (const context of contexts) await context.close();
    await demo.close();
  }
});
