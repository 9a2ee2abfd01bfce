#!/usr/bin/env node
// `npm run dev` / `pnpm dev` lands here (after scripts/run.mjs built the demo
// once): every package the demo uses is rebuilt on change (`tsc --watch`),
// the demo's page and server are rebundled (esbuild's watch), and the demo
// server restarts when its code changes (`node --watch`). Reload the page to
// see a change. Ctrl-C stops everything.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const packages = ["protocol", "server", "client", "realtime"];
const jobs = [
  ...packages.map((name) => ({
    name,
    cwd: `${root}packages/${name}`,
    command: ["tsc", "--watch", "--preserveWatchOutput", "-p", "tsconfig.build.json"],
    ready: /Found \d+ errors?\. Watching/,
  })),
  // Each job starts once those it comes after are ready: the bundler once
  // tsc's first (full) emit is written, the server once the first bundle is.
  { name: "demo build", cwd: `${root}apps/demo`, command: ["node", "build.mjs", "--watch"], ready: /^demo: watching/, after: packages },
  { name: "demo", cwd: `${root}apps/demo`, command: ["node", "--watch", "dist/main.js"], after: ["demo build"] },
];
const ready = new Set();

const children = [];
let stopping = false;
for (const job of jobs.filter((job) => !job.after)) start(job);

function startReady(name) {
  ready.add(name);
  for (const job of jobs) {
    if (job.after?.includes(name) && job.after.every((other) => ready.has(other))) start(job);
  }
}

function start({ name, cwd, command: [file, ...args], ready }) {
  // tsc comes from node_modules/.bin; pnpm exec finds it in each package.
  const child = file === "tsc" ? spawn("pnpm", ["exec", file, ...args], { cwd }) : spawn(file, args, { cwd });
  children.push(child);
  const prefix = `[${name}] `;
  let waiting = ready !== undefined;
  for (const stream of [child.stdout, child.stderr]) {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (text) => {
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        process.stdout.write(`${prefix}${line}\n`);
        if (waiting && ready.test(line)) {
          waiting = false;
          startReady(name);
        }
      }
    });
  }
  child.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`${prefix}exited (${code ?? signal}); stopping the rest`);
    stop(1);
  });
}

function stop(code) {
  stopping = true;
  for (const child of children) child.kill("SIGTERM");
  process.exitCode = code;
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
