import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PROTOCOL_VERSION } from "@raycaster/realtime-protocol";
import { describe, expect, it, onTestFinished } from "vitest";

const packagesDir = resolve(import.meta.dirname, "../..");
const published = ["protocol", "server", "client", "realtime"];

describe("the published packages", () => {
  it("pack, install into an empty project and import as ESM", { timeout: 180_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), "realtime-pack-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    for (const name of published) {
      execFileSync("pnpm", ["pack", "--pack-destination", dir], { cwd: join(packagesDir, name), stdio: "pipe" });
    }
    const tarballs = readdirSync(dir).filter((file) => file.endsWith(".tgz"));
    expect(tarballs).toHaveLength(published.length);

    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", ...tarballs.map((t) => `./${t}`)], {
      cwd: dir,
      stdio: "pipe",
    });

    const script = `
      const realtime = await import("@raycaster/realtime");
      const server = await import("@raycaster/realtime-server");
      const client = await import("@raycaster/realtime-client");
      const protocol = await import("@raycaster/realtime-protocol");
      console.log(JSON.stringify({
        realtime: Object.keys(realtime).sort(),
        server: Object.keys(server).sort(),
        client: Object.keys(client).sort(),
        version: protocol.PROTOCOL_VERSION,
      }));
    `;
    const out = JSON.parse(execFileSync("node", ["--input-type=module", "-e", script], { cwd: dir }).toString());
    expect(out.server).toEqual(["MemoryRoomAdapter", "SignalingServer", "jsonLogger"]);
    expect(out.client).toContain("RTCClient");
    expect(out.realtime).toEqual(expect.arrayContaining(["RTCClient", "SignalingServer", "SignalingEvents"]));
    // The installed tarball speaks the protocol of this checkout.
    expect(out.version).toBe(PROTOCOL_VERSION);

    // What a tarball carries: dist, README, LICENSE and package.json; no sources or tests.
    const listing = execFileSync("tar", [
      "-tzf",
      join(
        dir,
        tarballs.find((t) => t.includes("realtime-server"))!,
      ),
    ])
      .toString()
      .trim()
      .split("\n");
    expect(listing.filter((path) => !/^package\/(dist\/|README\.md$|LICENSE$|package\.json$)/.test(path))).toEqual([]);
  });
});
