// node dist/main.js: the bot, configured by the environment.
import { startBot } from "./bot.js";

const url = process.env.SIGNALING_URL ?? "ws://localhost:3000";
const room = process.env.ROOM ?? "default";
const bot = startBot({ url, room });

bot.on("open", ({ id, peers }) => console.log(`echo bot ${id} in room "${room}" at ${url}; peers here: ${peers.length}`));
bot.on("peerConnected", ({ peerId }) => console.log(`connected to ${peerId}`));
bot.on("peerLeft", ({ peerId, reason }) => console.log(`${peerId} left (${reason})`));
bot.on("signalingClosed", ({ code, reason }) => {
  console.log(`signaling closed for good (${code} ${reason})`);
  process.exitCode = 1;
});

// Ctrl-C or SIGTERM: leave the room cleanly, so peers see the leave at once.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    bot.close();
    process.exit(0);
  });
}
