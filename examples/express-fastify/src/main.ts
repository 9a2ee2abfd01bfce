// node dist/main.js express|fastify: one of the apps on PORT (3000 by default).
import { startExpress } from "./express.js";
import { startFastify } from "./fastify.js";

const starters = { express: startExpress, fastify: startFastify };
const which = process.argv[2];
if (which !== "express" && which !== "fastify") {
  console.error("usage: node dist/main.js express|fastify");
  process.exit(2);
}
const app = await starters[which]({ port: Number(process.env.PORT ?? 3000) });
const base = `localhost:${app.address.port}`;
console.log(`${which} on http://${base}: GET /health, WebSocket /echo, signaling on ws://${base}/signal`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error("close failed:", error);
        process.exit(1);
      },
    );
  });
}
