import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { frameHandled, handlingFrame, SEND_BUFFER_LIMIT } from "../src/connection.js";
import { bareConnection } from "./harness.js";

// Frames for one socket within one callback leave together. Tested on a
// Connection over a real socket: through the server, how many frames one
// read carries is up to TCP.

describe("frames sent to one socket in one turn", () => {
  it("leave in one write, in order", async () => {
    const { conn, raw, client } = await bareConnection();
    // Each of ws's frames is a corked pair of writes: one `_writev` each, unless batched.
    const writes: number[] = [];
    const writev = raw._writev!.bind(raw);
    raw._writev = (chunks, callback) => (writes.push(chunks.length), writev(chunks, callback));
    for (let i = 0; i < 10; i++) expect(conn.send(JSON.stringify({ event: "Pong", i }))).toBe(true);
    for (let i = 0; i < 10; i++) expect(await client.next("Pong")).toEqual({ event: "Pong", i });
    expect(writes).toEqual([20]);
  });

  it("answering frames of one read leave together; the last frame of a read does not wait for the next tick", async () => {
    const { conn, raw, client } = await bareConnection();
    // The server's own listener does the same around each frame it handles.
    const corkedAfterSend: number[] = [];
    conn.socket.on("message", (data) => {
      handlingFrame(conn.socket);
      try {
        conn.send((data as Buffer).toString());
        corkedAfterSend.push(raw.writableCorked);
      } finally {
        frameHandled();
      }
    });
    const writes: number[] = [];
    const writev = raw._writev!.bind(raw);
    raw._writev = (chunks, callback) => (writes.push(chunks.length), writev(chunks, callback));
    // Three frames in one TCP write from the client: one read on the server.
    const clientRaw = (client.socket as unknown as { _socket: Socket })._socket;
    clientRaw.cork();
    for (let i = 0; i < 3; i++) client.socket.send(JSON.stringify({ event: "Pong", i }));
    clientRaw.uncork();
    for (let i = 0; i < 3; i++) expect(await client.next("Pong")).toEqual({ event: "Pong", i });
    expect(writes).toEqual([6]);
    // A read of one frame: written before the handler returns, uncorked.
    client.socket.send(JSON.stringify({ event: "Pong", i: 3 }));
    expect(await client.next("Pong")).toEqual({ event: "Pong", i: 3 });
    expect(writes).toEqual([6, 2]);
    expect(corkedAfterSend).toEqual([1, 1, 1, 0]);
  });

  it("count against the send buffer's bound while they wait", async () => {
    const { conn, client } = await bareConnection();
    const closed = client.closed();
    const frame = JSON.stringify({ event: "Pong", pad: "x".repeat(60 * 1024) });
    let sent = 0;
    while (conn.send(frame)) sent++;
    // Not one byte was written yet (this turn still runs): the bound counted
    // the batch, each frame with ws's 4-byte header, and cut it past 1 MiB.
    expect(sent).toBe(Math.floor(SEND_BUFFER_LIMIT / (frame.length + 4)) + 1);
    expect((await closed).code).toBe(1006);
  });
});
