import { describe, expect, it } from "vitest";
import { noMedia, silentVideoTrack } from "./tracks.js";
import { descriptions, wiredPeers, type Side } from "./wired.js";

// Media renegotiation of one Peer pair, signaled directly: collisions set up
// exactly (offers held until the receiver has sent its own), and tracks
// changed while a first meeting or an ICE restart is in flight.

/** Adds a fresh track to a side and brings its connection to it. */
function add(side: Side): MediaStreamTrack {
  const { track, stream } = silentVideoTrack();
  side.tracks.push({ track, streams: [stream] });
  void side.peer.syncTracks();
  return track;
}

/** Resolves once `side` has had `count` remote tracks reported. */
const tracksReach = (side: Side, count: number) => side.when("track", () => side.events.filter((e) => e.name === "track").length >= count);

const collided = (side: Side) => side.events.filter((e) => e.name === "debug" && e.payload === "ignored an offer that collided with ours").length;

function noTrouble(...sides: Side[]) {
  for (const side of sides) expect(side.events.filter((e) => e.name === "gone" || e.name === "error")).toEqual([]);
}

describe.skipIf(noMedia !== undefined)(`media renegotiation (${noMedia ?? "libwebrtc"})`, () => {
  it("both sides add a track at the same moment, three rounds: the offers collide and both end with the full set", async () => {
    // "a" < "b": a is polite.
    const wired = wiredPeers({ aInitiator: false, bInitiator: true });
    const { a, b } = wired;
    wired.start();
    await Promise.all([a.when("opened"), b.when("opened")]);

    for (let round = 1; round <= 3; round++) {
      const offers = [descriptions(a, "offer"), descriptions(b, "offer")];
      wired.holdOffers(true);
      add(a);
      add(b);
      await Promise.all([tracksReach(a, round), tracksReach(b, round)]);
      // Both offered before seeing the other's: a real collision, which the impolite side (b) ignored.
      expect(descriptions(a, "offer")).toBeGreaterThan(offers[0]!);
      expect(descriptions(b, "offer")).toBeGreaterThan(offers[1]!);
      expect(collided(b)).toBe(round);
    }
    wired.holdOffers(false);
    expect([a.events.filter((e) => e.name === "track").length, b.events.filter((e) => e.name === "track").length]).toEqual([3, 3]);
    noTrouble(a, b);
  });

  it("tracks given while the first meeting is in flight, and offers that collide on it, all arrive", async () => {
    // Both initiate (glare on the first offer): the polite side answers with a fresh connection, which must carry its tracks.
    const wired = wiredPeers({ aInitiator: true, bInitiator: true, holdOffers: true });
    const { a, b } = wired;
    add(a);
    add(b);
    wired.start();
    add(a); // while a's first offer is being made
    await Promise.all([tracksReach(a, 1), tracksReach(b, 2)]);
    expect([a.created.length, b.created.length]).toEqual([2, 1]);
    noTrouble(a, b);
  });

  it("a track added during an ICE restart arrives, and the restart completes", async () => {
    const wired = wiredPeers({ aInitiator: false, bInitiator: true });
    const { a, b } = wired;
    wired.start();
    await Promise.all([a.when("opened"), b.when("opened")]);

    a.peer.restartIce();
    add(a);
    add(b);
    await Promise.all([tracksReach(a, 1), tracksReach(b, 1), a.when("debug", (m) => m === "ICE restart complete")]);
    noTrouble(a, b);
  });

  it("a fresh connection (an ICE restart after the remote side closed its own) carries the tracks again", async () => {
    const wired = wiredPeers({ aInitiator: false, bInitiator: true });
    const { a, b } = wired;
    wired.start();
    add(a);
    add(b);
    await Promise.all([tracksReach(a, 1), tracksReach(b, 1), a.when("opened"), b.when("opened")]);
    const [oldOnA] = a.events.filter((e) => e.name === "track").map((e) => e.payload as MediaStreamTrack);

    // b's connection goes away under it: a's channel closes unasked, a offers
    // a fresh connection, and b, seeing the new fingerprint, answers with one too.
    b.created[0]!.close();
    await Promise.all([a.when("debug", (m) => m === "ICE restart complete"), b.when("debug", (m) => m === "ICE restart complete")]);
    await Promise.all([tracksReach(a, 2), tracksReach(b, 2)]);
    // Fresh connections on both sides (more than one when their restarts collide).
    expect(Math.min(a.created.length, b.created.length)).toBeGreaterThanOrEqual(2);
    // The old connection's remote track was reported gone.
    expect(await a.when("trackRemoved")).toBe(oldOnA);
    noTrouble(a, b);
  });

  it("a removed track is reported removed on the other side", async () => {
    const wired = wiredPeers({ aInitiator: false, bInitiator: true });
    const { a, b } = wired;
    wired.start();
    const track = add(a);
    const remote = await b.when("track");
    a.tracks.splice(
      a.tracks.findIndex((t) => t.track === track),
      1,
    );
    void a.peer.syncTracks();
    expect(await b.when("trackRemoved")).toBe(remote);
    noTrouble(a, b);
  });
});
