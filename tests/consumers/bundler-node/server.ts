// The README's first example, verbatim, in a Node project whose tsconfig says
// moduleResolution "bundler" (as tsx, Bun and many templates do).
import { SignalingServer } from "@raycaster/realtime";
import { createServer } from "http";

// attach the signaling server to the top-level http server
const httpServer = createServer();
const signalingServer = new SignalingServer({ server: httpServer });

httpServer.listen(3000);
