import { expect, test, type Page } from "@playwright/test";
import { expectMesh, inDemo, type Person } from "./room.js";

function remoteVideo(page: Page, peerId: string) {
  return page.getByTestId("remote-video").and(page.locator(`[data-peer-id="${peerId}"]`));
}

/** `viewer` plays `sender`'s camera: frames of a size, and time moving on. */
async function expectPlaying(viewer: Person, sender: Person): Promise<void> {
  const video = remoteVideo(viewer.page, sender.id);
  await expect(video, `${viewer.name} has a tile for ${sender.name}`).toHaveCount(1);
  await expect(
    viewer.page
      .getByTestId("video-tile")
      .and(viewer.page.locator(`[data-peer-id="${sender.id}"]`))
      .getByTestId("tile-name"),
  ).toHaveText(sender.name);
  await expect
    .poll(() => video.evaluate((element: HTMLVideoElement) => element.videoWidth), { message: `${viewer.name} gets frames from ${sender.name}` })
    .toBeGreaterThan(0);
  const then = await video.evaluate((element: HTMLVideoElement) => element.currentTime);
  await expect
    .poll(() => video.evaluate((element: HTMLVideoElement) => element.currentTime), { message: `${viewer.name}'s video of ${sender.name} plays on` })
    .toBeGreaterThan(then);
}

test("a video call: each plays the other's camera, a latecomer gets both, and a stopped camera leaves the others' screens", async ({ browser }) => {
  await inDemo(browser, async (enterAs) => {
    const ada = await enterAs("Ada");
    const bob = await enterAs("Bob");
    await expectMesh([ada, bob]);

    for (const { page } of [ada, bob]) {
      await page.getByTestId("video-toggle").click();
      await expect(page.getByTestId("video-toggle")).toHaveText("Stop video");
      await expect(page.getByTestId("local-tile")).toBeVisible();
    }
    await expectPlaying(ada, bob);
    await expectPlaying(bob, ada);

    // Cy joins after the call started: the client gives the new connections the tracks.
    const cy = await enterAs("Cy");
    await expectMesh([ada, bob, cy]);
    await expectPlaying(cy, ada);
    await expectPlaying(cy, bob);
    await expect(cy.page.getByTestId("local-tile"), "Cy's own camera stays off").toBeHidden();

    // Ada stops: her tile goes from the others' screens; Bob's stays on hers.
    await ada.page.getByTestId("video-toggle").click();
    await expect(ada.page.getByTestId("video-toggle")).toHaveText("Start video");
    await expect(ada.page.getByTestId("local-tile")).toBeHidden();
    for (const viewer of [bob, cy]) await expect(remoteVideo(viewer.page, ada.id), `Ada's tile gone for ${viewer.name}`).toHaveCount(0);
    await expectPlaying(ada, bob);
  });
});
