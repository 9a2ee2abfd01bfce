/**
 * Every event name on the wire. The first nine are the original design's;
 * `Join` and `Error` are what rooms and typed errors need; `Token`, `Ping`
 * and `Pong` are what seats that outlive their socket need; `IceServers`
 * renews TURN credentials.
 *
 * Direction is part of the name: a client sends `Send*`, `Join` and `Ping`,
 * the server sends `Receive*`, `Initialize`, `User*`, `Token`, `IceServers`,
 * `Pong` and `Error`.
 *
 * A const object rather than a TypeScript `enum`: `SignalingEvents.SendOffer`
 * reads the same, and the plain string `"SendOffer"` is accepted wherever the
 * type is expected.
 */
export const SignalingEvents = {
  /** server → client: you joined; here is your id and who is already in the room. */
  Initialize: "Initialize",
  /** server → client: a peer joined your room. */
  UserConnected: "UserConnected",
  /** server → client: a peer left your room. */
  UserDisconnected: "UserDisconnected",
  /** client → server: an ICE candidate for one peer in your room. */
  SendCandidate: "SendCandidate",
  /** server → client: an ICE candidate from a peer in your room. */
  ReceiveCandidate: "ReceiveCandidate",
  /** client → server: an SDP offer for one peer in your room. */
  SendOffer: "SendOffer",
  /** server → client: an SDP offer from a peer in your room. */
  ReceiveOffer: "ReceiveOffer",
  /** client → server: an SDP answer for one peer in your room. */
  SendAnswer: "SendAnswer",
  /** server → client: an SDP answer from a peer in your room. */
  ReceiveAnswer: "ReceiveAnswer",
  /** client → server: the first frame of a connection; names the room and the protocol version. */
  Join: "Join",
  /** server → client: a frame was refused; carries an {@link ErrorCode}. */
  Error: "Error",
  /** server → client: a fresh resume token, sent before the current one expires. */
  Token: "Token",
  /** client → server: are you there? The server answers `Pong`. */
  Ping: "Ping",
  /** server → client: the answer to `Ping`. */
  Pong: "Pong",
  /** server → client: fresh TURN credentials, before the last ones expire. */
  IceServers: "IceServers",
} as const;

/** One of the {@link SignalingEvents} names. */
export type SignalingEvents = (typeof SignalingEvents)[keyof typeof SignalingEvents];

/**
 * The signals one peer sends another through the server, and the event each
 * becomes on the way: the server relays `SendOffer` as `ReceiveOffer`, with
 * `from` set to the sender's id and every other field as validated.
 */
// Plain keys, not computed from SignalingEvents: a bundler keeps an object
// with computed keys even where nothing uses it (reading a key could have a
// side effect), and every client bundle would carry this one.
export const RelayedEvents = {
  SendOffer: "ReceiveOffer",
  SendAnswer: "ReceiveAnswer",
  SendCandidate: "ReceiveCandidate",
} as const satisfies Partial<Record<SignalingEvents, SignalingEvents>>;
