import { describe, expect, it } from "vitest";
import { ClientErrorCodes, RealtimeError } from "../src/index.js";
import { mediaOf } from "../src/mediaEntry.js";
import { createClient, startServer, type Recorder } from "./harness.js";
import { audio, audioTrack, frame, noMedia, silentVideoTrack, videoTrack } from "./tracks.js";
import { implementation } from "./webrtc.js";

// Media between clients through a real server: tracks for all peers or some,
// a late joiner, remove and replace, frames that really arrive (libwebrtc).

async function pair(url: string) {
  const a = withMedia(createClient({ url, room: "media" }));
  const { id: aId } = await a.when("open");
  const b = withMedia(createClient({ url, room: "media" }));
  const { id: bId } = await b.when("open");
  await Promise.all([a.connectedTo(bId), b.connectedTo(aId)]);
  return { a, b, aId, bId };
}

/** A harness client with media, hooked in before it meets anyone (as an app does right after creating it). */
function withMedia(client: Recorder): Recorder {
  mediaOf(client.client);
  return client;
}

/** The `track` events a client got from `peerId`. */
const tracksFrom = (client: Recorder, peerId: string) => client.all("track").filter((e) => e.peerId === peerId);

describe.runIf(implementation === "node-datachannel")("without media (node-datachannel)", () => {
  it("addTrack, removeTrack and replaceTrack throw MEDIA_UNSUPPORTED, and data still flows", async () => {
    const { url } = await startServer();
    const { a, b, bId } = await pair(url);
    // This stack has no MediaStreamTrack to give: a stand-in is enough, the
    // call must refuse before it looks at the track.
    const track = { id: "t", kind: "video" } as MediaStreamTrack;
    for (const call of [
      () => mediaOf(a.client).addTrack(track),
      () => mediaOf(a.client).removeTrack(track),
      () => mediaOf(a.client).replaceTrack(track, track),
    ]) {
      expect(call).toThrow(expect.objectContaining({ name: "RealtimeError", code: ClientErrorCodes.MEDIA_UNSUPPORTED }) as RealtimeError);
    }
    await a.client.send(bId, "still fine");
    expect((await b.when("message", (m) => m.data === "still fine")).data).toBe("still fine");
  });
});

