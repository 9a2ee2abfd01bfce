import { parseArgs } from "node:util";
import { LOG_LEVELS, type LogLevel } from "./logger.js";

/** A bad flag or variable: the CLI prints the message and exits with 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** What the standalone server runs with, every default filled in but the server's own. */
export interface CliConfig {
  port: number;
  host: string | undefined;
  path: string | undefined;
  secret: string | undefined;
  origins: string[] | undefined;
  trustProxy: boolean | undefined;
  maxConnections: number | undefined;
  maxConnectionsPerIp: number | undefined;
  /** Messages per second; `undefined` leaves the server's default. */
  rate: number | undefined;
  burst: number | undefined;
  turn: { urls: string[]; secret: string; ttl: number | undefined } | undefined;
  /** Share rooms with other nodes through this Redis (needs `@raycaster/realtime-redis` installed). */
  redis: { url: string; prefix: string | undefined } | undefined;
  logLevel: LogLevel;
  /** Milliseconds a drain may take before the process gives up and exits 1. */
  drainTimeout: number;
}

/** What the command line asks for. */
export type CliCommand = { kind: "help" } | { kind: "version" } | { kind: "run"; config: CliConfig };

/** The shortest `secret` the server accepts as a string. */
const MIN_SECRET_LENGTH = 32;

/** The longest delay a Node timer honours. */
const MAX_DELAY = 2 ** 31 - 1;

/** Each flag, its environment variable and its line of `--help`. */
const FLAGS = {
  port: { type: "string", env: "PORT", arg: "<n>", help: "Port to listen on; 0 picks a free one (logged at start-up). Default 3000." },
  host: { type: "string", env: "HOST", arg: "<host>", help: "Interface to listen on. Default: all interfaces." },
  path: {
    type: "string",
    env: "REALTIME_PATH",
    arg: "<path>",
    help: "Only accept WebSocket upgrades on this path, e.g. /signaling. Default: any path.",
  },
  secret: {
    type: "string",
    env: "REALTIME_SECRET",
    arg: "<s>",
    help: "Key of resume tokens (>= 32 characters); share it across restarts and nodes so seats survive them. Prefer the variable: flags show in `ps`. Default: random per start.",
  },
  origins: {
    type: "string",
    env: "REALTIME_ORIGINS",
    arg: "<list>",
    help: "Comma-separated Origin allow-list for upgrades. Default: any origin.",
  },
  "trust-proxy": {
    type: "boolean",
    env: "REALTIME_TRUST_PROXY",
    arg: "",
    help: "Take the client address from X-Forwarded-For (behind a reverse proxy). Variable: true/false, 1/0, yes/no.",
  },
  "max-connections": {
    type: "string",
    env: "REALTIME_MAX_CONNECTIONS",
    arg: "<n>",
    help: "Most connections (seats in grace count); beyond: 503. Default 10000.",
  },
  "max-connections-per-ip": {
    type: "string",
    env: "REALTIME_MAX_CONNECTIONS_PER_IP",
    arg: "<n>",
    help: "The same per address; beyond: 429. Default 100.",
  },
  rate: { type: "string", env: "REALTIME_RATE", arg: "<n>", help: "Messages per second a connection may send (token bucket). Default 200." },
  burst: { type: "string", env: "REALTIME_BURST", arg: "<n>", help: "Messages a connection may send at once above the rate. Default 2000." },
  "turn-urls": {
    type: "string",
    env: "TURN_URLS",
    arg: "<list>",
    help: "Comma-separated TURN URLs (turn:host:3478?transport=udp,...) to mint credentials for; needs --turn-secret.",
  },
  "turn-secret": {
    type: "string",
    env: "TURN_SECRET",
    arg: "<s>",
    help: "The TURN server's static-auth-secret (coturn use-auth-secret); needs --turn-urls.",
  },
  "turn-ttl": { type: "string", env: "TURN_TTL", arg: "<s>", help: "Seconds TURN credentials are valid. Default 86400." },
  redis: {
    type: "string",
    env: "REDIS_URL",
    arg: "<url>",
    help: "Share rooms with every node on this Redis (redis://host:6379); needs @raycaster/realtime-redis installed beside this package, and the same --secret on every node. Default: rooms in this process.",
  },
  "redis-prefix": {
    type: "string",
    env: "REDIS_PREFIX",
    arg: "<s>",
    help: "Prefix of the Redis keys and channels, so deployments can share a Redis. Default realtime:. Needs --redis.",
  },
  "log-level": {
    type: "string",
    env: "LOG_LEVEL",
    arg: "<level>",
    help: `JSON logs on stdout from this level: ${LOG_LEVELS.join(", ")}. Default info.`,
  },
  "drain-timeout": {
    type: "string",
    env: "REALTIME_DRAIN_TIMEOUT",
    arg: "<ms>",
    help: "On SIGTERM/SIGINT, exit 1 if draining takes longer. Default 10000.",
  },
  help: { type: "boolean", short: "h", env: undefined, arg: "", help: "Print this help and exit." },
  version: { type: "boolean", short: "v", env: undefined, arg: "", help: "Print the version and exit." },
} as const;

type Flag = keyof typeof FLAGS;

/** The text of `--help`. */
export function usage(): string {
  const lines = Object.entries(FLAGS).map(([name, flag]) => {
    const left = `  ${"short" in flag ? `-${flag.short}, ` : "    "}--${name}${flag.arg ? ` ${flag.arg}` : ""}`;
    const env = flag.env ? ` [${flag.env}]` : "";
    return `${left.padEnd(36)}${flag.help}${env}`;
  });
  return [
    "Usage: realtime-server [options]",
    "",
    "A WebRTC signaling server for @raycaster/realtime: WebSocket upgrades on the port,",
    "GET /healthz (200, or 503 while draining) and GET /metrics (Prometheus) beside them.",
    "SIGTERM or SIGINT drains: every client is closed with 1001, then the process exits 0.",
    "",
    "Options (a flag wins over its environment variable, shown in brackets):",
    ...lines,
    "",
  ].join("\n");
}

