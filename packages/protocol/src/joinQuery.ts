/**
 * Joining on the upgrade request (protocol 4): a client without a resume
 * token may name its protocol version and room in the WebSocket URL's
 * query, `?protocol=4&room=<room>`, instead of sending `Join` once the
 * socket is open. The server takes it as that `Join` (the same checks, the
 * same `join` hook, the same answers: `Initialize`, or an `Error` and a
 * close) and saves a round trip: `Initialize` can leave with the upgrade's
 * response. A resume token never goes in a URL (proxies log URLs), so a
 * resume is always a `Join` frame.
 */
export const JoinQuery = { protocol: "protocol", room: "room" } as const;
