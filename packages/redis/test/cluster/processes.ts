import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Child, within } from "@raycaster/realtime-test-harness";

const NODE_SCRIPT = fileURLToPath(new URL("./node.mjs", import.meta.url));

/** Options of one signaling node (test/cluster/node.mjs). */
export interface NodeOptions {
  redis: string;
  prefix: string;
  nodeId: string;
  lease: number;
  secret: string;
  seatGrace?: number;
}

/** A signaling node in its own process. */
export interface NodeProcess {
  id: string;
  port: number;
  url: string;
  /** `GET /stats`: the server's and the adapter's figures. */
  stats(): Promise<{
    server: { seats: number; framesIn: Record<string, number> };
    adapter: { members: number; received: Record<string, number>; resyncs: number; outages: number };
  }>;
  kill(): Promise<void>;
  log(): string;
}

export async function startNode(options: NodeOptions): Promise<NodeProcess> {
  const child = new Child(
    options.nodeId,
    spawn(process.execPath, [NODE_SCRIPT], {
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: { ...process.env, CLUSTER_NODE: JSON.stringify(options) },
    }),
  );
  const listening = new Promise<number>((resolve) => {
    child.process.on("message", (message: { type?: string; port?: number }) => {
      if (message.type === "listening" && message.port) resolve(message.port);
    });
  });
  const port = await within(`node ${options.nodeId} listening`, Promise.race([listening, child.failure()]), 10_000, () => child.log);
  return {
    id: options.nodeId,
    port,
    url: `ws://127.0.0.1:${port}`,
    stats: async () => (await fetch(`http://127.0.0.1:${port}/stats`)).json(),
    kill: () => child.kill(),
    log: () => child.log,
  };
}
