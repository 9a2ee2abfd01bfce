import { randomBytes } from "node:crypto";
import { CloseCodes, ErrorCodes, Limits, SignalingEvents, type ErrorCode } from "@raycaster/realtime-protocol";
import { WebSocket } from "ws";
import type { RoomMember } from "./adapter.js";

/**
 * Frames queued for a peer that does not read them are dropped with the
 * peer: past this many buffered bytes, the socket is terminated, so one slow
 * or hostile reader cannot grow the server's memory without bound.
 */
export const SEND_BUFFER_LIMIT = 1024 * 1024;

/**
 * One client's WebSocket and the little the server keeps about it: its id,
 * its room once joined, and whether it answered the last heartbeat.
 */
export class Connection implements RoomMember {
  /** Minted here, never taken from the client: 96 random bits. */
  readonly id = randomBytes(12).toString("base64url");
  /** The room this connection joined; `undefined` until `Join` is accepted. */
  room: string | undefined;
  /** Cleared on each heartbeat ping, set again by the pong. */
  alive = true;
  readonly socket: WebSocket;

  constructor(socket: WebSocket) {
    this.socket = socket;
  }

  send(frame: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (this.socket.bufferedAmount > SEND_BUFFER_LIMIT) {
      this.socket.terminate();
      return;
    }
    this.socket.send(frame);
  }

  /** Sends an `Error` frame; the connection stays open. */
  sendError(code: ErrorCode, message: string, peer?: string): void {
    // Clients refuse longer messages; the reason is for people, the code for code.
    const text = message.length > Limits.errorMessage ? `${message.slice(0, Limits.errorMessage - 1)}…` : message;
    this.send(JSON.stringify({ event: SignalingEvents.Error, code, message: text, peer }));
  }

  /** Sends `PROTOCOL_MISMATCH` and closes with the matching close code. */
  refuseProtocol(message: string): void {
    this.sendError(ErrorCodes.PROTOCOL_MISMATCH, message);
    this.socket.close(CloseCodes.ProtocolMismatch, "protocol mismatch");
  }
}
