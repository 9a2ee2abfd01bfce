// The data path's frames and copies, on a real pair of RTCPeerConnections
// negotiated directly (no signaling: the Sender and Receiver alone).
import { describe, expect, it, onTestFinished } from "vitest";
import { RTCPeerConnection as StackPeerConnection } from "./webrtc.js";
import { CHUNK_HEADER, decodeFrame, encodeChunk, encodeStart, FrameKind, PayloadKind } from "../src/encoder.js";
import { toOutgoing } from "../src/outgoing.js";
import { Receiver } from "../src/receiver.js";
import { MAX_FRAME, Sender } from "../src/sender.js";

async function channelPair(): Promise<{ a: RTCPeerConnection; ca: RTCDataChannel; cb: RTCDataChannel }> {
  const a = new StackPeerConnection() as unknown as RTCPeerConnection;
  const b = new StackPeerConnection() as unknown as RTCPeerConnection;
  let closed = false;
  onTestFinished(() => {
    closed = true;
    a.close();
    b.close();
  });
  const ca = a.createDataChannel("t", { negotiated: true, id: 0 });
  const cb = b.createDataChannel("t", { negotiated: true, id: 0 });
  cb.binaryType = "arraybuffer";
  const open = Promise.all([ca, cb].map((c) => new Promise((resolve) => c.addEventListener("open", resolve, { once: true }))));
  // Both sides' candidates wait until the exchange is complete (addIceCandidate needs the remote description).
  const held: [RTCPeerConnection, RTCIceCandidate][] = [];
  a.onicecandidate = ({ candidate }) => void (candidate && held.push([b, candidate]));
  b.onicecandidate = ({ candidate }) => void (candidate && held.push([a, candidate]));
  // Descriptions go over without candidate lines: each candidate also comes
  // through onicecandidate (set above, before gathering starts) and is
  // applied from there. libdatachannel's localDescription carries the
  // candidates gathered so far, and a remote description with candidates can
  // reach the other side before its ICE transport exists ("Got a remote
  // candidate without ICE transport", seen beside a CPU hog).
  const bare = (d: RTCSessionDescription | null): RTCSessionDescriptionInit => ({ type: d!.type, sdp: d!.sdp.replace(/^a=candidate:.*\r?\n/gm, "") });
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(bare(a.localDescription));
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(bare(b.localDescription));
  const apply = ([to, candidate]: [RTCPeerConnection, RTCIceCandidate]) => {
    if (closed) return;
    to.addIceCandidate(candidate).catch((error: unknown) => {
      // A candidate gathered as the test closed the pair is refused by the
      // closed connection: expected. Any other refusal fails the run.
      if (!closed) throw error;
    });
  };
  held.splice(0).forEach(apply);
  a.onicecandidate = ({ candidate }) => void (candidate && apply([b, candidate]));
  b.onicecandidate = ({ candidate }) => void (candidate && apply([a, candidate]));
  await open;
  return { a, ca, cb };
}

function sender(channel: RTCDataChannel, sctp: () => RTCSctpTransport | null | undefined): Sender {
  return new Sender({ channel, peerId: "p", sctp, chunking: true, progress: () => undefined, error: (e) => expect.fail(e.message) });
}

describe("the sender's frames", () => {
  it("are as large as the connection allows, up to MAX_FRAME, and its SCTP transport is read once per channel", async () => {
    const { a, ca, cb } = await channelPair();
    const maxMessageSize = a.sctp?.maxMessageSize ?? 0;
    expect(maxMessageSize).toBeGreaterThanOrEqual(MAX_FRAME); // 256 KiB on both stacks
    let reads = 0;
    const s = sender(ca, () => (reads++, a.sctp as RTCSctpTransport));
    const sizes: number[] = [];
    const total = 4 * MAX_FRAME;
    const arrived = new Promise<void>((resolve) => {
      let bytes = 0;
      cb.addEventListener("message", ({ data }: MessageEvent<ArrayBuffer>) => {
        sizes.push(data.byteLength);
        const frame = decodeFrame(data);
        if (typeof frame !== "string" && frame.kind === FrameKind.CHUNK && (bytes += frame.bytes.length) === total * 2) resolve();
      });
    });
    await Promise.all([s.send(toOutgoing(new Uint8Array(total))), s.send(toOutgoing(new Uint8Array(total)))]);
    await arrived;
    expect(reads).toBe(1);
    expect(Math.max(...sizes)).toBe(MAX_FRAME);
    // Per message: a START, then chunks of MAX_FRAME less the header.
    expect(sizes.length).toBe(2 * (1 + Math.ceil(total / (MAX_FRAME - CHUNK_HEADER))));
  });

  it("looks at bufferedAmount and readyState once per high watermark handed over, not per message", async () => {
    const { ca, cb } = await channelPair();
    const reads = { bufferedAmount: 0, readyState: 0 };
    for (const name of ["bufferedAmount", "readyState"] as const) {
      let proto = Object.getPrototypeOf(ca);
      while (proto && !Object.getOwnPropertyDescriptor(proto, name)) proto = Object.getPrototypeOf(proto);
      const { get } = Object.getOwnPropertyDescriptor(proto, name)!;
      Object.defineProperty(ca, name, { get: () => (reads[name]++, get!.call(ca)) });
    }
    const s = sender(ca, () => undefined);
    const count = 200;
    const arrived = new Promise<void>((resolve) => {
      let got = 0;
      cb.addEventListener("message", () => ++got === count && resolve());
    });
    // 200 messages of 1 KiB of JSON text: 600 KiB counted at 3 bytes per unit, under one high watermark.
    for (let i = 0; i < count; i++) await s.send(toOutgoing("x".repeat(1024)));
    await arrived;
    expect(reads).toEqual({ bufferedAmount: 1, readyState: 1 });
  });

  it("a large JSON text sent to several peers is encoded to UTF-8 once", async () => {
    const { ca } = await channelPair();
    const { ca: other } = await channelPair();
    const outgoing = toOutgoing({ text: "é".repeat(MAX_FRAME) });
    const first = sender(ca, () => undefined);
    const second = sender(other, () => undefined);
    await first.send(outgoing);
    const encoded = outgoing.kind === "text" ? outgoing.bytes : undefined;
    expect(encoded?.kind).toBe("bytes");
    await second.send(outgoing);
    expect(outgoing.kind === "text" && outgoing.bytes).toBe(encoded);
  });
});

describe("the receiver's reassembly", () => {
  it("copies each chunk into one buffer of the declared size as it arrives, holding no frame", () => {
    const delivered: unknown[] = [];
    const receiver = new Receiver({
      peerId: "p",
      maxMessageSize: 1024,
      deliver: (data) => delivered.push(data),
      progress: () => undefined,
      error: (e) => expect.fail(e.message),
      refuse: () => expect.fail("refused"),
      refused: () => expect.fail("refused"),
    });
    receiver.receive(encodeStart({ payload: PayloadKind.BINARY, id: 1, total: 6 }).buffer);
    expect(receiver.buffered).toBe(6); // allocated at the start, within maxMessageSize
    const first = encodeChunk({ id: 1, offset: 0, bytes: new Uint8Array([1, 2, 3]) });
    receiver.receive(first.buffer);
    // A frame's buffer reused by the stack after its event must not change the message.
    first.fill(9);
    receiver.receive(encodeChunk({ id: 1, offset: 3, bytes: new Uint8Array([4, 5, 6]) }).buffer);
    expect(delivered.map((d) => [...new Uint8Array(d as ArrayBuffer)])).toEqual([[1, 2, 3, 4, 5, 6]]);
    expect(receiver.buffered).toBe(0);
  });
});
