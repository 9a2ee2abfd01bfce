// Two relay-only peers through a real coturn (Debian's turnserver, started
// on a free port by the test harness), with credentials the signaling
// server minted from coturn's static-auth-secret.
import { connectionInfo } from "@raycaster/realtime-client";
import { coturnGate, startCoturn } from "@raycaster/realtime-test-harness";
import { expect, it, onTestFinished } from "vitest";
import { relayPeer } from "../src/relayPeer.js";
import { startSignaling } from "../src/signaling.js";

const gate = coturnGate();

it.skipIf(gate.skip)("connects two relay-only peers through coturn, relay to relay, and data flows", async () => {
  if (gate.failure) throw new Error(gate.failure);
  const coturn = await startCoturn();
  onTestFinished(() => coturn.close());
  const server = startSignaling({ port: 0, host: "127.0.0.1", turnUrls: coturn.url, turnSecret: coturn.secret });
  onTestFinished(() => server.close());
  const { port } = await server.listening();

  const alice = relayPeer(`ws://127.0.0.1:${port}`, "relayed");
  onTestFinished(() => alice.close());
  const { id: aliceId } = await alice.once("open");
  const bob = relayPeer(`ws://127.0.0.1:${port}`, "relayed");
  onTestFinished(() => bob.close());
  const { id: bobId } = await bob.once("open");
  const message = alice.once("message");
  await Promise.all([alice.once("peerConnected"), bob.once("peerConnected")]);

  await bob.send(aliceId, "through the relay");
  expect(await message).toEqual({ peerId: bobId, data: "through the relay" });
  // Both ends of the selected pair are coturn's relays, on each side.
  for (const [peer, other] of [
    [alice, bobId],
    [bob, aliceId],
  ] as const) {
    const info = await connectionInfo(peer, other);
    expect(info.type).toBe("relay");
    expect(info.local.type).toBe("relay");
  }
  // coturn allocated a relay for each seat under the username the server minted (expiry:seatId).
  for (const id of [aliceId, bobId]) {
    expect(coturn.log()).toContain(`:${id}>: incoming packet ALLOCATE processed, success`);
  }
});
