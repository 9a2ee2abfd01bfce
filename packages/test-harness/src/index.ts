export { within, DEFAULT_DEADLINE } from "./within.js";
export { startServer, type HarnessServer, type StartedServer } from "./server.js";
export { RawClient, type Frame, type JoinFields } from "./rawClient.js";
