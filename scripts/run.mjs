#!/usr/bin/env node
// `npm run demo`, `npm run dev`, `npm run docs` and `npm test` (and their pnpm forms) land here.
// On a machine with only Node and npm this does the set-up first: the pinned
// pnpm (a private copy in .tools/, never a global install), the dependencies,
// and for the tests a Chromium and the system tools they need. Each step is
// skipped when it is already done, so a second run starts at once.
// Plain Node with no dependencies: it has to run before anything is installed.
import { spawnSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const task = process.argv[2];
const tasks = {
  demo: [
    ["exec", "turbo", "run", "build", "--filter=@raycaster/realtime-demo...", "--output-logs=errors-only"],
    ["--filter", "@raycaster/realtime-demo", "start"],
  ],
  dev: [
    ["exec", "turbo", "run", "build", "--filter=@raycaster/realtime-demo...", "--output-logs=errors-only"],
    ["exec", "node", "scripts/dev.mjs"],
  ],
  // The API reference (TypeDoc) into docs/api/, which is not committed: it is made from the TSDoc in seconds.
  docs: [
    ["exec", "turbo", "run", "build", "--filter=@raycaster/realtime-api-docs...", "--output-logs=errors-only"],
    ["--filter", "@raycaster/realtime-api-docs", "run", "docs"],
  ],
  test: [["exec", "turbo", "run", "format:check", "typecheck", "lint", "package", "test", "e2e", "--concurrency=1", "--output-logs=errors-only"]],
};
if (!(task in tasks)) fail(`unknown task "${task}"`, `run \`npm run demo\`, \`npm run dev\`, \`npm run docs\` or \`npm test\``);

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" };

checkNode();
const pnpm = ensurePnpm();
ensureDependencies();
if (task === "test") ensureTestTools();
for (const [index, args] of tasks[task].entries()) {
  const last = index === tasks[task].length - 1;
  if (last) await handOver(pnpm, args);
  else run(pnpm, args, `${task}: ${args.slice(0, 3).join(" ")}`);
}

function checkNode() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    fail(`Node ${process.versions.node} is too old`, "install Node.js 20.19 or newer (https://nodejs.org), then run this again");
  }
}

/** The pinned pnpm: the one on PATH when it is that version, else a private copy in .tools/. */
function ensurePnpm() {
  const pinned = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager.split("@")[1];
  const onPath = spawnSync("pnpm", ["--version"], { encoding: "utf8", env, shell: process.platform === "win32" });
  if (onPath.status === 0 && onPath.stdout.trim() === pinned) return "pnpm";
  const prefix = join(root, ".tools", `pnpm-${pinned}`);
  const bin = join(prefix, "node_modules", ".bin");
  if (!existsSync(join(bin, "pnpm"))) {
    step(`installing pnpm ${pinned} into .tools/ (no global install)`);
    mkdirSync(prefix, { recursive: true });
    run("npm", ["install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error", `pnpm@${pinned}`], "installing pnpm", {
      hint: `check that npm can reach its registry, or install it yourself: npm install --global pnpm@${pinned}`,
    });
  }
  // turbo runs each package's scripts through `pnpm`, so the copy goes on PATH.
  env.PATH = `${bin}${delimiter}${env.PATH ?? ""}`;
  return join(bin, "pnpm");
}

/** `pnpm install` when the lockfile or a manifest changed since the last one. */
function ensureDependencies() {
  const stampFile = join(root, "node_modules", ".raycaster-setup");
  const stamp = manifestHash();
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return;
  step("installing dependencies (pnpm install --frozen-lockfile)");
  run(pnpm, ["install", "--frozen-lockfile"], "pnpm install", {
    hint: "if the lockfile is out of date, run `pnpm install` and commit pnpm-lock.yaml",
  });
  writeFileSync(stampFile, stamp);
}

function manifestHash() {
  const hash = createHash("sha256");
  const files = ["package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml", join("bench", "package.json")];
  for (const group of ["packages", "apps", "tests", "tools", "examples"]) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) files.push(join(group, name, "package.json"));
  }
  for (const file of files) {
    const path = join(root, file);
    hash.update(`${file}\0${existsSync(path) ? readFileSync(path) : ""}\0`);
  }
  return hash.digest("hex");
}

/**
 * What the tests need from the system: a Chromium for Playwright, `ip`
 * for the network-namespace fault tests, coturn's `turnserver` for the
 * TURN tests, haproxy and redis-server for the multi-node tests. As root with apt-get (CI, a fresh
 * Debian box) they are installed from Debian's packages; otherwise Playwright
 * fetches its own Chromium on first run, and the fault tests say what they lack.
 */
function ensureTestTools() {
  const packages = [];
  if (!process.env.CHROMIUM_PATH && !existsSync("/usr/bin/chromium")) packages.push("chromium");
  if (!hasCommand("ip")) packages.push("iproute2");
  if (!hasCommand("turnserver")) packages.push("coturn");
  // The multi-node tests of packages/redis: a balancer in front, and a Redis of their own to restart.
  if (!existsSync("/usr/sbin/haproxy")) packages.push("haproxy");
  if (!hasCommand("redis-server")) packages.push("redis-server");
  if (packages.length === 0) return;
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (!root || !hasCommand("apt-get")) {
    step(`not installing ${packages.join(", ")} (needs root and apt-get); the tests that use them explain what to do`);
    return;
  }
  step(`installing ${packages.join(", ")} from Debian's packages`);
  const apt = { ...env, DEBIAN_FRONTEND: "noninteractive" };
  run("apt-get", ["update", "-qq"], "apt-get update", { env: apt });
  run("apt-get", ["install", "-y", "-qq", ...packages], `apt-get install ${packages.join(" ")}`, { env: apt });
}

function hasCommand(name) {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

function run(command, args, what, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: options.env ?? env });
  if (result.error) fail(`${what}: ${result.error.message}`, options.hint);
  if (result.status !== 0) fail(`${what} failed (exit ${result.status ?? result.signal})`, options.hint);
}

/** Runs the task's last command, passing Ctrl-C and SIGTERM on, and exits with its status. */
function handOver(command, args) {
  const child = spawn(command, args, { cwd: root, stdio: "inherit", env });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  return new Promise(() => {
    child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  });
}

function step(text) {
  console.log(`\n> ${text}`);
}

function fail(what, hint) {
  console.error(`\n✗ ${what}${hint ? `\n  next: ${hint}` : ""}`);
  process.exit(1);
}
