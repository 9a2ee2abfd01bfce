/** The bundle-size comparison: each entry bundled the same way (esbuild, browser, ESM, minified), then gzip -9. */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export interface BundleResult {
  name: string;
  entry: string;
  min: number;
  gzip: number;
}

export const BUNDLES = [
  { name: "ours: { RTCClient } from @raycaster/realtime", entry: 'export { RTCClient } from "@raycaster/realtime";' },
  { name: "PeerJS: { Peer } from peerjs 1.5.5", entry: 'export { Peer } from "peerjs";' },
  { name: "simple-peer 9.11.1 (default export)", entry: 'export { default } from "simple-peer";' },
];

/** `entry` (module source, imports resolved from bench/) bundled for a browser page, every entry the same way. */
export async function browserBundle(entry: string, minify = true): Promise<Uint8Array> {
  const out = await build({
    stdin: { contents: entry, resolveDir: fileURLToPath(new URL("..", import.meta.url)), loader: "js" },
    bundle: true,
    minify,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
    define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
  });
  return out.outputFiles[0]?.contents ?? new Uint8Array();
}

export async function bundleScenario(): Promise<BundleResult[]> {
  const results: BundleResult[] = [];
  for (const { name, entry } of BUNDLES) {
    const code = await browserBundle(entry);
    results.push({ name, entry, min: code.length, gzip: gzipSync(code, { level: 9 }).length });
  }
  return results;
}
