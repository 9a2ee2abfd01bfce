import { describe, expect, it } from "vitest";
import { connectionInfo } from "../src/index.js";
import { implementation } from "./webrtc.js";
import { createClient, startServer, within } from "./harness.js";

describe("connectionInfo", () => {
  it("reports the selected pair on loopback: host candidates both ends, matching across peers, an rtt", async () => {
    const server = await startServer();
    const alice = createClient({ url: server.url, room: "r" });
    const { id: aliceId } = await alice.client.joined;
    const bob = createClient({ url: server.url, room: "r" });
    const { id: bobId } = await bob.client.joined;
    await Promise.all([alice.connectedTo(bobId), bob.connectedTo(aliceId)]);

    const [fromAlice, fromBob] = await within("connectionInfo", Promise.all([connectionInfo(alice.client, bobId), connectionInfo(bob.client, aliceId)]));
    for (const info of [fromAlice, fromBob]) {
      expect(info.local.type).toBe("host");
      // A host candidate too, or peer-reflexive when its connectivity check
      // arrived before the candidate itself was signaled: both direct paths.
      expect(["host", "prflx"]).toContain(info.remote.type);
      expect(info.type).toBe(info.remote.type);
      expect(info.local.port).toBeGreaterThan(0);
      // libwebrtc has measured STUN checks by now; libdatachannel reports its
      // SCTP round trip (undefined until it has one).
      if (implementation === "wrtc" || info.rtt !== undefined) expect(info.rtt).toBeGreaterThanOrEqual(0);
      // libwebrtc reports the transport protocol, libdatachannel does not.
      expect(info.local.protocol).toBe(implementation === "wrtc" ? "udp" : undefined);
    }
    // Both ends agree on the pair: what one calls remote is the other's local
    // (libwebrtc hides a peer-reflexive remote's address).
    for (const [info, other] of [
      [fromAlice, fromBob],
      [fromBob, fromAlice],
    ] as const) {
      expect(info.remote.port).toBe(other.local.port);
      expect(info.local.address).toBeTruthy();
      if (info.remote.type === "host") expect(info.remote.address).toBe(other.local.address);
    }
  });

  it("rejects with PEER_NOT_CONNECTED for an unknown peer and for one with no selected pair", async () => {
    const server = await startServer();
    const alice = createClient({ url: server.url, room: "r" });
    await alice.client.joined;
    await expect(connectionInfo(alice.client, "nobody")).rejects.toMatchObject({
      code: "PEER_NOT_CONNECTED",
      peerId: "nobody",
    });
    // Relay only and no TURN server: Carol is in the room but never connects.
    const carol = createClient({
      url: server.url,
      room: "r",
      rtcConfiguration: { iceTransportPolicy: "relay" },
    });
    const { id: carolId } = await carol.client.joined;
    await alice.when("peerJoined", (e) => e.peerId === carolId);
    await expect(connectionInfo(alice.client, carolId)).rejects.toMatchObject({
      code: "PEER_NOT_CONNECTED",
      peerId: carolId,
    });
  });
});
