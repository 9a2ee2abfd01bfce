import { ErrorCodes, PROTOCOL_VERSION, RelayedEvents, SignalingEvents, parseClientMessage, type ClientMessage } from "@raycaster/realtime-protocol";
import type { RawData } from "ws";
import { isPromise } from "./adapter.js";
import { frameHandled, handlingFrame, type Connection } from "./connection.js";
import { observe } from "./hooks.js";
import { readSignal, type SignalEvent, type SignalFrame } from "./signalFrame.js";
import type { ResolvedOptions } from "./options.js";
import type { Seating } from "./seating.js";
import { Counters } from "./stats.js";

/** What the relay needs besides the frame: the options, the seats and the counters. */
export interface RelayContext {
  options: ResolvedOptions;
  seating: Seating;
  counters: Counters;
}

/**
 * Handles every frame a client sends: validates it, then joins (or resumes)
 * a seat, answers a `Ping`, or relays to one peer of the same room with
 * `from` set to the sender's id. Never throws: whatever is wrong with a
 * frame is answered with an `Error` frame to its sender alone.
 */
export function handleFrame(conn: Connection, data: RawData, isBinary: boolean, context: RelayContext): void {
  handlingFrame(conn.socket);
  try {
    // The server keeps ws's default binaryType, so a frame is one Buffer.
    handle(conn, data as Buffer, isBinary, context);
  } finally {
    frameHandled();
  }
}

function handle(conn: Connection, frame: Buffer, isBinary: boolean, context: RelayContext): void {
  const { maxMessageSize, onError, hooks } = context.options;
  // ws still delivers frames that arrive while a close is under way (a
  // refused protocol, a join timeout, a takeover, shutdown): they must not
  // seat or relay anything.
  if (!conn.open) return;
  // Whatever arrives, the socket is alive: the heartbeat need not drop it.
  conn.alive = true;
  // Before any parsing: a flood costs the server as little as possible.
  if (conn.admit() !== "ok") return;
  const size = frame.length;
  if (size > maxMessageSize) {
    conn.sendError(ErrorCodes.MESSAGE_TOO_LARGE, `the frame is ${size} bytes; the limit is ${maxMessageSize}`);
    return;
  }
  if (isBinary) {
    Counters.add(context.counters.framesIn, "invalid");
    conn.sendError(ErrorCodes.INVALID_JSON, "binary frames are not accepted; send JSON text");
    return;
  }
  const text = frame.toString();
  // Signals in the shapes clients send take the fast path (validated all the
  // same, see signalFrame.ts); the rest, and every frame when a `message`
  // hook wants the parsed message, the schemas.
  const signal = hooks.message ? undefined : readSignal(text);
  let message: ClientMessage | undefined;
  if (signal === undefined) {
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      Counters.add(context.counters.framesIn, "invalid");
      conn.sendError(parsed.code, parsed.reason);
      return;
    }
    message = parsed.message;
  }
  Counters.add(context.counters.framesIn, (signal ?? message!).event);
  try {
    if (message === undefined) relay(conn, signal!, context);
    else {
      if (hooks.message) observe(onError, () => hooks.message?.(conn, message));
      route(conn, message, context);
    }
  } catch (error) {
    conn.sendError(ErrorCodes.INTERNAL_ERROR, "the server failed to handle the frame");
    onError(error);
  }
}

function route(conn: Connection, message: ClientMessage, context: RelayContext): void {
  const { seating } = context;
  if (message.event === SignalingEvents.Ping) {
    conn.send(JSON.stringify({ event: SignalingEvents.Pong }));
    return;
  }
  if (message.event === SignalingEvents.Join) {
    if (conn.seat !== undefined) {
      conn.sendError(ErrorCodes.ALREADY_JOINED, `already in room "${conn.seat.room}"`);
      return;
    }
    if (conn.joining) {
      conn.sendError(ErrorCodes.ALREADY_JOINED, "a Join is already being handled");
      return;
    }
    if (message.protocol !== PROTOCOL_VERSION) {
      conn.refuseProtocol(message.protocol);
      return;
    }
    seating.join(conn, message.room, message.token);
    return;
  }
  const payload = message.event === SignalingEvents.SendCandidate ? `"candidate":${JSON.stringify(message.candidate)}` : `"sdp":${JSON.stringify(message.sdp)}`;
  relay(conn, { event: message.event, to: message.to, payload }, context);
}

/** Relays a validated signal to its peer in the sender's room. */
function relay(conn: Connection, { event, to, payload }: SignalFrame, context: RelayContext): void {
  const { options } = context;
  const seat = conn.seat;
  if (seat === undefined) {
    conn.sendError(ErrorCodes.NOT_JOINED, `send Join before ${event}`);
    return;
  }
  if (to === seat.id) {
    relayed(conn, seat.room, to, event, false, context);
    return;
  }
  // The outgoing frame is built from validated fields only: `to` goes, and
  // `from` is the sender's server-minted id. The payload member is the
  // frame's own text (fast path) or its serialisation (schemas): the same
  // JSON value either way, not serialised twice.
  const frame = `{"event":"${RelayedEvents[event]}","from":${JSON.stringify(seat.id)},${payload}}`;
  // Not awaited before the next frame: the adapter keeps call order, so
  // this peer's next frames can be handed over while this one travels.
  const answer = options.adapter.sendTo(seat.room, to, frame, seat.id);
  // No closure on the synchronous path (the memory adapter's): it is the hottest one.
  if (!isPromise(answer)) {
    relayed(conn, seat.room, to, event, answer, context);
    return;
  }
  const room = seat.room;
  // A rejection is a store out of reach: the adapter reports the outage
  // itself (once, not per frame); the sender is told this frame is lost.
  answer.then(
    (delivered) => relayed(conn, room, to, event, delivered, context),
    (error: unknown) => {
      options.logger.debug({ err: error, to }, "signal not delivered");
      conn.sendError(ErrorCodes.DELIVERY_FAILED, `the signal for "${to}" could not be delivered; the room's store is out of reach`, to);
    },
  );
}

/** Counts and reports a relay the adapter answered, or tells the sender there was no one to take it. */
function relayed(conn: Connection, room: string, to: string, event: SignalEvent, delivered: boolean, { options, counters }: RelayContext): void {
  if (!delivered) {
    conn.sendError(ErrorCodes.PEER_NOT_FOUND, `no peer "${to}" in room "${room}"`, to);
    return;
  }
  counters.relayed++;
  const { hooks, onError } = options;
  if (hooks.relay) observe(onError, () => hooks.relay?.(conn, to, event));
}
