import { CloseCodes, ErrorCodes, Limits, SignalingEvents, type ErrorCode } from "@raycaster/realtime-protocol";
import { WebSocket } from "ws";
import type { Seat } from "./seat.js";

/**
 * Frames queued for a peer that does not read them are dropped with the
 * peer: past this many buffered bytes, the socket is terminated, so one slow
 * or hostile reader cannot grow the server's memory without bound.
 */
export const SEND_BUFFER_LIMIT = 1024 * 1024;

/**
 * One WebSocket and the little the server keeps about the socket itself:
 * whether it answered the last heartbeat, the timer that closes it if it
 * never joins, and the seat it is bound to. Who the peer is (id, room) lives
 * in its {@link Seat}, which may outlive this socket and be bound to the next.
 */
export class Connection {
  readonly socket: WebSocket;
  /** Cleared on each heartbeat ping, set again by the pong or by any frame. */
  alive = true;
  /** The seat this socket speaks for; `undefined` until a `Join` is accepted, and after a takeover. */
  seat: Seat | undefined;
  readonly #joinTimer: NodeJS.Timeout;

  constructor(socket: WebSocket, joinTimeout: number) {
    this.socket = socket;
    this.#joinTimer = setTimeout(() => {
      if (this.seat === undefined) socket.close(CloseCodes.PolicyViolation, "no Join in time");
    }, joinTimeout);
  }

  /** Whether frames sent now can still reach the client. */
  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Stops the join timer; called once the socket has closed. */
  dispose(): void {
    clearTimeout(this.#joinTimer);
  }

  /**
   * Sends one serialised frame. Returns `false` when it was not sent: the
   * socket is not open, or the client stopped reading and the socket was
   * terminated.
   */
  send(frame: string): boolean {
    if (!this.open) return false;
    if (this.socket.bufferedAmount > SEND_BUFFER_LIMIT) {
      this.socket.terminate();
      return false;
    }
    this.socket.send(frame);
    return true;
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
