// What a person does on the demo page, and what the tests check they see.
// Every wait is on page state (Playwright's `expect` retries until its
// timeout) and says what it waited for.
import { expect, type Browser, type BrowserContext, type Locator, type Page } from "@playwright/test";
import { startDemo, type Demo } from "../src/server.js";

export const ROOM = "design-review";

export interface Person {
  name: string;
  page: Page;
  id: string;
}

/** A person in a browser context of their own (no shared storage), in the room. */
export async function enter(browser: Browser, contexts: BrowserContext[], url: string, name: string): Promise<Person> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${url}/?room=${ROOM}`);
  await join(page, name);
  return { name, page, id: await selfId(page) };
}

/**
 * Starts the demo on a free port and runs `scenario`, which lets people in
 * with `enterAs`; then closes their browser contexts and the demo, pass or fail.
 */
export async function inDemo(browser: Browser, scenario: (enterAs: (name: string) => Promise<Person>, demo: Demo) => Promise<void>): Promise<void> {
  const demo = await startDemo({ port: 0, host: "127.0.0.1" });
  const contexts: BrowserContext[] = [];
  try {
    await scenario((name) => enter(browser, contexts, demo.url, name), demo);
  } finally {
    for (const context of contexts) await context.close();
    await demo.close();
  }
}

/** Fills in the join form the page shows (after a first visit or a reload) and joins. */
export async function join(page: Page, name: string): Promise<void> {
  await expect(page.getByTestId("room-input"), "the room from the invite link").toHaveValue(ROOM);
  await page.getByLabel("Display name").fill(name);
  await page.getByTestId("join-button").click();
  await expect(page.getByTestId("self-name")).toHaveText(name);
  await expect(page.getByTestId("room-name")).toHaveText(ROOM);
  await expectSignaling(page, "connected");
}

/** Your peer id as the page shows it, once the server has minted it. */
export async function selfId(page: Page): Promise<string> {
  const id = page.getByTestId("self-id");
  await expect(id, "the peer id the server minted").toHaveText(/^[\w-]{8,64}$/);
  return (await id.textContent()) ?? "";
}

export async function expectSignaling(page: Page, state: "connected" | "reconnecting" | "closed"): Promise<void> {
  await expect(page.getByTestId("signaling-status"), `the signaling pill to say ${state}`).toHaveAttribute("data-state", state);
}

export function peerItem(page: Page, peerId: string): Locator {
  return page.getByTestId("peer-item").and(page.locator(`[data-peer-id="${peerId}"]`));
}

/** `page` lists `peerId` once, connected, under `name`, among `peers` people in all. */
export async function expectConnected(page: Page, name: string, peerId: string, peers = 1): Promise<void> {
  const peer = peerItem(page, peerId);
  await expect(peer, `${name} (${peerId}) listed as connected`).toHaveAttribute("data-state", "connected");
  await expect(peer.getByTestId("peer-state")).toHaveText("connected");
  // The name arrives in the peer's hello, over the data channel.
  await expect(peer.getByTestId("peer-name"), `${peerId}'s hello`).toHaveText(name);
  await expect(page.getByTestId("peer-item"), "the number of people listed").toHaveCount(peers);
}

/** Every person lists every other one as connected, and nobody else. */
export async function expectMesh(people: Person[]): Promise<void> {
  for (const me of people) {
    for (const other of people) {
      if (other !== me) await expectConnected(me.page, other.name, other.id, people.length - 1);
    }
  }
}

export async function say(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message", { exact: true }).fill(text);
  await page.getByTestId("send-button").click();
  // Sent: the line shows as your own, and the box is cleared for the next one.
  await expect(page.getByTestId("message").filter({ hasText: text }), `"${text}" shown as sent`).toHaveClass(/message--own/);
  await expect(page.getByTestId("chat-input")).toHaveValue("");
}

export async function expectReceived(page: Page, sender: string, text: string): Promise<void> {
  const message = page.getByTestId("message").filter({ hasText: text });
  await expect(message, `"${text}" from ${sender}, once`).toHaveCount(1);
  await expect(message).not.toHaveClass(/message--own/);
  await expect(message.getByTestId("message-sender")).toHaveText(sender);
  await expect(message.getByTestId("message-text")).toHaveText(text);
}

/** The chat's notices that someone is gone ("Ada left.", "Ada disconnected.", "The connection to Ada failed."). */
export function leaveNotices(page: Page): Locator {
  return page.getByTestId("notice").filter({ hasText: /\b(left|disconnected|failed)\.$/ });
}

/**
 * From now on, records in the page every render of its people list that
 * shows one name or one peer id twice. A MutationObserver sees each render,
 * so this catches a duplicate that a later `expect` would no longer see.
 * Read it with {@link seenTwice}.
 */
export async function watchForDuplicates(page: Page): Promise<void> {
  await page.evaluate(() => {
    const list = document.querySelector('[data-testid="peer-list"]');
    if (!list) throw new Error('the page has no [data-testid="peer-list"]');
    const seen: string[] = [];
    Object.assign(globalThis, { seenTwice: seen });
    const twice = (values: string[]) => values.filter((value, index) => values.indexOf(value) !== index);
    new MutationObserver(() => {
      const items = Array.from(list.querySelectorAll<HTMLElement>('[data-testid="peer-item"]'));
      // A peer whose hello has not arrived yet has no name to repeat.
      const names = Array.from(list.querySelectorAll('[data-testid="peer-name"]:not(.person__name--unknown)'), (name) => name.textContent ?? "");
      const ids = items.map((item) => item.dataset.peerId ?? "");
      const repeated = [...twice(names), ...twice(ids)];
      if (repeated.length > 0) seen.push(`${repeated.join(", ")} twice in [${names.join(", ")}] / [${ids.join(", ")}]`);
    }).observe(list, { childList: true, subtree: true, characterData: true });
  });
}

/** What {@link watchForDuplicates} recorded: an empty list if nobody was ever listed twice. */
export async function seenTwice(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as { seenTwice: string[] }).seenTwice);
}
