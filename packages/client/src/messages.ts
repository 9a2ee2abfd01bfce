import { ClientErrorCodes, RealtimeError } from "./errors.js";

/**
 * Bytes the data channel may hold unsent before `send` refuses more; this
 * bounds memory when the remote peer reads slower than we write.
 */
export const MAX_BUFFERED_AMOUNT = 8 * 1024 * 1024;

/** Chrome's and libdatachannel's default when the SCTP transport does not say. */
const DEFAULT_MAX_MESSAGE_SIZE = 256 * 1024;

/** Sends one already-serialised JSON text on an open channel. Throws a {@link RealtimeError} when it cannot. */
export function sendText(peerId: string, pc: RTCPeerConnection, channel: RTCDataChannel, text: string): void {
  // UTF-8 takes at most 3 bytes per UTF-16 unit: measure only when it could matter.
  const limit = pc.sctp?.maxMessageSize || DEFAULT_MAX_MESSAGE_SIZE;
  const size = text.length * 3 <= limit ? text.length : new TextEncoder().encode(text).length;
  if (size > limit) {
    throw new RealtimeError(
      ClientErrorCodes.MESSAGE_TOO_LARGE,
      `the message is ${size} bytes; the channel to peer ${peerId} carries at most ${limit}`,
      { peerId },
    );
  }
  if (channel.bufferedAmount + size > MAX_BUFFERED_AMOUNT) {
    throw new RealtimeError(
      ClientErrorCodes.BUFFER_FULL,
      `${channel.bufferedAmount} bytes are still waiting to be sent to peer ${peerId}`,
      { peerId },
    );
  }
  try {
    channel.send(text);
  } catch (cause) {
    // The channel closed between the caller's check and now.
    throw new RealtimeError(ClientErrorCodes.PEER_NOT_CONNECTED, `peer ${peerId} is not connected`, { peerId, cause });
  }
}

/** Parses what a peer sent: JSON text, or a typed error saying why not. */
export function parseMessage(peerId: string, data: unknown): { ok: true; value: unknown } | { ok: false; error: RealtimeError } {
  if (typeof data !== "string") {
    return {
      ok: false,
      error: new RealtimeError(ClientErrorCodes.INVALID_PEER_MESSAGE, `peer ${peerId} sent binary data`, { peerId }),
    };
  }
  try {
    return { ok: true, value: JSON.parse(data) };
  } catch (cause) {
    return {
      ok: false,
      error: new RealtimeError(ClientErrorCodes.INVALID_PEER_MESSAGE, `peer ${peerId} sent a message that is not JSON`, {
        peerId,
        cause,
      }),
    };
  }
}
