import { once } from "node:events";
import { createServer } from "node:http";
import { gzipSync } from "node:zlib";
import type { AddressInfo } from "node:net";
import { build } from "esbuild";
import { RTCPeerConnection } from "node-datachannel/polyfill";
import { describe, expect, it, onTestFinished } from "vitest";
import { WebSocket } from "ws";
// Imported by package name, as a user would: Node gets the full entry (no "browser" condition).
import { RTCClient, SignalingServer } from "@raycaster/realtime";

describe("the original design's examples", () => {
  it("run as written: a server on an http server, and a client of it", async () => {
    // The first example, verbatim but for a free port instead of 3000.
    const httpServer = createServer();
    const signalingServer = new SignalingServer({ server: httpServer });
    httpServer.listen(0);
    onTestFinished(async () => {
      await signalingServer.close();
      httpServer.close();
    });
    await once(httpServer, "listening");
    const { port } = httpServer.address() as AddressInfo;

    // The second example runs in a browser, where RTCPeerConnection and
    // WebSocket are globals; Node gets them from node-datachannel and ws.
    const globals = globalThis as Record<string, unknown>;
    const previous = { RTCPeerConnection: globals.RTCPeerConnection, WebSocket: globals.WebSocket };
    globals.RTCPeerConnection = RTCPeerConnection;
    globals.WebSocket = WebSocket;
    onTestFinished(() => {
      Object.assign(globals, previous);
    });
    const client = new RTCClient({ url: `ws://localhost:${port}` });
    const connected = new Promise<{ peerId: string }>((resolve) => client.on("peerConnected", resolve));
    const other = new RTCClient({ url: `ws://localhost:${port}` });
    onTestFinished(() => {
      client.close();
      other.close();
    });

    expect((await connected).peerId).toBe(other.id);
    expect(client.room).toBe("default");
  });
});

/** A minified ESM browser bundle of `contents`, as an app's bundler would make it, and its size gzipped. */
async function browserBundle(contents: string) {
  const result = await build({
    stdin: { contents, resolveDir: import.meta.dirname },
    bundle: true,
    platform: "browser",
    format: "esm",
    minify: true,
    write: false,
    metafile: true,
  });
  const [output] = Object.values(result.metafile.outputs);
  /** Files with code in the output. */
  const bundled = Object.entries(output!.inputs)
    .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
    .map(([path]) => path);
  return { inputs: Object.keys(result.metafile.inputs), bundled, gzipped: gzipSync(result.outputFiles[0]!.contents).length };
}

describe("the browser bundle", () => {
  it("carries the client and nothing of the server, Node, media or connectionInfo", async () => {
    const { inputs, bundled, gzipped } = await browserBundle('export { RTCClient } from "@raycaster/realtime";');
    expect(inputs.some((path) => /(^|\/)client\/dist\/client\.js$/.test(path))).toBe(true);
    expect(inputs.filter((path) => /(^|\/)(server\/dist|ws)\//.test(path))).toEqual([]);
    // The client parses server frames with the protocol's light parser
    // (@raycaster/realtime-protocol/client): no zod in the output. (zod's
    // files are still read, for the umbrella re-exports RoomNameSchema, and
    // tree-shaken away: 0 bytes each.)
    expect(bundled.filter((path) => /(^|\/)zod\//.test(path))).toEqual([]);
    // What an app may not use costs it nothing until it imports it: media
    // (the /media entry) and connectionInfo (a function).
    expect(bundled.filter((path) => /(^|\/)client\/dist\/(media|mediaEntry|connectionInfo)\.js$/.test(path))).toEqual([]);
    // A size budget, not a benchmark; min+gzip bytes of { RTCClient }.
    // The data-layer issue's target is 12 KiB (12,288 B) with everything
    // the client does (PeerJS's { Peer } is 23.5 KiB). History: 9.3 KiB
    // since the light parser (it was 17.1 KiB, half of it zod/mini); 10.0
    // KiB with once/signal, joined, dispose and connectionInfo; 15,537 B
    // with media and the channel I/O (binary and chunked framing,
    // watermarks, bounded reassembly, named channels); 15,267 B after
    // shorter error texts. Then, each step measured on its own: 15,353 B
    // with close() settling once() and closing channels, and the default
    // channel's schema (+86); 14,521 B with media an opt-in entry, hooked
    // in through extension.ts (-832; cutting media out entirely saved
    // 1,105, so the seam costs ~270); 14,225 B with connectionInfo a
    // function (-296); 13,812 B with error codes and event names as
    // literals, so the exported code objects are tree-shaken (-412);
    // 13,824 B with channels declared on a closed client closed (+12);
    // ~+100 B with the join on the upgrade request (protocol 4: the URL's
    // query built with URL).
    // Measured and not done: shorter internal property names (renaming ~76
    // surviving names in the output saves ~170 B), shorter texts (all
    // prose strings together are ~620 B), Limits, CloseCodes and the frame
    // and payload kinds as inlined constants (~280 B together). The 12 KiB target is not met:
    // what is left is core the issue asks for. Cut out, named channels
    // (client.channel) are ~400 B, chunked transfers ~800 B, the light
    // parser ~1.0 K; even the first two as opt-in entries would leave ~13.0
    // KiB. Metafile (minified bytes) of the largest: peer 6.1 K, client 4.8
    // K, link 3.2 K, sender 3.1 K, channel 2.5 K, connection 2.5 K,
    // receiver 2.5 K, light parser 2.4 K, encoder 2.3 K, options 1.7 K,
    // registry 1.5 K; 40.5 K in all. Budget: just above the measured figure.
    expect(gzipped).toBeLessThan(13.75 * 1024);
  });

  it("with media: { RTCClient } and mediaOf, within a budget of its own", async () => {
    const { bundled, gzipped } = await browserBundle('export { RTCClient } from "@raycaster/realtime"; export { mediaOf } from "@raycaster/realtime/media";');
    expect(bundled.some((path) => /(^|\/)client\/dist\/mediaEntry\.js$/.test(path))).toBe(true);
    // 14,896 B when { RTCClient } alone was 13,812 B: media costs an app
    // that uses it ~1.1 KiB (before the split, 15,353 B carried both).
    expect(gzipped).toBeLessThan(14.75 * 1024);
  });
});
