/**
 * The Node peers of the handshake and data-channel scenarios, a child
 * process of its own per WebRTC stack (`STACK`), beside the signaling server
 * in another (`PORT`). Ours and the stack's floor run in this same process,
 * interleaved, so that both see the same machine. Driven over IPC: one
 * command, one reply.
 */
import { performance } from "node:perf_hooks";
import { WebSocket } from "ws";
import { RTCClient } from "@raycaster/realtime-client";
import { endpoint } from "./kinds.js";
import { directPair, loadStack, type DirectPair, type Stack } from "./stacks.js";
import { jsonMessage, rawJson, rawBinary, type DataRun } from "./transfer.js";

export type PeersCommand = { handshake: { meetings: number } } | { transfer: TransferCommand };

export interface TransferCommand {
  what: "binary" | "json";
  subject: "raw" | "ours";
  /** Size of the binary message. */
  bytes: number;
  /** How many JSON messages. */
  messages: number;
}

export interface HandshakeSample {
  /** Milliseconds from the start to the channel open on both sides, one per meeting. */
  floor: number[];
  /** The floor with the offerer's candidates held until it has the answer (see `directPair`). */
  floorHeld: number[];
  ours: number[];
  /** Of each meeting of ours, the milliseconds until both clients were seated (WebSocket open, `Join`, `Initialize`). */
  seated: number[];
  /** Two bare WebSockets joining a fresh room at the same moment, until both had `Initialize`: joining alone, no client, no RTCPeerConnection. */
  sockets: number[];
  /** Meetings that failed, not in the times: ours (a peer left or an error came first) and the bare sockets', the floors (a channel closed unopened, or nothing within FLOOR_DEADLINE). */
  failed: number;
  floorFailed: number;
}

/** A floor meeting not open by then failed (the client's own bound, `connectTimeout`, is longer: 30 s). */
const FLOOR_DEADLINE = 10_000;

const stack = process.env.STACK as Stack;
const url = `ws://127.0.0.1:${process.env.PORT}`;
const Pc = await loadStack(stack);
let rooms = 0;

function client(room: string): RTCClient {
  // The 256 MiB message is over the default maxMessageSize (64 MiB).
  return new RTCClient({ url, room, RTCPeerConnection: Pc, WebSocket: WebSocket as never, reconnect: false, maxMessageSize: 2 ** 30 });
}

/** Resolves with the peer id once `c` has a peer connected; rejects if one leaves or an error comes first. */
function connected(c: RTCClient): Promise<string> {
  return new Promise((resolve, reject) => {
    c.once("peerConnected", ({ peerId }) => resolve(peerId));
    c.once("peerLeft", ({ peerId, reason }) => reject(new Error(`${peerId} left (${reason}) before connecting`)));
    c.once("error", (error) => reject(error));
  });
}

/** Two clients started at the same moment, until each has the other connected. */
async function meetOurs(): Promise<{ ms: number; seated: number; alice: RTCClient; bob: RTCClient; bobId: string }> {
  const room = `bench-${process.pid}-${++rooms}`;
  const t0 = performance.now();
  const alice = client(room);
  const bob = client(room);
  let seated = NaN;
  void Promise.all([alice.joined, bob.joined]).then(
    () => (seated = performance.now() - t0),
    () => "the meeting's failure is reported by connected()",
  );
  try {
    const [bobId] = await Promise.all([connected(alice), connected(bob)]);
    return { ms: performance.now() - t0, seated, alice, bob, bobId };
  } catch (error) {
    alice.close();
    bob.close();
    throw error;
  }
}

/** Two bare `ws` WebSockets join one fresh room on their upgrade requests at the same moment, as the join storm's clients do; the milliseconds until both had `Initialize`. */
async function seatSockets(): Promise<number> {
  const pair = ++rooms;
  const ends = (["a", "b"] as const).map((side) => endpoint("ours", Number(process.env.PORT), pair, side));
  const t0 = performance.now();
  const sockets = ends.map(({ url: joinUrl }) => new WebSocket(joinUrl));
  try {
    await Promise.all(
      sockets.map(
        (socket, k) =>
          new Promise<void>((resolve, reject) => {
            socket.on("message", (data: Buffer) => {
              if (data.toString().includes(ends[k]!.ready!)) resolve();
            });
            socket.once("error", reject);
            socket.once("close", (code) => reject(new Error(`closed with ${code} before Initialize`)));
          }),
      ),
    );
    return performance.now() - t0;
  } finally {
    for (const socket of sockets) socket.terminate();
  }
}

