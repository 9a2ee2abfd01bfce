import type { RawData } from "ws";

/**
 * The text of a `ws` message. `RawData` is a Buffer, an ArrayBuffer or a
 * list of Buffers (by the socket's `binaryType`); `String(data)` is only
 * right for the first, which is why the type-aware lint refuses it.
 */
export function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}
