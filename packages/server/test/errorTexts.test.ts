import { PROTOCOL_VERSION } from "@raycaster/realtime-protocol";
import { describe, expect, it } from "vitest";
import { MemoryRoomAdapter } from "../src/memoryAdapter.js";
import { connect, join, settled, startServer } from "./harness.js";

// The words of each refusal the relay sends, beside its code
// (validation.test.ts checks the codes): a developer reads them in the
// client's error events.

/** An adapter whose store is out of reach for signals. */
class UnreachableStore extends MemoryRoomAdapter {
  // @ts-expect-error: the seam allows a promise where the memory adapter answers at once.
  override sendTo(): Promise<boolean> {
    return Promise.reject(new Error("the store is down"));
  }
}

describe("the relay's refusals", () => {
  it("say what to do before joining, and which room a second Join met", async () => {
    const { url } = await startServer();
    const stranger = await connect(url);
    stranger.sendJson({ event: "SendOffer", to: "p", sdp: "v=0" });
    expect(await stranger.next("Error")).toEqual({ event: "Error", code: "NOT_JOINED", message: "send Join before SendOffer" });

    const { client } = await join(url, "r");
    client.sendJson({ event: "Join", protocol: PROTOCOL_VERSION, room: "other" });
    expect(await client.next("Error")).toEqual({ event: "Error", code: "ALREADY_JOINED", message: 'already in room "r"' });
  });

  it("name both protocol versions on a mismatch", async () => {
    const { url } = await startServer();
    const client = await connect(url);
    client.sendJson({ event: "Join", protocol: 999, room: "r" });
    expect(await client.next("Error")).toEqual({
      event: "Error",
      code: "PROTOCOL_MISMATCH",
      message: `the server speaks protocol ${PROTOCOL_VERSION}, the client 999`,
    });
  });

  it("name the peer and room a signal found no one in", async () => {
    const { url } = await startServer();
    const { client } = await join(url, "r");
    client.sendJson({ event: "SendOffer", to: "nobody", sdp: "v=0" });
    expect(await client.next("Error")).toEqual({ event: "Error", code: "PEER_NOT_FOUND", message: 'no peer "nobody" in room "r"', peer: "nobody" });
  });

  it("name the peer whose signal a store out of reach lost, and log why at debug", async () => {
    const debug: [object, string][] = [];
    const ignore = () => {};
    const logger = { debug: (fields: object, message: string) => debug.push([fields, message]), info: ignore, warn: ignore, error: ignore };
    const { url } = await startServer({ adapter: new UnreachableStore(), logger });
    const alice = await join(url, "r");
    const bob = await join(url, "r");
    alice.client.sendJson({ event: "SendOffer", to: bob.init.id, sdp: "v=0" });
    expect(await alice.client.next("Error")).toEqual({
      event: "Error",
      code: "DELIVERY_FAILED",
      message: `the signal for "${bob.init.id}" could not be delivered; the room's store is out of reach`,
      peer: bob.init.id,
    });
    expect(debug).toEqual([[{ err: new Error("the store is down"), to: bob.init.id }, "signal not delivered"]]);
  });

  it("count frames that were not parsed, binary ones included, as invalid", async () => {
    const { url, signaling } = await startServer();
    const client = await connect(url);
    client.socket.send(Buffer.from([1, 2, 3]));
    expect(await client.next("Error")).toEqual({ event: "Error", code: "INVALID_JSON", message: "binary frames are not accepted; send JSON text" });
    client.socket.send("{");
    await client.next("Error");
    await settled(client);
    expect(signaling.stats().framesIn).toEqual({ invalid: 2, Ping: 1 });
  });
});