describe.skipIf(noMedia !== undefined)(`media (${noMedia ?? "libwebrtc"})`, () => {
  it("tracks added before anyone came reach each peer that joins, with their stream, and video frames and audio arrive", async () => {
    const { url } = await startServer();
    const a = withMedia(createClient({ url, room: "media" }));
    const { id: aId } = await a.when("open");
    const camera = videoTrack(160, 120);
    const microphone = audioTrack(camera.stream);
    mediaOf(a.client).addTrack(camera.track, camera.stream);
    mediaOf(a.client).addTrack(microphone, camera.stream);

    const b = withMedia(createClient({ url, room: "media" }));
    const video = await b.when("track", (e) => e.peerId === aId && e.track.kind === "video");
    const sound = await b.when("track", (e) => e.peerId === aId && e.track.kind === "audio");
    // Both in the one stream they were added with, as a camera's would be.
    expect([...video.streams, ...sound.streams].map((s) => s.id)).toEqual([camera.stream.id, camera.stream.id]);
    expect(await frame(video.track)).toEqual({ width: 160, height: 120 });
    await audio(sound.track);

    // A late joiner gets it too, from a meeting that had nothing to do with the first.
    const c = withMedia(createClient({ url, room: "media" }));
    const late = await c.when("track", (e) => e.peerId === aId && e.track.kind === "video");
    expect(await frame(late.track)).toEqual({ width: 160, height: 120 });
    await c.when("track", (e) => e.peerId === aId && e.track.kind === "audio");
    expect([tracksFrom(b, aId).length, tracksFrom(c, aId).length]).toEqual([2, 2]);
  });

  it("media hooked into a client that is connected already reaches its peers; a client without media reports no tracks", async () => {
    const { url } = await startServer();
    const a = createClient({ url, room: "media" });
    const { id: aId } = await a.when("open");
    const b = withMedia(createClient({ url, room: "media" }));
    const plain = createClient({ url, room: "media" });
    const { id: bId } = await b.when("open");
    const { id: plainId } = await plain.when("open");
    await Promise.all([a.connectedTo(bId), a.connectedTo(plainId), b.connectedTo(aId), plain.connectedTo(aId)]);
    const camera = videoTrack(160, 120);
    mediaOf(a.client).addTrack(camera.track, camera.stream);
    const { track } = await b.when("track", (e) => e.peerId === aId);
    expect(await frame(track)).toEqual({ width: 160, height: 120 });
    // The plain client negotiated the track too (its connection answers the
    // offer) but has no media to report it with; data still flows.
    await a.client.send(plainId, "after the track");
    await plain.when("message", (m) => m.data === "after the track");
    expect(plain.all("track")).toEqual([]);
  });

  it("add, replace without renegotiating, remove: the remote side sees each", async () => {
    const { url } = await startServer();
    const { a, b, aId } = await pair(url);
    const first = videoTrack(160, 120);
    mediaOf(a.client).addTrack(first.track, first.stream);
    const { track: remote } = await b.when("track", (e) => e.peerId === aId);
    await frame(remote, (f) => f.width === 160);

    // Same kind: the sender swaps it; the remote track stays, its frames change.
    const second = videoTrack(320, 240);
    const eventsBefore = b.events.length;
    await mediaOf(a.client).replaceTrack(first.track, second.track);
    expect(await frame(remote, (f) => f.width === 320)).toEqual({ width: 320, height: 240 });
    expect(tracksFrom(b, aId)).toHaveLength(1);
    expect(b.events.slice(eventsBefore).filter((e) => e.name === "track" || e.name === "trackRemoved")).toEqual([]);

    mediaOf(a.client).removeTrack(second.track);
    const removed = await b.when("trackRemoved", (e) => e.peerId === aId);
    expect(removed.track).toBe(remote);

    // The old track was given up by the replacement: nothing to replace any more.
    expect(() => mediaOf(a.client).replaceTrack(first.track, second.track)).toThrow(
      expect.objectContaining({ code: ClientErrorCodes.TRACK_NOT_ADDED }) as RealtimeError,
    );
  });

  it("both clients add a track at the same moment, three rounds: each ends with the other's full set", async () => {
    const { url } = await startServer();
    const { a, b, aId, bId } = await pair(url);
    const streams = { a: [] as string[], b: [] as string[] };
    for (let round = 1; round <= 3; round++) {
      const [fromA, fromB] = [silentVideoTrack(), silentVideoTrack()];
      mediaOf(a.client).addTrack(fromA.track, fromA.stream);
      mediaOf(b.client).addTrack(fromB.track, fromB.stream);
      streams.a.push(fromA.stream.id);
      streams.b.push(fromB.stream.id);
      await Promise.all([a.when("track", (e) => e.streams[0]?.id === fromB.stream.id), b.when("track", (e) => e.streams[0]?.id === fromA.stream.id)]);
    }
    expect(tracksFrom(b, aId).map((e) => e.streams[0]?.id)).toEqual(streams.a);
    expect(tracksFrom(a, bId).map((e) => e.streams[0]?.id)).toEqual(streams.b);
    expect([...a.all("error"), ...b.all("error")]).toEqual([]);
  });

  it("{ peers } sends a track to those peers only", async () => {
    const { url } = await startServer();
    const { a, b, aId, bId } = await pair(url);
    const c = withMedia(createClient({ url, room: "media" }));
    const { id: cId } = await c.when("open");
    await Promise.all([a.connectedTo(cId), c.connectedTo(aId)]);

    const forB = silentVideoTrack();
    const forAll = silentVideoTrack();
    mediaOf(a.client).addTrack(forB.track, forB.stream, { peers: [bId] });
    mediaOf(a.client).addTrack(forAll.track, forAll.stream);
    // A track for c by mistake would have gone out with forAll, in the same
    // offer and before it (tracks go in the order they were added).
    const ofStream = (stream: MediaStream) => (e: { peerId: string; streams: readonly MediaStream[] }) => e.peerId === aId && e.streams[0]?.id === stream.id;
    await Promise.all([c.when("track", ofStream(forAll.stream)), b.when("track", ofStream(forAll.stream))]);
    expect(tracksFrom(b, aId).map((e) => e.streams[0]?.id)).toEqual([forB.stream.id, forAll.stream.id]);
    expect(tracksFrom(c, aId).map((e) => e.streams[0]?.id)).toEqual([forAll.stream.id]);

    // Removed for b alone: c keeps its track.
    mediaOf(a.client).removeTrack(forAll.track, { peers: [bId] });
    await b.when("trackRemoved", (e) => e.peerId === aId);
    // A removal for c by mistake would be seen no later than that of a
    // track added and removed after it.
    const marker = silentVideoTrack();
    mediaOf(a.client).addTrack(marker.track, marker.stream);
    const { track: markerRemote } = await c.when("track", ofStream(marker.stream));
    mediaOf(a.client).removeTrack(marker.track);
    await c.when("trackRemoved", (e) => e.track === markerRemote);
    expect(c.all("trackRemoved").map((e) => e.track)).toEqual([markerRemote]);
    expect(a.all("error")).toEqual([]);
  });
});
