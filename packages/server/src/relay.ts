import {
  CloseCodes,
  ErrorCodes,
  PROTOCOL_VERSION,
  SignalingEvents,
  parseClientMessage,
  type ClientMessage,
} from "@raycaster/realtime-protocol";
import { WebSocket, type RawData } from "ws";
import type { RoomAdapter } from "./adapter.js";
import type { Connection } from "./connection.js";
import type { ResolvedOptions } from "./options.js";

/**
 * Handles every frame a client sends: validates it, then joins a room or
 * relays to one peer of the same room with `from` set to the sender's id.
 * Never throws: whatever is wrong with a frame is answered with an `Error`
 * frame to its sender alone.
 */
export function handleFrame(
  conn: Connection,
  data: RawData,
  isBinary: boolean,
  options: ResolvedOptions,
): void {
  const { maxMessageSize, onError } = options;
  // ws still delivers frames that arrive while a close is under way (a
  // refused protocol, a join timeout, shutdown): they must not seat anyone.
  if (conn.socket.readyState !== WebSocket.OPEN) return;
  // The server keeps ws's default binaryType, so a frame is one Buffer.
  const frame = data as Buffer;
  const size = frame.length;
  if (size > maxMessageSize) {
    conn.sendError(
      ErrorCodes.MESSAGE_TOO_LARGE,
      `the frame is ${size} bytes; the limit is ${maxMessageSize}`,
    );
    return;
  }
  if (isBinary) {
    conn.sendError(ErrorCodes.INVALID_JSON, "binary frames are not accepted; send JSON text");
    return;
  }
  const parsed = parseClientMessage(frame.toString());
  if (!parsed.ok) {
    conn.sendError(parsed.code, parsed.reason);
    return;
  }
  try {
    route(conn, parsed.message, options);
  } catch (error) {
    conn.sendError(ErrorCodes.INTERNAL_ERROR, "the server failed to handle the frame");
    onError(error);
  }
}

function route(conn: Connection, message: ClientMessage, options: ResolvedOptions): void {
  const { adapter } = options;
  if (message.event === SignalingEvents.Join) {
    join(conn, message.room, message.protocol, options);
    return;
  }
  const room = conn.room;
  if (room === undefined) {
    conn.sendError(ErrorCodes.NOT_JOINED, `send Join before ${message.event}`);
    return;
  }
  // The outgoing frame is built from validated fields only; `from` is the
  // sender's server-minted id.
  let frame: string;
  switch (message.event) {
    case SignalingEvents.SendOffer:
      frame = JSON.stringify({ event: SignalingEvents.ReceiveOffer, from: conn.id, sdp: message.sdp });
      break;
    case SignalingEvents.SendAnswer:
      frame = JSON.stringify({ event: SignalingEvents.ReceiveAnswer, from: conn.id, sdp: message.sdp });
      break;
    case SignalingEvents.SendCandidate:
      frame = JSON.stringify({
        event: SignalingEvents.ReceiveCandidate,
        from: conn.id,
        candidate: message.candidate,
      });
      break;
  }
  if (message.to === conn.id || !adapter.sendTo(room, message.to, frame)) {
    conn.sendError(
      ErrorCodes.PEER_NOT_FOUND,
      `no peer "${message.to}" in room "${room}"`,
      message.to,
    );
  }
}

function join(
  conn: Connection,
  room: string,
  protocol: number,
  { adapter, maxPeersPerRoom }: ResolvedOptions,
): void {
  if (conn.room !== undefined) {
    conn.sendError(ErrorCodes.ALREADY_JOINED, `already in room "${conn.room}"`);
    return;
  }
  if (protocol !== PROTOCOL_VERSION) {
    conn.refuseProtocol(`the server speaks protocol ${PROTOCOL_VERSION}, the client ${protocol}`);
    return;
  }
  if (adapter.size(room) >= maxPeersPerRoom) {
    conn.sendError(ErrorCodes.ROOM_FULL, `room "${room}" already holds ${maxPeersPerRoom} peers`);
    conn.socket.close(CloseCodes.RoomFull, "room full");
    return;
  }
  const peers = adapter.join(room, conn);
  conn.room = room;
  conn.send(
    JSON.stringify({
      event: SignalingEvents.Initialize,
      protocol: PROTOCOL_VERSION,
      id: conn.id,
      room,
      peers,
    }),
  );
  adapter.broadcast(room, JSON.stringify({ event: SignalingEvents.UserConnected, id: conn.id }), conn.id);
}

/** Removes a closed connection from its room and tells the others. */
export function leave(conn: Connection, adapter: RoomAdapter): void {
  const room = conn.room;
  if (room === undefined) return;
  conn.room = undefined;
  adapter.leave(room, conn.id);
  adapter.broadcast(room, JSON.stringify({ event: SignalingEvents.UserDisconnected, id: conn.id }));
}
