import { spawn, spawnSync } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { within } from "./within.js";

/**
 * Whether the coturn tests can run here. Locally, without `turnserver`
 * (Debian's `coturn` package) they are skipped with a message saying so; in
 * CI (`CI` set) they must run, so `failure` says what is missing instead.
 */
export function coturnGate(): { skip: boolean; failure: string | undefined } {
  if (spawnSync("sh", ["-c", "command -v turnserver"], { stdio: "ignore" }).status === 0) {
    return { skip: false, failure: undefined };
  }
  const reason = "`turnserver` is not on PATH (install Debian's coturn: apt-get install coturn; `npm test` does it as root)";
  if (process.env.CI) return { skip: false, failure: `CI must run the TURN tests, but ${reason}` };
  console.warn(`[coturn] skipping the TURN tests: ${reason} (in CI they fail instead)`);
  return { skip: true, failure: undefined };
}

/** A coturn started by {@link startCoturn}. */
export interface Coturn {
  /** `turn:127.0.0.1:<port>?transport=udp` */
  url: string;
  port: number;
  /** Its `static-auth-secret`. */
  secret: string;
  /** Its log so far (the last 64 KiB), for failure messages. */
  log(): string;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

const LOG_BOUND = 64 * 1024;

/**
 * Starts Debian's coturn (`turnserver`) on loopback, on a free port, with
 * the TURN REST API (`use-auth-secret`, `static-auth-secret`), relays on
 * 127.0.0.1 that loopback peers may use (`allow-loopback-peers`), no TLS or
 * DTLS, no CLI, and its config, database and pid file in a temporary
 * directory. Resolves once it answers a STUN Binding request.
 */
export async function startCoturn(options: { secret?: string; realm?: string } = {}): Promise<Coturn> {
  const secret = options.secret ?? randomBytes(16).toString("hex");
  const dir = mkdtempSync(join(tmpdir(), "coturn-"));
  const port = await freeUdpPort();
  // Relays from a random window, so that two runs on one machine rarely meet.
  const minPort = randomInt(20_000, 60_000);
  const config = [
    "listening-ip=127.0.0.1",
    "relay-ip=127.0.0.1",
    `listening-port=${port}`,
    `min-port=${minPort}`,
    `max-port=${minPort + 500}`,
    "use-auth-secret",
    `static-auth-secret=${secret}`,
    `realm=${options.realm ?? "realtime.test"}`,
    "allow-loopback-peers",
    "no-tls",
    "no-dtls",
    // UDP only: the listening port is picked free for UDP, and a TCP listener on
    // the same number may find it taken (coturn then retries binding for good).
    "no-tcp",
    "no-cli",
    "no-rfc5780",
    "no-stun-backward-compatibility",
    `userdb=${join(dir, "turndb")}`,
    `pidfile=${join(dir, "turnserver.pid")}`,
    "log-file=stdout",
    "simple-log",
    "verbose",
  ];
  const configFile = join(dir, "turnserver.conf");
  writeFileSync(configFile, `${config.join("\n")}\n`);

  let log = "";
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-LOG_BOUND);
  };
  const child = spawn("turnserver", ["-c", configFile], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", append);
  child.stderr.on("data", append);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (error) => reject(new Error(`turnserver did not start: ${error.message}`)));
    child.once("exit", (code, signal) => reject(new Error(`turnserver exited (${code ?? signal}) before answering; its log:\n${log}`)));
  });
  failed.catch(() => undefined);

  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 2_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const probe = stunProbe(port);
  try {
    await within(`turnserver answering STUN on 127.0.0.1:${port}`, Promise.race([probe.answered, failed]), 10_000, () => log);
  } catch (error) {
    await close();
    throw error;
  } finally {
    probe.stop();
  }
  return { url: `turn:127.0.0.1:${port}?transport=udp`, port, secret, log: () => log, close };
}

/** A UDP port free on 127.0.0.1 now (the kernel's pick). */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/**
 * Resolves when a STUN Binding request to 127.0.0.1:`port` is answered. UDP
 * can lose a datagram, and one sent before the server binds is lost, so the
 * request is sent again every 50 ms, as STUN clients retransmit (RFC 5389
 * §7.2.1); the answer, not a delay, is what ends the wait.
 */
function stunProbe(port: number): { answered: Promise<void>; stop(): void } {
  const request = Buffer.alloc(20);
  request.writeUInt16BE(0x0001, 0); // Binding request, no attributes
  request.writeUInt32BE(0x2112a442, 4); // magic cookie
  randomBytes(12).copy(request, 8); // transaction id
  const socket = createSocket("udp4");
  let stopped = false;
  let resend: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearInterval(resend);
    socket.close();
  };
  const answered = new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      stop();
      if (error) reject(error);
      else resolve();
    };
    socket.on("message", (message) => {
      // A Binding success response to our transaction.
      if (message.length >= 20 && message.readUInt16BE(0) === 0x0101 && message.subarray(8, 20).equals(request.subarray(8, 20))) done();
    });
    // ECONNREFUSED (ICMP port unreachable) before the server binds: keep trying.
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "ECONNREFUSED") done(error);
    });
    const send = () => {
      if (!stopped) socket.send(request, port, "127.0.0.1");
    };
    resend = setInterval(send, 50);
    send();
  });
  return { answered, stop };
}
