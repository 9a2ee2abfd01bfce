import { WebSocket, type RawData } from "ws";
import type { Connection } from "./connection.js";

/** What the server does with the events of its sockets, each with the socket's connection. */
export interface SocketEvents {
  message(conn: Connection, data: RawData, isBinary: boolean): void;
  pong(conn: Connection): void;
  /** A protocol violation (bad UTF-8, an oversized frame), followed by a close (1007, 1009) that `close` sees. */
  error(conn: Connection, error: Error): void;
  close(conn: Connection, code: number, reason: Buffer): void;
}

/** A WebSocket of the server's: ws's, with the connection it belongs to. */
export interface ServerSocket extends WebSocket {
  /** Set as the server accepts the socket, before any of its events. */
  connection: Connection | undefined;
}

/** The class {@link serverSocketClass} makes: WebSocket's, whose instances are {@link ServerSocket}s. */
export type ServerSocketClass = typeof WebSocket & (new (...args: ConstructorParameters<typeof WebSocket>) => ServerSocket);

/**
 * The class of one server's WebSockets, for ws's `WebSocket` option: ws
 * makes one per accepted socket, and tells it of what happens by calling its
 * `emit`. This class hands the four events the server needs straight to
 * `events` with the socket's connection, rather than through listeners:
 * an EventEmitter keeps its listeners in a dictionary (its `_events` has no
 * prototype), and four of them grew that of every idle connection from the
 * 160 bytes each socket has anyway to 256. What `emit` is asked for goes on
 * to any listeners as usual (`close()` waits for sockets with one), except
 * an `error` nobody listens to, which EventEmitter would throw: the server
 * has handled it.
 */
export function serverSocketClass(events: SocketEvents): ServerSocketClass {
  return class extends WebSocket implements ServerSocket {
    // Declared here, so it is part of the socket from its construction, not a property added later.
    connection: Connection | undefined = undefined;

    override emit(event: string | symbol, ...args: unknown[]): boolean {
      const conn = this.connection;
      if (conn !== undefined) {
        switch (event) {
          case "message":
            events.message(conn, args[0] as RawData, args[1] as boolean);
            break;
          case "pong":
            events.pong(conn);
            break;
          case "error":
            events.error(conn, args[0] as Error);
            if (this.listenerCount("error") === 0) return true;
            break;
          case "close":
            events.close(conn, args[0] as number, args[1] as Buffer);
            break;
        }
      }
      return super.emit(event, ...args);
    }
  };
}
