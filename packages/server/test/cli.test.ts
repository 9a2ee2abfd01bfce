import { tmpdir } from "node:os";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { within } from "@raycaster/realtime-test-harness";
import { beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { parseCli, UsageError } from "../src/cliOptions.js";
import { jsonLogger } from "../src/logger.js";
import { serverOptions } from "../src/standalone.js";
import { join } from "./harness.js";
import { parseMetrics } from "./metricsText.js";
import { stalledRequest } from "./stalledRequest.js";

const bin = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

/** Every variable the CLI reads: cleared so the machine's own (PORT, HOST…) cannot steer a test. */
const CLI_VARIABLES = [
  "PORT",
  "HOST",
  "REALTIME_PATH",
  "REALTIME_SECRET",
  "REALTIME_ORIGINS",
  "REALTIME_TRUST_PROXY",
  "REALTIME_MAX_CONNECTIONS",
  "REALTIME_MAX_CONNECTIONS_PER_IP",
  "REALTIME_RATE",
  "REALTIME_BURST",
  "TURN_URLS",
  "TURN_SECRET",
  "TURN_TTL",
  "LOG_LEVEL",
  "REALTIME_DRAIN_TIMEOUT",
  "REDIS_URL",
  "REDIS_PREFIX",
];

beforeAll(() => {
  // The tests run the built bin: turbo's test task builds first; a bare
  // `vitest` needs `pnpm build` before it, or it tests the last build.
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`pnpm build\` first (turbo's test task does)`);
});

interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** A spawned `realtime-server`: its JSON log lines, stderr, and its exit. */
interface Cli {
  child: ChildProcess;
  logs: LogLine[];
  stdout(): string;
  stderr(): string;
  /** Resolves with the first log line whose message starts with `prefix` (already logged, or to come). */
  log(prefix: string): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): Cli {
  const cleanEnv: Record<string, string | undefined> = { ...process.env };
  for (const name of CLI_VARIABLES) delete cleanEnv[name];
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...cleanEnv, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let partial = "";
  const logs: LogLine[] = [];
  const waiters: { prefix: string; resolve: (line: LogLine) => void }[] = [];
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    partial += chunk;
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const text of lines) {
      if (!text.startsWith("{")) continue;
      const line = JSON.parse(text) as LogLine;
      logs.push(line);
      for (const waiter of waiters.filter((w) => line.msg.startsWith(w.prefix))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const log = (prefix: string) => {
    const seen = logs.find((line) => line.msg.startsWith(prefix));
    const next = seen ? Promise.resolve(seen) : new Promise<LogLine>((resolve) => waiters.push({ prefix, resolve }));
    return within(`the log line "${prefix}…"`, next, undefined, () => `stdout:\n${out}\nstderr:\n${err}`);
  };
  return { child, logs, stdout: () => out, stderr: () => err, log, exited };
}

/** Starts the bin on a free port of 127.0.0.1 and resolves once it logs where it listens. */
async function startCli(args: string[] = [], env?: Record<string, string>) {
  const cli = runCli(["--port", "0", "--host", "127.0.0.1", ...args], env);
  const listening = await Promise.race([
    cli.log("listening on"),
    cli.exited.then(({ code }) => {
      throw new Error(`the CLI exited (${code}) before listening:\n${cli.stdout()}${cli.stderr()}`);
    }),
  ]);
  const port = listening.port as number;
  return { ...cli, port, http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}` };
}

describe("realtime-server (the bin)", () => {
  it("prints its usage with every flag on --help and exits 0", async () => {
    const cli = runCli(["--help"]);
    expect(await within("the CLI exiting", cli.exited)).toEqual({ code: 0, signal: null });
    expect(cli.stdout()).toMatch(/^Usage: realtime-server \[options\]/);
    for (const flag of [
      "--port",
      "--host",
      "--path",
      "--secret",
      "--origins",
      "--trust-proxy",
      "--max-connections ",
      "--max-connections-per-ip",
      "--rate",
      "--burst",
      "--turn-urls",
      "--turn-secret",
      "--turn-ttl",
      "--redis",
      "--redis-prefix",
      "--log-level",
      "--drain-timeout",
      "--help",
      "--version",
    ]) {
      expect(cli.stdout()).toContain(flag);
    }
  });

  it("exits 2 saying what to install when --redis is given without @raycaster/realtime-redis", async () => {
    // Run from a directory where the package cannot be found (the server's
    // own directory cannot resolve it either: it is not its dependency).
    // NODE_PATH too: pnpm sets it for scripts, and it reaches the workspace's packages.
    const cli = runCli(["--port", "0", "--redis", "redis://127.0.0.1:1"], { NODE_PATH: "" }, tmpdir());
    const exited = await cli.exited;
    expect(cli.stderr() + cli.stdout()).toContain("npm install @raycaster/realtime-redis");
    expect(exited).toMatchObject({ code: 2 });
  });

  it("exits 2 with a message on an unknown flag, a bad value or a bad variable", async () => {
    const unknown = runCli(["--prot", "3000"]);
    const badValue = runCli(["--port", "70000"]);
    const badVariable = runCli([], { LOG_LEVEL: "loud" });
    expect((await within("the CLI exiting", unknown.exited)).code).toBe(2);
    expect(unknown.stderr()).toContain("Unknown option '--prot'");
    expect((await within("the CLI exiting", badValue.exited)).code).toBe(2);
    expect(badValue.stderr()).toContain('--port must be a whole number from 0 to 65535, got "70000"');
    expect((await within("the CLI exiting", badVariable.exited)).code).toBe(2);
    expect(badVariable.stderr()).toContain('LOG_LEVEL must be one of debug, info, warn, error, got "loud"');
  });

  it("serves /healthz and /metrics beside the WebSocket upgrades, and 404 elsewhere", async () => {
    const cli = await startCli();
    const idle = await fetch(`${cli.http}/healthz`);
    expect(idle.status).toBe(200);
    expect(await idle.json()).toEqual({ status: "ok", connections: 0, seats: 0, seatsInGrace: 0, rooms: 0 });

    await join(cli.ws, "lobby");
    const health = await fetch(`${cli.http}/healthz`);
    expect(await health.json()).toEqual({ status: "ok", connections: 1, seats: 1, seatsInGrace: 0, rooms: 1 });

    const scrape = await fetch(`${cli.http}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const { samples: metrics } = parseMetrics(await scrape.text());
    expect(metrics.get("realtime_connections")).toBe(1);
    expect(metrics.get("realtime_seats")).toBe(1);
    expect(metrics.get("realtime_rooms")).toBe(1);
    expect(metrics.has("process_cpu_user_seconds_total")).toBe(true);
    expect((await fetch(`${cli.http}/`)).status).toBe(404);
    // The server's counters: the Join this client sent, the Initialize it got.
    expect(metrics.get('realtime_frames_in_total{event="Join"}')).toBeGreaterThanOrEqual(1);
    expect(metrics.get('realtime_frames_out_total{event="Initialize"}')).toBeGreaterThanOrEqual(1);
  });

  it("drains on SIGTERM: /healthz answers 503, clients are closed with 1001, and it exits 0", async () => {
    const cli = await startCli();
    const { client } = await join(cli.ws, "lobby");
    const closed = once(client.socket, "close") as Promise<[number, Buffer]>;
    // Holds the HTTP server open past the signaling server's close, so the
    // health check it carries is answered mid-drain.
    const health = await stalledRequest(cli.port, "/healthz");

    cli.child.kill("SIGTERM");
    const [code, reason] = await within("the client's close", closed);
    expect(code).toBe(1001);
    expect(String(reason)).toBe("server closing");
    await cli.log("signaling server closed");
    const response = await health.finish();
    expect(response).toMatch(/^HTTP\/1\.1 503 /);
    expect(response).toContain('{"status":"draining"}');

    expect(await within("the CLI exiting", cli.exited)).toEqual({ code: 0, signal: null });
    expect(cli.logs.map((line) => line.msg)).toEqual(expect.arrayContaining(["signal received: draining", "http server closed", "drained: exiting"]));
  });

  it("exits 1 when draining outlasts --drain-timeout", async () => {
    const cli = await startCli(["--drain-timeout", "100"]);
    await stalledRequest(cli.port, "/healthz");
    cli.child.kill("SIGTERM");
    expect(await within("the CLI exiting", cli.exited)).toEqual({ code: 1, signal: null });
    expect((await cli.log("draining took longer")).level).toBe("error");
  });

  it("exits at once on a second signal", async () => {
    const cli = await startCli();
    await stalledRequest(cli.port, "/healthz");
    cli.child.kill("SIGTERM");
    await cli.log("signal received");
    cli.child.kill("SIGINT");
    expect(await within("the CLI exiting", cli.exited)).toEqual({ code: 1, signal: null });
    await cli.log("second signal");
  });
});

