import { PayloadKind, utf8 } from "./encoder.js";
import { RealtimeError } from "./errors.js";

/**
 * A message ready to go: JSON text (sent as a text frame when it fits one
 * SCTP message), or bytes read a slice at a time (a Blob is never read
 * whole, so sending one holds only the slice in flight).
 */
export type Outgoing =
  | {
      kind: "text";
      text: string;
      /** Its UTF-8 bytes once a sender needed them (too large for a text frame): a broadcast encodes them once for every peer. */
      bytes?: Outgoing;
    }
  | {
      kind: "bytes";
      payload: PayloadKind;
      /** A Blob's MIME type; `""` otherwise. */
      type: string;
      size: number;
      read(offset: number, length: number): Uint8Array | Promise<Uint8Array>;
    };

/**
 * Turns what the app passes to `send` into an {@link Outgoing}: strings and
 * JSON values as JSON text, `ArrayBuffer`s, typed arrays and `DataView`s as
 * binary, `Blob`s as themselves. Throws `NOT_SERIALIZABLE` for a value with
 * no JSON form. Bytes are not copied: the app must not change them until
 * `send` resolves.
 */
export function toOutgoing(data: unknown): Outgoing {
  if (data instanceof ArrayBuffer) return bytesOf(new Uint8Array(data), PayloadKind.BINARY);
  if (ArrayBuffer.isView(data)) {
    return bytesOf(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), PayloadKind.BINARY);
  }
  if (typeof Blob !== "undefined" && data instanceof Blob) {
    return {
      kind: "bytes",
      payload: PayloadKind.BLOB,
      type: data.type,
      size: data.size,
      read: async (offset, length) => new Uint8Array(await data.slice(offset, offset + length).arrayBuffer()),
    };
  }
  return { kind: "text", text: serialize(data) };
}

/** JSON text too large for one frame, as UTF-8 bytes. */
export function textAsBytes(text: string): Outgoing {
  return bytesOf(utf8(text), PayloadKind.JSON);
}

function bytesOf(bytes: Uint8Array, payload: PayloadKind): Outgoing {
  return {
    kind: "bytes",
    payload,
    type: "",
    size: bytes.length,
    read: (offset, length) => bytes.subarray(offset, offset + length),
  };
}

function serialize(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new RealtimeError("NOT_SERIALIZABLE", "JSON.stringify failed", { cause });
  }
  if (text === undefined) {
    throw new RealtimeError("NOT_SERIALIZABLE", `a value of type ${typeof value} has no JSON form`);
  }
  return text;
}
