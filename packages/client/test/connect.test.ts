import { describe, expect, it } from "vitest";
import { createClient, startServer } from "./harness.js";

describe("peers connect through the signaling server", () => {
  it("two peers connect and exchange JSON both ways", async () => {
    const { url } = await startServer();
    const alice = createClient({ url, room: "pair" });
    const { id: aliceId } = await alice.when("open");
    const bob = createClient({ url, room: "pair" });
    const { id: bobId, peers } = await bob.when("open");
    expect(peers).toEqual([aliceId]);

    await Promise.all([alice.connectedTo(bobId), bob.connectedTo(aliceId)]);
    alice.client.send(bobId, { text: "hi bob", n: 1 });
    bob.client.send(aliceId, ["hi", "alice", 2]);

    expect(await bob.when("message")).toEqual({ peerId: aliceId, data: { text: "hi bob", n: 1 } });
    expect(await alice.when("message")).toEqual({ peerId: bobId, data: ["hi", "alice", 2] });
  });
});