/**
 * Reads the command line and the environment (a flag wins over its
 * variable; an empty variable counts as unset).
 * @throws UsageError on an unknown flag or a bad value.
 */
export function parseCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliCommand {
  let values: Partial<Record<Flag, string | boolean>>;
  try {
    const options = Object.fromEntries(
      Object.entries(FLAGS).map(([name, flag]) => [name, { type: flag.type, ...("short" in flag ? { short: flag.short } : {}) }]),
    ) as Record<Flag, { type: "string" | "boolean"; short?: string }>;
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (error) {
    // parseArgs throws TypeErrors with a code (ERR_PARSE_ARGS_*) for the user's mistakes.
    if (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")) {
      throw new UsageError(error.message);
    }
    throw error;
  }
  if (values.help === true) return { kind: "help" };
  if (values.version === true) return { kind: "version" };

  /** The flag's value, else its variable's, with where it came from for error messages. */
  const raw = (flag: Exclude<Flag, "help" | "version" | "trust-proxy">): { value: string; from: string } | undefined => {
    const fromFlag = values[flag];
    if (typeof fromFlag === "string") return { value: fromFlag, from: `--${flag}` };
    const name = FLAGS[flag].env;
    const fromEnv = env[name];
    if (fromEnv !== undefined && fromEnv !== "") return { value: fromEnv, from: name };
    return undefined;
  };
  const integer = (flag: Parameters<typeof raw>[0], min: number, max: number): number | undefined => {
    const given = raw(flag);
    if (given === undefined) return undefined;
    const n = /^\d+$/.test(given.value.trim()) ? Number(given.value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new UsageError(`${given.from} must be a whole number from ${min} to ${max}, got "${given.value}"`);
    }
    return n;
  };
  const positiveNumber = (flag: Parameters<typeof raw>[0]): number | undefined => {
    const given = raw(flag);
    if (given === undefined) return undefined;
    const n = given.value.trim() === "" ? Number.NaN : Number(given.value);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${given.from} must be a positive number, got "${given.value}"`);
    return n;
  };
  const list = (flag: Parameters<typeof raw>[0]): string[] | undefined => {
    const given = raw(flag);
    if (given === undefined) return undefined;
    const items = given.value.split(",").map((item) => item.trim());
    if (items.some((item) => item === "")) {
      throw new UsageError(`${given.from} must be a comma-separated list without empty items, got "${given.value}"`);
    }
    return items;
  };

  const path = raw("path");
  if (path !== undefined && !path.value.startsWith("/")) {
    throw new UsageError(`${path.from} must start with "/", got "${path.value}"`);
  }
  const secret = raw("secret");
  // The server would refuse it too, naming its option rather than the flag.
  if (secret !== undefined && secret.value.length < MIN_SECRET_LENGTH) {
    throw new UsageError(`${secret.from} must be at least ${MIN_SECRET_LENGTH} characters, got ${secret.value.length}`);
  }
  const logLevel = raw("log-level");
  if (logLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(logLevel.value)) {
    throw new UsageError(`${logLevel.from} must be one of ${LOG_LEVELS.join(", ")}, got "${logLevel.value}"`);
  }

  const turnUrls = list("turn-urls");
  const turnSecret = raw("turn-secret")?.value;
  const turnTtl = integer("turn-ttl", 1, MAX_DELAY);
  if ((turnUrls === undefined) !== (turnSecret === undefined)) {
    throw new UsageError("--turn-urls and --turn-secret (TURN_URLS, TURN_SECRET) go together: give both or neither");
  }
  if (turnTtl !== undefined && turnUrls === undefined) {
    throw new UsageError("--turn-ttl (TURN_TTL) needs --turn-urls and --turn-secret");
  }

  const redis = raw("redis")?.value;
  const redisPrefix = raw("redis-prefix")?.value;
  if (redisPrefix !== undefined && redis === undefined) throw new UsageError("--redis-prefix (REDIS_PREFIX) needs --redis");

  return {
    kind: "run",
    config: {
      port: integer("port", 0, 65_535) ?? 3000,
      host: raw("host")?.value,
      path: path?.value,
      secret: secret?.value,
      origins: list("origins"),
      trustProxy: trustProxy(values["trust-proxy"], env[FLAGS["trust-proxy"].env]),
      maxConnections: integer("max-connections", 1, Number.MAX_SAFE_INTEGER),
      maxConnectionsPerIp: integer("max-connections-per-ip", 1, Number.MAX_SAFE_INTEGER),
      rate: positiveNumber("rate"),
      burst: integer("burst", 1, Number.MAX_SAFE_INTEGER),
      turn: turnUrls && turnSecret !== undefined ? { urls: turnUrls, secret: turnSecret, ttl: turnTtl } : undefined,
      redis: redis === undefined ? undefined : { url: redis, prefix: redisPrefix },
      logLevel: (logLevel?.value as LogLevel | undefined) ?? "info",
      drainTimeout: integer("drain-timeout", 1, MAX_DELAY) ?? 10_000,
    },
  };
}

function trustProxy(flag: string | boolean | undefined, variable: string | undefined): boolean | undefined {
  if (flag === true) return true;
  if (variable === undefined || variable === "") return undefined;
  const value = variable.trim().toLowerCase();
  if (["1", "true", "yes"].includes(value)) return true;
  if (["0", "false", "no"].includes(value)) return false;
  throw new UsageError(`REALTIME_TRUST_PROXY must be true or false (1/0, yes/no), got "${variable}"`);
}
