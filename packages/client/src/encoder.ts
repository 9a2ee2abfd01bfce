/**
 * Framing on a data channel. A JSON value that fits in one SCTP message goes
 * as a text frame (its JSON text, as before binary support). Everything else
 * goes in binary frames, each starting with a one-byte kind:
 *
 * - `WHOLE`  `[1][payload u8][type length u16][type utf-8][bytes]`: a message in one frame.
 * - `START`  `[2][payload u8][type length u16][id u32][total f64][type utf-8]`: a chunked transfer begins.
 * - `CHUNK`  `[3][0 0 0][id u32][offset f64][bytes]`: the next bytes of transfer `id`, in order.
 * - `ABORT`  `[4][failed u8][0 0][id u32]`: the sender gave transfer `id` up (`failed` 0: its app
 *   aborted it; 1: its connection was replaced or closed); the receiver frees it.
 * - `REFUSE` `[5][0 0 0][id u32]`: the receiver refused the sender's transfer `id` (over its limit).
 *
 * Numbers are big-endian. `payload` says what the bytes are: JSON text
 * (utf-8), binary (an `ArrayBuffer` on arrival) or a `Blob` (with `type`).
 */
export const FrameKind = { WHOLE: 1, START: 2, CHUNK: 3, ABORT: 4, REFUSE: 5 } as const;
export const PayloadKind = { JSON: 0, BINARY: 1, BLOB: 2 } as const;
export type PayloadKind = (typeof PayloadKind)[keyof typeof PayloadKind];

/** Bytes before the data of a `CHUNK` frame. */
export const CHUNK_HEADER = 16;
/** The longest `Blob.type` a frame carries. */
const MAX_TYPE = 255;

export type Frame =
  | { kind: typeof FrameKind.WHOLE; payload: PayloadKind; type: string; bytes: Uint8Array }
  | { kind: typeof FrameKind.START; payload: PayloadKind; type: string; id: number; total: number }
  | { kind: typeof FrameKind.CHUNK; id: number; offset: number; bytes: Uint8Array }
  | { kind: typeof FrameKind.ABORT | typeof FrameKind.REFUSE; id: number; failed: boolean };

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Encodes a UTF-8 text (a JSON text, a Blob type). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8, throwing on malformed input. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

const NO_TYPE = new Uint8Array(0);

/**
 * Bytes over an `ArrayBuffer` of their own, as `RTCDataChannel.send` wants
 * them. Spelt as an intersection, not `Uint8Array<ArrayBuffer>`, so that the
 * declaration files read in TypeScript before 5.7 too (where `Uint8Array`
 * is not generic).
 */
export type FrameBytes = Uint8Array & { readonly buffer: ArrayBuffer };

function typeBytes(type: string): Uint8Array {
  if (type === "") return NO_TYPE;
  const bytes = utf8(type);
  return bytes.length <= MAX_TYPE ? bytes : NO_TYPE;
}

export function encodeWhole(options: { payload: PayloadKind; type?: string; bytes: Uint8Array }): FrameBytes {
  const type = typeBytes(options.type ?? "");
  const frame = new Uint8Array(4 + type.length + options.bytes.length);
  const view = new DataView(frame.buffer);
  frame[0] = FrameKind.WHOLE;
  frame[1] = options.payload;
  view.setUint16(2, type.length);
  frame.set(type, 4);
  frame.set(options.bytes, 4 + type.length);
  return frame;
}

/** The size of a `WHOLE` frame for `size` bytes of payload. */
export function wholeSize(size: number, type = ""): number {
  return 4 + typeBytes(type).length + size;
}

export function encodeStart(options: { payload: PayloadKind; type?: string; id: number; total: number }): FrameBytes {
  const type = typeBytes(options.type ?? "");
  const frame = new Uint8Array(16 + type.length);
  const view = new DataView(frame.buffer);
  frame[0] = FrameKind.START;
  frame[1] = options.payload;
  view.setUint16(2, type.length);
  view.setUint32(4, options.id);
  view.setFloat64(8, options.total);
  frame.set(type, 16);
  return frame;
}

export function encodeChunk(options: { id: number; offset: number; bytes: Uint8Array }): FrameBytes {
  const frame = new Uint8Array(CHUNK_HEADER + options.bytes.length);
  const view = new DataView(frame.buffer);
  frame[0] = FrameKind.CHUNK;
  view.setUint32(4, options.id);
  view.setFloat64(8, options.offset);
  frame.set(options.bytes, CHUNK_HEADER);
  return frame;
}

export function encodeControl(kind: typeof FrameKind.ABORT | typeof FrameKind.REFUSE, id: number, failed = false): FrameBytes {
  const frame = new Uint8Array(8);
  const view = new DataView(frame.buffer);
  frame[0] = kind;
  frame[1] = failed ? 1 : 0;
  view.setUint32(4, id);
  return frame;
}

/** Decodes a binary frame; a string says what is wrong with a malformed one. */
export function decodeFrame(data: ArrayBuffer): Frame | string {
  const frame = new Uint8Array(data);
  const view = new DataView(data);
  if (frame.length < 1) return "an empty binary frame";
  const kind = frame[0]!;
  switch (kind) {
    case FrameKind.WHOLE: {
      if (frame.length < 4) return "a truncated frame";
      const payload = frame[1]!;
      const typeLength = view.getUint16(2);
      if (!isPayload(payload) || frame.length < 4 + typeLength) return "a malformed frame";
      const type = typeLength === 0 ? "" : textOr(frame.subarray(4, 4 + typeLength));
      if (type === undefined) return "a frame with a malformed type";
      return { kind, payload, type, bytes: frame.subarray(4 + typeLength) };
    }
    case FrameKind.START: {
      if (frame.length < 16) return "a truncated frame";
      const payload = frame[1]!;
      const typeLength = view.getUint16(2);
      const total = view.getFloat64(8);
      if (!isPayload(payload) || frame.length !== 16 + typeLength || !Number.isSafeInteger(total) || total < 0) {
        return "a malformed transfer start";
      }
      const type = typeLength === 0 ? "" : textOr(frame.subarray(16));
      if (type === undefined) return "a frame with a malformed type";
      return { kind, payload, type, id: view.getUint32(4), total };
    }
    case FrameKind.CHUNK: {
      if (frame.length < CHUNK_HEADER) return "a truncated frame";
      const offset = view.getFloat64(8);
      if (!Number.isSafeInteger(offset) || offset < 0) return "a malformed chunk";
      return { kind, id: view.getUint32(4), offset, bytes: frame.subarray(CHUNK_HEADER) };
    }
    case FrameKind.ABORT:
    case FrameKind.REFUSE:
      if (frame.length !== 8) return "a malformed control frame";
      return { kind, id: view.getUint32(4), failed: frame[1] === 1 };
    default:
      return `a frame of unknown kind ${kind}`;
  }
}

function isPayload(value: number): value is PayloadKind {
  return value === PayloadKind.JSON || value === PayloadKind.BINARY || value === PayloadKind.BLOB;
}

function textOr(bytes: Uint8Array): string | undefined {
  try {
    return fromUtf8(bytes);
  } catch {
    return undefined; // the caller reports the frame as malformed
  }
}
