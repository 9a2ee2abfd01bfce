import { mkdir, open, readFile, unlink, writeFile } from "node:fs/promises";
import { run } from "./exec.js";
import type { Timeline } from "./timeline.js";

/**
 * Two hosts in Linux network namespaces, each on a veth link to the root
 * namespace, which routes between them:
 *
 * ```
 *   ns A  198.18.N.2 ──veth── 198.18.N.1  root  198.18.N+1.1 ──veth── 198.18.N+1.2  ns B
 * ```
 *
 * The signaling server runs in the root namespace, so each host reaches it
 * at its own gateway address, and the two hosts reach each other only
 * through the root namespace's forwarding. Faults are blackhole routes
 * inside a namespace: packets to the blackholed address vanish without an
 * error, as on a dead link, while every other path stays up.
 *
 * Addresses come from 198.18.0.0/15 only, the range reserved for
 * benchmarking (RFC 2544), so nothing here can collide with a real network.
 */
export interface Host {
  /** The test's name for it: `"A"`, `"B"`. */
  name: string;
  /** The network namespace it lives in. */
  ns: string;
  /** Its own address. */
  address: string;
  /** The root namespace's address on its link: where it reaches the signaling server. */
  gateway: string;
}

/** Namespaces and root-side links of this suite start with this; a crashed run's are found by it. */
const PREFIX = "rcrel";
const IP_FORWARD = "/proc/sys/net/ipv4/ip_forward";
/** Where a run claims its subnet pair: one file per pair, holding the claimant's pid. */
const CLAIMS = "/run/rcrel-subnets";
/**
 * The host's `ip_forward` from before any run of this suite turned it on:
 * written by the first run only, so neither a concurrent run nor a crashed
 * one can pass off the suite's own `1` as the original.
 */
const FORWARD_BEFORE = `${CLAIMS}/ip_forward.before`;

let created = 0;

/** Why namespace tests cannot run here, or `undefined` when they can. */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.platform !== "linux") return `network namespaces need Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return "network namespaces need root (uid 0)";
  try {
    await run("ip", ["-V"]);
  } catch (error) {
    return `the \`ip\` command (iproute2) is missing: ${(error as Error).message}`;
  }
  return undefined;
}

export class Network {
  readonly a: Host;
  readonly b: Host;
  readonly #timeline: Timeline;
  readonly #links: string[];
  readonly #subnet: number;

  private constructor(timeline: Timeline, a: Host, b: Host, links: string[], subnet: number) {
    this.#subnet = subnet;
    this.#timeline = timeline;
    this.a = a;
    this.b = b;
    this.#links = links;
  }

  /**
   * Builds the two namespaces and their links. Namespaces left by a crashed
   * earlier run (their process is gone) are removed first. If building
   * fails halfway, what was built is removed before the error is thrown.
   */
  static async create(timeline: Timeline): Promise<Network> {
    await removeStale();
    const tag = `${PREFIX}-${process.pid}-${++created}`;
    const subnet = await claimSubnetPair();
    const hosts = (["A", "B"] as const).map((name, i) => ({
      name,
      ns: `${tag}-${name.toLowerCase()}`,
      address: `198.18.${subnet + i}.2`,
      gateway: `198.18.${subnet + i}.1`,
      // Interface names are at most 15 bytes: rc<pid>x<n><a|b>.
      link: `rc${process.pid}x${created}${name.toLowerCase()}`,
    }));
    const network = new Network(
      timeline,
      hosts[0]!,
      hosts[1]!,
      hosts.map((h) => h.link),
      subnet,
    );
    try {
      for (const host of hosts) {
        await run("ip", ["netns", "add", host.ns]);
        await run("ip", ["link", "add", host.link, "type", "veth", "peer", "name", "eth0", "netns", host.ns]);
        await run("ip", ["addr", "add", `${host.gateway}/24`, "dev", host.link]);
        await run("ip", ["link", "set", host.link, "up"]);
        await run("ip", ["-n", host.ns, "link", "set", "lo", "up"]);
        await run("ip", ["-n", host.ns, "addr", "add", `${host.address}/24`, "dev", "eth0"]);
        await run("ip", ["-n", host.ns, "link", "set", "eth0", "up"]);
        await run("ip", ["-n", host.ns, "route", "add", "default", "via", host.gateway]);
        // IPv4 only: the blackhole routes are IPv4 routes, and no ICE
        // candidate pair may dodge them over IPv6.
        await run("ip", ["netns", "exec", host.ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"]);
      }
      await writeFile(FORWARD_BEFORE, (await readFile(IP_FORWARD, "utf8")).trim(), { flag: "wx" }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "EEXIST") throw error; // an earlier run's original stands
      });
      await writeFile(IP_FORWARD, "1");
    } catch (error) {
      await network.destroy();
      throw error;
    }
    timeline.record("net", "created", { a: network.a, b: network.b });
    return network;
  }

  /** `ip netns exec` arguments that run `command` inside `host`'s namespace. */
  exec(host: Host, command: string, args: string[]): { command: string; args: string[] } {
    return { command: "ip", args: ["netns", "exec", host.ns, command, ...args] };
  }

  /** Cuts the link between the two hosts, both ways; both still reach the server. */
  async cutPeers(): Promise<void> {
    await this.#blackhole(this.a, this.b.address);
    await this.#blackhole(this.b, this.a.address);
    this.#timeline.record("net", "cut", { between: [this.a.name, this.b.name] });
  }

