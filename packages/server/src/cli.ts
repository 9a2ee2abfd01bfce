#!/usr/bin/env node
// The `realtime-server` bin: `npx @raycaster/realtime-server --port 3000`.
// A process entry point, so it writes to stdout/stderr and exits: the
// library code it runs logs through the logger only.
import { readFileSync } from "node:fs";
import { parseCli, usage, UsageError } from "./cliOptions.js";
import { jsonLogger } from "./logger.js";
import { startStandalone } from "./standalone.js";

const EXIT_USAGE = 2;

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return manifest.version;
}

async function main(): Promise<void> {
  let command;
  try {
    command = parseCli(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    usageFailure(error.message);
    return;
  }
  if (command.kind === "help") {
    process.stdout.write(usage());
    return;
  }
  if (command.kind === "version") {
    process.stdout.write(`${version()}\n`);
    return;
  }
  const { config } = command;
  const logger = jsonLogger(config.logLevel, process.stdout);

  // The handlers go in before anything listens: a signal during start-up
  // drains as soon as the server is up.
  const started = startStandalone(config, logger);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now, without draining");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, drainTimeout: config.drainTimeout }, "signal received: draining");
    const deadline = setTimeout(() => {
      logger.error({ drainTimeout: config.drainTimeout }, "draining took longer than --drain-timeout: exiting");
      process.exit(1);
    }, config.drainTimeout);
    started
      .then((standalone) => standalone.drain())
      .then(
        () => {
          clearTimeout(deadline);
          logger.info({}, "drained: exiting");
          process.exit(0);
        },
        (error: unknown) => {
          clearTimeout(deadline);
          logger.error({ err: error }, "draining failed: exiting");
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);

  let standalone;
  try {
    standalone = await started;
  } catch (error) {
    // The signaling server validates its options in its constructor.
    if (error instanceof RangeError || error instanceof TypeError || error instanceof UsageError) {
      usageFailure(error.message);
    } else {
      logger.error({ err: error }, "could not start");
      process.exitCode = 1;
    }
    // Nothing is left to drain; the process ends with its code.
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
    return;
  }

  const { address, port, family } = standalone.address;
  const host = family === "IPv6" ? `[${address}]` : address;
  logger.info(
    { address, port, path: config.path ?? null, url: `http://${host}:${port}`, version: version(), pid: process.pid },
    `listening on ${host}:${port}`,
  );
}

function usageFailure(message: string): void {
  process.stderr.write(`realtime-server: ${message}\nRun \`realtime-server --help\` for the options.\n`);
  process.exitCode = EXIT_USAGE;
}

main().catch((error: unknown) => {
  process.stderr.write(`realtime-server: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
