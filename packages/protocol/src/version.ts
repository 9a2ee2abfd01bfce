/**
 * The wire protocol's version. A client sends it in `Join` and the server
 * answers with its own in `Initialize`; each side refuses a peer that speaks
 * another version, so a mismatch fails loudly at connect time instead of as
 * a mysterious negotiation failure later. Bump it on any breaking change to
 * the schemas.
 *
 * Version 2 added seats that outlive their socket: resume tokens (`Join.token`,
 * `Initialize.token`/`resumed`/`grace`, `Token`) and the `Ping`/`Pong` keep-alive.
 *
 * Version 3 added peer metadata (`Initialize.peers` became `{ id, metadata }`
 * objects; `UserConnected.metadata`), TURN credentials (`Initialize.iceServers`,
 * `IceServers`) and the `RATE_LIMITED` and `JOIN_REFUSED` errors.
 *
 * Version 4 added joining on the upgrade request: `?protocol=4&room=<room>`
 * in the WebSocket URL stands for a `Join` without a token (see `JoinQuery`).
 */
export const PROTOCOL_VERSION = 4;
