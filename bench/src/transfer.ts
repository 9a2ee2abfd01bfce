/**
 * The raw data-channel loops ours is measured against: an app writing
 * straight to an `RTCDataChannel` with ideal backpressure, the same
 * watermarks as the client's sender (1 MiB high, 256 KiB low). On a stack
 * with the `bufferedamountlow` event (node-datachannel, browsers) the loop
 * waits for it; on one without (@roamhq/wrtc) it looks at `bufferedAmount`
 * every 2 ms, as the client's sender must there too.
 */
import { performance } from "node:perf_hooks";
import type { DirectPair, Stack } from "./stacks.js";

export interface DataRun {
  ms: number;
  bytes: number;
  messages: number;
  /** CPU time of the whole peers process (both ends, the stack's threads too), ms: less disturbed by the machine's other load than `ms`. */
  cpuMs?: number;
}

const HIGH = 1024 * 1024;
const LOW = 256 * 1024;
const POLL_MS = 2;

/** Resolves once `channel.bufferedAmount` is at or under the low watermark. */
function lowWater(channel: RTCDataChannel, polls: boolean): Promise<void> {
  return new Promise((resolve) => {
    if (!polls) {
      channel.addEventListener("bufferedamountlow", () => resolve(), { once: true });
      return;
    }
    const look = () => (channel.bufferedAmount <= LOW ? resolve() : setTimeout(look, POLL_MS));
    setTimeout(look, POLL_MS);
  });
}

function backpressure(channel: RTCDataChannel, stack: Stack): () => Promise<void> | undefined {
  const polls = stack === "wrtc" || typeof channel.bufferedAmountLowThreshold !== "number";
  if (!polls) channel.bufferedAmountLowThreshold = LOW;
  return () => (channel.bufferedAmount >= HIGH ? lowWater(channel, polls) : undefined);
}

/**
 * `payload` in frames of the largest message the connection allows
 * (`sctp.maxMessageSize`, 256 KiB on both stacks), reassembled on arrival
 * into one buffer of the known size, as an app that wants the whole would.
 */
export async function rawBinary(pair: DirectPair, payload: Uint8Array<ArrayBuffer>, stack: Stack): Promise<DataRun> {
  const { ca, cb } = pair;
  const frame = Math.min(pair.a.sctp?.maxMessageSize || 256 * 1024, 256 * 1024);
  const total = payload.length;
  const whole = new Uint8Array(total);
  let received = 0;
  const done = new Promise<void>((resolve) => {
    cb.onmessage = ({ data }: MessageEvent<ArrayBuffer>) => {
      whole.set(new Uint8Array(data), received);
      received += data.byteLength;
      if (received === total) resolve();
    };
  });
  const wait = backpressure(ca, stack);
  const t0 = performance.now();
  for (let offset = 0; offset < total; offset += frame) {
    const waiting = wait();
    if (waiting) await waiting;
    ca.send(payload.subarray(offset, offset + frame));
  }
  await done;
  cb.onmessage = null;
  return { ms: performance.now() - t0, bytes: total, messages: 1 };
}

/** `count` messages of `message` as JSON text (stringify, send; parse on arrival). */
export async function rawJson(pair: DirectPair, message: unknown, count: number, stack: Stack): Promise<DataRun> {
  const { ca, cb } = pair;
  let got = 0;
  let bytes = 0;
  const done = new Promise<void>((resolve) => {
    cb.onmessage = ({ data }: MessageEvent<string>) => {
      JSON.parse(data);
      bytes += data.length;
      if (++got === count) resolve();
    };
  });
  const wait = backpressure(ca, stack);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const waiting = wait();
    if (waiting) await waiting;
    ca.send(JSON.stringify(message));
  }
  await done;
  cb.onmessage = null;
  return { ms: performance.now() - t0, bytes, messages: count };
}

/** A game-state-like JSON value of about 16 KiB as text. */
export function jsonMessage(): unknown {
  const items = [];
  for (let i = 0; JSON.stringify(items).length < 16 * 1024 - 120; i++) {
    items.push({ id: `unit-${i}`, x: (i * 37) % 1000, y: (i * 91) % 1000, hp: 100 - (i % 100), tags: ["a", "b"] });
  }
  return { type: "state", tick: 123456, items };
}
