/** The PeerJS server (npm `peer`) with its defaults, on loopback. */
import { PeerServer } from "peer";

PeerServer({ port: Number(process.env.PORT), host: "127.0.0.1", path: "/" });
