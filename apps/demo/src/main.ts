import { startDemo } from "./server.js";

const port = process.env.PORT ? Number(process.env.PORT) : 3000;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(1);
}

// Signs the resume tokens. Set it to let the tabs resume their seats across a
// restart; unset, the server picks a random one, so after a restart every tab
// rejoins as a new peer (its chat goes on meanwhile, peer to peer).
const secret = process.env.REALTIME_SECRET;
if (secret === "") {
  console.error("REALTIME_SECRET is set but empty; unset it for a random secret, or give one");
  process.exit(1);
}

const demo = await startDemo({ port, host: process.env.HOST, secret }).catch((error: unknown) => {
  // A port in use, a secret the server refuses: say so in one line.
  console.error(`The demo could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
console.log(`Realtime demo: ${demo.url}  (open it in two windows; Ctrl+C stops)`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    demo.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
