// The server's `realtime-server` bin with `--redis`: two processes share
// rooms through Redis, as an operator would run them, with no code.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { PROTOCOL_VERSION, type ServerMessage } from "@raycaster/realtime-protocol";
import { RawClient, within } from "@raycaster/realtime-test-harness";
import { describe, expect, it, onTestFinished } from "vitest";
import { freshPrefix, gate, REDIS_URL } from "./redis.js";

/** The server package's bin, as this package (its dependant) finds it. */
const bin = createRequire(import.meta.url)
  .resolve("@raycaster/realtime-server")
  .replace(/index\.js$/, "cli.js");
/** Run from this package's directory: the bin finds `@raycaster/realtime-redis` from the working directory. */
const cwd = fileURLToPath(new URL("..", import.meta.url));

/** Starts the bin with `args`; resolves with its port once it logs that it listens, and a way to stop it (SIGTERM). */
async function node(args: string[]) {
  // NODE_PATH would let the bin find the package however it is installed: pnpm sets it for scripts.
  const child = spawn(process.execPath, [bin, "--port", "0", "--host", "127.0.0.1", "--log-level", "info", ...args], {
    cwd,
    env: { ...process.env, NODE_PATH: "", REDIS_URL: "", REDIS_PREFIX: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  onTestFinished(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  let output = "";
  const lines: Record<string, unknown>[] = [];
  const listening = new Promise<number>((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      for (const text of chunk.split("\n")) {
        if (!text.startsWith("{")) continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        if (typeof line.msg === "string" && line.msg.startsWith("listening on")) resolve(line.port as number);
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    void exited.then((code) => reject(new Error(`the bin exited (${code}) before listening:\n${output}`)));
  });
  const port = await within("the bin listening", listening);
  return {
    url: `ws://127.0.0.1:${port}`,
    lines,
    stop: async () => {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

const SECRET = "a secret both nodes of this test share, 32+ chars";

describe.runIf(await gate())("realtime-server --redis", () => {
  it("two bins on one Redis share rooms: each peer sees the other, a signal crosses, and SIGTERM drains both", async () => {
    const prefix = freshPrefix();
    const args = ["--redis", REDIS_URL, "--redis-prefix", prefix, "--secret", SECRET];
    const [n1, n2] = await Promise.all([node(args), node(args)]);
    expect(n1.lines.some((line) => line.msg === "sharing rooms through Redis")).toBe(true);

    const alice = await RawClient.join<ServerMessage>(n1.url, { protocol: PROTOCOL_VERSION, room: "r" });
    const bob = await RawClient.join<ServerMessage>(n2.url, { protocol: PROTOCOL_VERSION, room: "r" });
    expect(bob.init.peers).toEqual([{ id: alice.init.id }]);
    expect(await alice.client.next("UserConnected")).toMatchObject({ id: bob.init.id });
    bob.client.sendJson({ event: "SendOffer", to: alice.init.id, sdp: "v=0" });
    expect(await alice.client.next("ReceiveOffer")).toMatchObject({ from: bob.init.id, sdp: "v=0" });

    expect(await Promise.all([n1.stop(), n2.stop()])).toEqual([0, 0]);
  });
});