  async restorePeers(): Promise<void> {
    await this.#unblackhole(this.a, this.b.address);
    await this.#unblackhole(this.b, this.a.address);
    this.#timeline.record("net", "restored", { between: [this.a.name, this.b.name] });
  }

  /**
   * Cuts `host`'s path to the signaling server (its gateway address) both
   * ways: the server's packets still arrive, but nothing the host sends to
   * the server leaves. The other host and the peer link are untouched.
   */
  async cutFromServer(host: Host): Promise<void> {
    await this.#blackhole(host, host.gateway);
    this.#timeline.record("net", "cut", { between: [host.name, "server"] });
  }

  async restoreToServer(host: Host): Promise<void> {
    await this.#unblackhole(host, host.gateway);
    this.#timeline.record("net", "restored", { between: [host.name, "server"] });
  }

  /** Removes both namespaces (which removes their links) and restores `ip_forward`. Never throws. */
  async destroy(): Promise<void> {
    const failures: string[] = [];
    for (const host of [this.a, this.b]) {
      await run("ip", ["netns", "del", host.ns]).catch((error: Error) => {
        if (!/No such file/.test(error.message)) failures.push(error.message);
      });
    }
    // A link whose namespace end never got moved would outlive the namespace.
    for (const link of this.#links) {
      await run("ip", ["link", "del", link]).catch((error: Error) => {
        if (!/Cannot find device/.test(error.message)) failures.push(error.message);
      });
    }
    await releaseSubnetPair(this.#subnet).catch((error: Error) => failures.push(error.message));
    // Put forwarding back only when no other run of this suite still needs it.
    if ((await listOurNamespaces()).length === 0) {
      try {
        await writeFile(IP_FORWARD, await readFile(FORWARD_BEFORE, "utf8"));
        await unlink(FORWARD_BEFORE);
      } catch (error) {
        // Nothing to put back if this run failed before turning forwarding on.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") failures.push((error as Error).message);
      }
    }
    this.#timeline.record("net", "destroyed", failures.length ? { failures } : undefined);
    if (failures.length) console.error(`[reliability] cleanup of ${this.a.ns}, ${this.b.ns} incomplete:\n${failures.join("\n")}`);
  }

  async #blackhole(host: Host, address: string): Promise<void> {
    await run("ip", ["-n", host.ns, "route", "add", "blackhole", `${address}/32`]);
  }

  async #unblackhole(host: Host, address: string): Promise<void> {
    await run("ip", ["-n", host.ns, "route", "del", "blackhole", `${address}/32`]);
  }
}

async function listOurNamespaces(): Promise<string[]> {
  const out = await run("ip", ["netns", "list"]);
  return out
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name.startsWith(`${PREFIX}-`));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes namespaces and root-side links of runs whose process is gone. */
async function removeStale(): Promise<void> {
  for (const ns of await listOurNamespaces()) {
    const pid = Number(ns.split("-")[1]);
    if (!alive(pid)) {
      await run("ip", ["netns", "del", ns]).catch((error: Error) => {
        // Another run of this suite may have removed it first.
        if (!/No such file/.test(error.message)) throw error;
      });
    }
  }
  const links = await run("ip", ["-o", "link", "show"]);
  for (const match of links.matchAll(/^\d+: (rc(\d+)x\d+[ab])[@:]/gm)) {
    if (alive(Number(match[2]))) continue;
    // Deleting one end of a veth pair deletes the other: it may be gone already.
    await run("ip", ["link", "del", match[1]!]).catch((error: Error) => {
      if (!/Cannot find device/.test(error.message)) throw error;
    });
  }
}

/**
 * Claims a 198.18.N.0/24 pair (N, N+1) and returns N: a pair no interface
 * here uses, claimed by creating its claim file exclusively, so two runs of
 * this suite at once never pick the same pair. A claim whose process is
 * gone is taken over.
 */
async function claimSubnetPair(): Promise<number> {
  await mkdir(CLAIMS, { recursive: true });
  const used = new Set([...(await run("ip", ["-4", "-o", "addr", "show"])).matchAll(/inet 198\.18\.(\d+)\./g)].map((m) => Number(m[1])));
  for (let n = 1; n < 255; n += 2) {
    if (used.has(n) || used.has(n + 1)) continue;
    const claim = `${CLAIMS}/${n}`;
    try {
      const file = await open(claim, "wx");
      await file.writeFile(String(process.pid));
      await file.close();
      return n;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(await readFile(claim, "utf8").catch(() => "0"));
      if (owner && !alive(owner)) {
        await unlink(claim).catch(() => undefined); // another run may have taken it over first
        n -= 2; // try this pair again
      }
    }
  }
  throw new Error("no free /24 pair left in 198.18.0.0/16");
}

async function releaseSubnetPair(n: number): Promise<void> {
  await unlink(`${CLAIMS}/${n}`);
}

/**
 * Whether a suite of namespace tests runs: `undefined` when it can; the
 * reason when it cannot. Locally a missing prerequisite skips the suite
 * with that reason printed; in CI (`CI` set) the suite runs anyway and
 * fails with it, because CI must never skip the network fault tests.
 */
export async function netnsGate(): Promise<{ skip: boolean; failure: string | undefined }> {
  const reason = await netnsUnavailable();
  if (reason === undefined) return { skip: false, failure: undefined };
  if (process.env.CI) return { skip: false, failure: `CI must run the network namespace tests, but ${reason}` };
  console.warn(`[reliability] skipping the network namespace tests: ${reason} (in CI they fail instead)`);
  return { skip: true, failure: undefined };
}
