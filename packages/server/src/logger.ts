/**
 * The logger the server writes to: pino's interface, so a pino instance (or
 * anything shaped like it: bunyan, a `console` wrapper) fits as is. Each
 * call is structured: an object of fields first, then a message.
 */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** The levels, lowest first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** A level of {@link Logger}: `"debug"`, `"info"`, `"warn"` or `"error"`.
 * @useDeclaredType
 */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * A logger that writes one JSON object per line to `stream` (stderr by
 * default), from `level` up: the default when no `logger` is given, at
 * `warn`, so a server says nothing while all is well and never fails silently.
 */
export function jsonLogger(level: LogLevel = "warn", stream: { write(line: string): unknown } = process.stderr): Logger {
  const min = LOG_LEVELS.indexOf(level);
  const write = (at: LogLevel) => (fields: object, msg: string) => {
    if (LOG_LEVELS.indexOf(at) < min) return;
    stream.write(`${JSON.stringify({ level: at, time: Date.now(), msg, ...serialisable(fields) })}\n`);
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

/** `Error`s are not JSON-serialisable as they are; pino writes them as `err: { type, message, stack }`. */
function serialisable(fields: object): object {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? { type: value.name, message: value.message, stack: value.stack } : value;
  }
  return out;
}
