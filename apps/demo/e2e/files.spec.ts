import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { expect, test, type Page } from "@playwright/test";
import { expectMesh, inDemo } from "./room.js";

/** The one transfer line in `page` going in `direction` with the file `name`. */
function transfer(page: Page, direction: "send" | "receive", name: string) {
  return page
    .getByTestId("transfer")
    .and(page.locator(`[data-direction="${direction}"]`))
    .filter({ hasText: name });
}

/** Done, and the client's `progress` events on this end reached every byte. */
async function expectCompleted(page: Page, direction: "send" | "receive", name: string, size: number): Promise<void> {
  const line = transfer(page, direction, name);
  await expect(line, `${name} (${direction}) completed`).toHaveAttribute("data-state", "done");
  await expect(line, `${name} (${direction}): progress events up to the last byte`).toHaveAttribute("data-bytes", String(size));
  await expect(line.getByTestId("transfer-progress")).toHaveJSProperty("value", size);
  await expect(line.getByTestId("transfer-progress")).toHaveJSProperty("max", size);
}

/** Clicks the page's download link for `name`, as a person would; the SHA-256 of the file the browser saves. */
async function downloadedSha256(page: Page, name: string): Promise<string> {
  const link = transfer(page, "receive", name).getByTestId("transfer-download");
  await expect(link).toHaveAttribute("download", name);
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  expect(download.suggestedFilename()).toBe(name);
  return sha256(await readFile(await download.path()));
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

test("a file chosen in one page, and one dropped in the other, arrive intact, with progress on both ends", async ({ browser }) => {
  await inDemo(browser, async (enterAs) => {
    const ada = await enterAs("Ada");
    const bob = await enterAs("Bob");
    await expectMesh([ada, bob]);

    // Ada picks a file of a few MiB (random, so no chunk repeats another) with the file button.
    const content = randomBytes(3 * 1024 * 1024 + 4321);
    const name = "measurements.bin";
    await ada.page.getByTestId("file-input").setInputFiles({ name, mimeType: "application/octet-stream", buffer: content });
    await expectCompleted(ada.page, "send", name, content.length);
    await expectCompleted(bob.page, "receive", name, content.length);
    await expect(transfer(bob.page, "receive", name).getByTestId("transfer-size")).toHaveText("3.0 MiB");
    await expect(transfer(bob.page, "receive", name).getByTestId("transfer-status")).toHaveText("Received from Ada");
    expect(await downloadedSha256(bob.page, name), "the SHA-256 of what Bob downloads").toBe(sha256(content));

    // Bob drops a file onto the room: made in his page, dragged in, dropped.
    // (Larger than one SCTP message, 256 KiB in Chromium, so it goes in chunks with progress.)
    const dropped = "notes.txt";
    const droppedSize = 600 * 1024;
    const expected = await bob.page.evaluate(
      async ({ fileName, size }) => {
        const bytes = new Uint8Array(size);
        // getRandomValues fills at most 64 KiB at a time.
        for (let offset = 0; offset < size; offset += 65536) crypto.getRandomValues(bytes.subarray(offset, offset + 65536));
        const file = new File([bytes], fileName, { type: "text/plain" });
        const transfer = new DataTransfer();
        transfer.items.add(file);
        const room = document.querySelector('[data-testid="message-list"]');
        if (!room) throw new Error("no message list");
        room.dispatchEvent(new DragEvent("dragenter", { bubbles: true, cancelable: true, dataTransfer: transfer }));
        const overlay = document.querySelector<HTMLElement>('[data-testid="drop-overlay"]');
        if (overlay?.hidden !== false) throw new Error("the drop overlay did not show while a file hovered");
        room.dispatchEvent(new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer: transfer }));
        const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
        return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
      },
      { fileName: dropped, size: droppedSize },
    );
    await expect(bob.page.getByTestId("drop-overlay")).toBeHidden();
    await expectCompleted(bob.page, "send", dropped, droppedSize);
    await expectCompleted(ada.page, "receive", dropped, droppedSize);
    expect(await downloadedSha256(ada.page, dropped), "the SHA-256 of what Ada downloads").toBe(expected);
  });
});
