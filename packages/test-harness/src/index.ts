export { within, DEFAULT_DEADLINE } from "./within.js";
export { startServer, startWebSocketServer, type HarnessServer, type StartedServer, type StartServerOptions } from "./server.js";
export { RawClient, type Frame, type JoinFields } from "./rawClient.js";
export { Recorder, type EventSource, type Recorded, type RecorderOptions, type WhenOptions } from "./recorder.js";
export { coturnGate, startCoturn, type Coturn } from "./coturn.js";
export { Child, freePort } from "./daemon.js";
export { startHaproxy, type Haproxy } from "./haproxy.js";
export { startRedis, type RedisServer } from "./redis.js";
export { textOf } from "./text.js";
