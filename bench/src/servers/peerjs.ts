/**
 * The PeerJS server (npm `peer`) with its defaults, on loopback, except the
 * limit a benchmark trips: `concurrent_limit` (5,000 by default) raised as
 * ours's connection limits are, for the 10,500 clients of the connections scenario.
 */
import { PeerServer } from "peer";

PeerServer({ port: Number(process.env.PORT), host: "127.0.0.1", path: "/", concurrent_limit: 1_000_000 });