describe("the CLI's flags and variables", () => {
  const run = (argv: string[], env: Record<string, string> = {}) => {
    const command = parseCli(argv, env);
    if (command.kind !== "run") throw new Error(`expected a run, got ${command.kind}`);
    return command.config;
  };

  it("has the documented defaults", () => {
    expect(run([])).toEqual({
      port: 3000,
      host: undefined,
      path: undefined,
      secret: undefined,
      origins: undefined,
      trustProxy: undefined,
      maxConnections: undefined,
      maxConnectionsPerIp: undefined,
      rate: undefined,
      burst: undefined,
      turn: undefined,
      logLevel: "info",
      drainTimeout: 10_000,
    });
  });

  it("reads every variable, and a flag wins over its variable", () => {
    const secret = "s".repeat(32);
    const env = {
      PORT: "4000",
      HOST: "::1",
      REALTIME_PATH: "/signaling",
      REALTIME_SECRET: secret,
      REALTIME_ORIGINS: "https://a.example, https://b.example",
      REALTIME_TRUST_PROXY: "yes",
      REALTIME_MAX_CONNECTIONS: "5000",
      REALTIME_MAX_CONNECTIONS_PER_IP: "20",
      REALTIME_RATE: "12.5",
      REALTIME_BURST: "40",
      TURN_URLS: "turn:turn.example:3478?transport=udp,turns:turn.example:5349",
      TURN_SECRET: "turn-secret",
      TURN_TTL: "3600",
      LOG_LEVEL: "debug",
      REALTIME_DRAIN_TIMEOUT: "2000",
    };
    expect(run([], env)).toEqual({
      port: 4000,
      host: "::1",
      path: "/signaling",
      secret,
      origins: ["https://a.example", "https://b.example"],
      trustProxy: true,
      maxConnections: 5000,
      maxConnectionsPerIp: 20,
      rate: 12.5,
      burst: 40,
      turn: { urls: ["turn:turn.example:3478?transport=udp", "turns:turn.example:5349"], secret: "turn-secret", ttl: 3600 },
      logLevel: "debug",
      drainTimeout: 2000,
    });
    const flags = run(["--port", "5000", "--log-level", "warn", "--origins", "https://c.example", "--turn-ttl", "60"], env);
    expect(flags).toMatchObject({ port: 5000, logLevel: "warn", origins: ["https://c.example"], turn: { ttl: 60 } });
    expect(run([], { PORT: "" }).port).toBe(3000);
    expect(run([], { REALTIME_TRUST_PROXY: "false" }).trustProxy).toBe(false);
    expect(run(["--trust-proxy"], { REALTIME_TRUST_PROXY: "0" }).trustProxy).toBe(true);
  });

  it("maps the flags to the server's options", () => {
    const logger = jsonLogger("error", { write: () => true });
    const options = serverOptions(
      run([
        "--path=/s",
        "--origins=https://a.example",
        "--trust-proxy",
        "--max-connections=10",
        "--max-connections-per-ip=2",
        "--rate=5",
        "--burst=10",
        "--turn-urls=turn:t.example:3478",
        "--turn-secret=k",
        "--turn-ttl=600",
      ]),
      logger,
    );
    expect(options).toMatchObject({
      path: "/s",
      origins: ["https://a.example"],
      trustProxy: true,
      maxConnections: 10,
      maxConnectionsPerIp: 2,
      rateLimit: { messagesPerSecond: 5, burst: 10 },
      turn: { urls: ["turn:t.example:3478"], secret: "k", ttl: 600 },
      logger,
    });
    // What is not given is left out, so the server's own defaults apply.
    const defaults = serverOptions(run([]), logger);
    expect(Object.keys(defaults).sort()).toEqual(["logger", "onError"]);
    expect(serverOptions(run(["--burst=3"]), logger).rateLimit).toEqual({ burst: 3 });
    expect(serverOptions(run(["--rate=3"]), logger).rateLimit).toEqual({ messagesPerSecond: 3 });
    expect(serverOptions(run(["--secret", "s".repeat(32)]), logger).secret).toBe("s".repeat(32));
    expect(serverOptions(run(["--turn-urls=turn:t", "--turn-secret=k"]), logger).turn).toStrictEqual({ urls: ["turn:t"], secret: "k" });
  });

  it("logs the signaling server's unexpected failures as errors", () => {
    const lines: string[] = [];
    const { onError } = serverOptions(run([]), jsonLogger("error", { write: (line: string) => lines.push(line) }));
    onError?.(new Error("boom"));
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      expect.objectContaining({ level: "error", msg: "signaling server error", err: expect.objectContaining({ message: "boom" }) }),
    ]);
  });

  it.each([
    [["--port=-1"], {}, "--port must be a whole number"],
    [["--port", "3.5"], {}, "--port must be a whole number"],
    [[], { PORT: "http" }, 'PORT must be a whole number from 0 to 65535, got "http"'],
    [["--path", "signaling"], {}, '--path must start with "/"'],
    [["--secret", "short"], {}, "--secret must be at least 32 characters, got 5"],
    [["--origins", "https://a.example,"], {}, "--origins must be a comma-separated list without empty items"],
    [[], { REALTIME_TRUST_PROXY: "maybe" }, "REALTIME_TRUST_PROXY must be true or false"],
    [["--max-connections", "0"], {}, "--max-connections must be a whole number from 1"],
    [["--max-connections-per-ip", "many"], {}, "--max-connections-per-ip must be a whole number"],
    [["--rate", "0"], {}, '--rate must be a positive number, got "0"'],
    [["--burst", "1.5"], {}, "--burst must be a whole number"],
    [["--turn-urls", "turn:a"], {}, "--turn-urls and --turn-secret"],
    [[], { TURN_SECRET: "x" }, "--turn-urls and --turn-secret"],
    [["--turn-ttl", "60"], {}, "--turn-ttl (TURN_TTL) needs --turn-urls"],
    [["--log-level", "trace"], {}, "--log-level must be one of"],
    [["--drain-timeout", "0"], {}, "--drain-timeout must be a whole number from 1"],
    [["--port"], {}, "Option '--port <value>' argument missing"],
    [["3000"], {}, "Unexpected argument '3000'"],
  ])("refuses %j %j with a UsageError", (argv, env, message) => {
    expect(() => parseCli(argv, env)).toThrow(UsageError);
    expect(() => parseCli(argv, env)).toThrow(message);
  });
});