async function meetFloor(hold = false): Promise<{ ms: number; pair: DirectPair }> {
  const t0 = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not open within ${FLOOR_DEADLINE} ms`)), FLOOR_DEADLINE);
  });
  const made = directPair(Pc, { hold });
  try {
    const pair = await Promise.race([made, deadline]);
    return { ms: performance.now() - t0, pair };
  } catch (error) {
    // Closed once made, should it ever be; its own failure is the one thrown here already.
    made.then(
      (pair) => pair.close(),
      () => "reported above",
    );
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function handshake(meetings: number): Promise<HandshakeSample> {
  const sample: HandshakeSample = { floor: [], floorHeld: [], ours: [], seated: [], sockets: [], failed: 0, floorFailed: 0 };
  const subjects = ["floor", "floorHeld", "ours", "sockets"] as const;
  for (let i = 0; i < meetings; i++) {
    // Rotate which goes first, so that none always follows another's teardown.
    const order = subjects.map((_, k) => subjects[(i + k) % subjects.length] as (typeof subjects)[number]);
    for (const which of order) {
      if (which === "sockets") {
        try {
          sample.sockets.push(await seatSockets());
        } catch (error) {
          sample.failed++;
          console.error(`[peers ${stack}] sockets failed to join: ${String(error)}`);
        }
      } else if (which !== "ours") {
        try {
          const { ms, pair } = await meetFloor(which === "floorHeld");
          sample[which].push(ms);
          pair.close();
        } catch (error) {
          sample.floorFailed++;
          console.error(`[peers ${stack}] floor meeting (${which}) failed: ${String(error)}`);
        }
      } else {
        try {
          const { ms, seated, alice, bob } = await meetOurs();
          sample.ours.push(ms);
          sample.seated.push(seated);
          alice.close();
          bob.close();
        } catch (error) {
          sample.failed++;
          console.error(`[peers ${stack}] meeting failed: ${String(error)}`);
        }
      }
    }
  }
  return sample;
}

/** The connections transfers run on, made at the first transfer and kept: ours (through the signaling server) and a direct pair. */
let links: Promise<{ alice: RTCClient; bob: RTCClient; bobId: string; pair: DirectPair }> | undefined;
let payload: Uint8Array<ArrayBuffer> | undefined;
const message = jsonMessage();

async function transfer({ what, subject, bytes, messages }: TransferCommand): Promise<DataRun> {
  links ??= (async () => ({ ...(await meetOurs()), pair: (await meetFloor()).pair }))();
  const { alice, bob, bobId, pair } = await links;
  if (payload?.length !== bytes) {
    payload = new Uint8Array(bytes);
    for (let i = 0; i < payload.length; i += 4096) payload[i] = i & 0xff;
  }
  // The last run's garbage (a 256 MiB message) is not this run's to collect.
  globalThis.gc?.(); // the worker runs with --expose-gc
  const cpu = process.cpuUsage();
  let run: DataRun;
  if (what === "binary") run = await (subject === "raw" ? rawBinary(pair, payload, stack) : oursBinary(alice, bob, bobId, payload));
  else run = await (subject === "raw" ? rawJson(pair, message, messages, stack) : oursJsonRun(alice, bob, bobId, message, messages));
  const { user, system } = process.cpuUsage(cpu);
  return { ...run, cpuMs: (user + system) / 1000 };
}

/** One `send` of the whole buffer; done when the receiver's `message` event has it. */
async function oursBinary(alice: RTCClient, bob: RTCClient, bobId: string, payload: Uint8Array<ArrayBuffer>): Promise<DataRun> {
  const t0 = performance.now();
  const received = bob.once("message");
  await alice.send(bobId, payload);
  const { data } = await received;
  const ms = performance.now() - t0;
  const bytes = (data as ArrayBuffer).byteLength;
  if (bytes !== payload.length) throw new Error(`ours delivered ${bytes} bytes of ${payload.length}`);
  return { ms, bytes, messages: 1 };
}

/** `await send` per message, as an app that respects backpressure writes it; done when the last is received. */
async function oursJsonRun(alice: RTCClient, bob: RTCClient, bobId: string, message: unknown, count: number): Promise<DataRun> {
  let got = 0;
  let bytes = 0;
  const text = JSON.stringify(message).length;
  const all = new Promise<void>((resolve) => {
    const off = bob.on("message", () => {
      got++;
      bytes += text;
      if (got === count) {
        off();
        resolve();
      }
    });
  });
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await alice.send(bobId, message);
  await all;
  return { ms: performance.now() - t0, bytes, messages: count };
}

process.on("message", (command: PeersCommand) => {
  const run = "handshake" in command ? handshake(command.handshake.meetings) : transfer(command.transfer);
  run.then(
    (result) => process.send?.({ result }),
    (error: unknown) => process.send?.({ error: String((error as Error)?.stack ?? error) }),
  );
});
// An orderly exit on SIGINT, so that --cpu-prof (BENCH_PROFILE) writes its profile.
process.on("SIGINT", () => process.exit(0));
process.send?.({ ready: true });
