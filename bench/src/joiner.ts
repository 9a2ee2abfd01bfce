/**
 * The join-storm generator, a child process of its own: opens clients as
 * fast as the server lets it, at most `concurrency` handshakes in flight,
 * each one connected and joined the way its server wants (ours: `Join`
 * answered by `Initialize`; PeerJS: its `OPEN`; y-webrtc: subscribed, then
 * a `ping` answered by `pong`; the bare relays: the socket open). Clients
 * stay open, idle, until the process ends: the bench reads the server's
 * memory in between. Driven over IPC: `{ storm }` answers `{ stormed }`.
 */
import { performance } from "node:perf_hooks";
import { WebSocket } from "ws";
import { endpoint, type Kind } from "./kinds.js";

export interface StormCommand {
  storm: { kind: Kind; port: number; count: number; concurrency: number };
}

export interface StormReport {
  joined: number;
  elapsedMs: number;
  /** Clients open now, of all opened so far: the server may not drop an idle joined client. */
  open: number;
}

/** Every client opened so far: kept referenced, so they stay open. */
const clients: WebSocket[] = [];

/** Client `index`: side a or b of pair `index >> 1`, so ours and y-webrtc fill rooms (topics) of two, as in the relay scenario. */
function join(kind: Kind, port: number, index: number): Promise<void> {
  const { url, hello, ready } = endpoint(kind, port, index >> 1, index % 2 === 0 ? "a" : "b");
  const socket = new WebSocket(url, { perMessageDeflate: false });
  clients.push(socket);
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => reject(new Error(`client ${index} of ${kind} failed to join: ${error.message}`));
    socket.once("error", fail);
    socket.once("close", (code) => fail(new Error(`closed with ${code}`)));
    // Listening before the socket opens: PeerJS's OPEN can come with the upgrade response.
    if (ready !== undefined) {
      const onMessage = (data: Buffer) => {
        const text = data.toString();
        // A refusal (ours: `"event":"Error"`, PeerJS: `"type":"ERROR"`) fails the storm rather than leaving it waiting.
        if (/"(event|type)":"(Error|ERROR)"/.test(text)) fail(new Error(`refused: ${text.slice(0, 200)}`));
        if (!text.includes(ready)) return;
        socket.off("message", onMessage);
        resolve();
      };
      socket.on("message", onMessage);
    }
    socket.once("open", () => {
      for (const frame of hello) socket.send(frame);
      if (ready === undefined) resolve();
    });
  });
}

async function storm({ kind, port, count, concurrency }: StormCommand["storm"]): Promise<StormReport> {
  const start = performance.now();
  const first = clients.length;
  let next = first;
  const end = first + count;
  const worker = async () => {
    while (next < end) await join(kind, port, next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const elapsedMs = performance.now() - start;
  return { joined: count, elapsedMs, open: clients.filter((c) => c.readyState === WebSocket.OPEN).length };
}

process.on("message", (command: StormCommand) => {
  storm(command.storm).then(
    (report) => process.send?.({ stormed: report }),
    (error: Error) => process.send?.({ stormed: undefined, error: error.message }),
  );
});
process.on("disconnect", () => process.exit(0));
