// TURN through signaling, against a real coturn: the SignalingServer mints
// the credentials (its `turn` option), the clients merge them into their ICE
// servers, and with iceTransportPolicy "relay" every path runs through the
// relay. Runs once per WebRTC stack (see vitest.config.ts).
import { coturnGate, startCoturn, type Coturn } from "@raycaster/realtime-test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countedPeerConnections, createClient, startServer, tappedWebSocket, within } from "./harness.js";
import { implementation } from "./webrtc.js";
import type { RTCClientOptions } from "../src/index.js";

const gate = coturnGate();

/** A client of `url` that may only use relays, with its sent frames and peer connections recorded. */
function relayClient(url: string, extra: Pick<RTCClientOptions, "debug" | "connectTimeout"> = {}) {
  const tapped = tappedWebSocket();
  const pcs = countedPeerConnections();
  const recorder = createClient({
    url,
    room: "relayed",
    rtcConfiguration: { iceTransportPolicy: "relay" },
    WebSocket: tapped.WebSocket,
    RTCPeerConnection: pcs.RTCPeerConnection,
    ...extra,
  });
  return { recorder, client: recorder.client, tap: tapped.tap, pcs };
}

/** Every ICE candidate line a client signalled: trickled ones and those inside its SDPs. */
function signalledCandidates(sentFrames: string[]): string[] {
  const lines: string[] = [];
  for (const text of sentFrames) {
    const frame = JSON.parse(text) as { event: string; sdp?: string; candidate?: { candidate: string } | null };
    if (frame.event === "SendCandidate" && frame.candidate) lines.push(frame.candidate.candidate);
    if (frame.sdp) lines.push(...frame.sdp.split(/\r?\n/).filter((line) => line.startsWith("a=candidate:")));
  }
  return lines;
}

/** The candidate types of the selected pair, as getStats reports them. */
async function selectedPair(pc: { getStats(): Promise<Map<string, Record<string, unknown>>> }) {
  const stats = [...(await pc.getStats()).values()];
  const byId = new Map(stats.map((report) => [report.id, report]));
  const transport = stats.find((report) => report.type === "transport" && report.selectedCandidatePairId);
  const pair = byId.get(transport?.selectedCandidatePairId as string);
  expect(pair, `a selected candidate pair in ${JSON.stringify(stats)}`).toBeDefined();
  return {
    local: byId.get(pair?.localCandidateId as string)?.candidateType,
    remote: byId.get(pair?.remoteCandidateId as string)?.candidateType,
  };
}

describe.skipIf(gate.skip)(`TURN relay through a real coturn (${implementation})`, () => {
  let coturn: Coturn;
  beforeAll(async () => {
    if (gate.failure) throw new Error(gate.failure);
    coturn = await startCoturn();
    // Past startCoturn's own 10 s deadline, so that a coturn that never answers fails with its log.
  }, 15_000);
  afterAll(async () => {
    await coturn?.close();
  });

  it("connects two relay-only peers through coturn with credentials the server minted, and data flows", async () => {
    const { url } = await startServer({ turn: { urls: coturn.url, secret: coturn.secret } });
    const alice = relayClient(url);
    const { id: aliceId } = await alice.recorder.when("open");
    const bob = relayClient(url);
    const { id: bobId } = await bob.recorder.when("open");
    await Promise.all([alice.recorder.connectedTo(bobId), bob.recorder.connectedTo(aliceId)]);
    await alice.client.send(bobId, { through: "the relay" });
    expect(await bob.recorder.when("message")).toEqual({ peerId: aliceId, data: { through: "the relay" } });

    // Only relay addresses were ever signalled, by either side: the remote
    // side had no other address to reach.
    for (const side of [alice, bob]) {
      const lines = signalledCandidates(side.tap.sentFrames);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.filter((line) => !/ typ relay( |$)/.test(line))).toEqual([]);
    }
    // coturn allocated relays for both seats, under the usernames the server minted (expiry:id).
    expect(coturn.log()).toMatch(new RegExp(`user <\\d+:${escape(aliceId)}>: incoming packet ALLOCATE processed, success`));
    expect(coturn.log()).toMatch(new RegExp(`user <\\d+:${escape(bobId)}>: incoming packet ALLOCATE processed, success`));
    // libwebrtc keeps to the policy: its selected pair is relay to relay on
    // both sides. libdatachannel's ICE agent (libjuice) does not: it sends
    // checks from its own socket too, learns the other side's socket as a
    // peer-reflexive address through the relay, and on loopback may then
    // pair two sockets directly (seen: local srflx, remote prflx). The
    // client cannot steer libjuice's pairing, so on that stack this test
    // holds what the client guarantees: only relay addresses signalled,
    // relays allocated with the minted credentials, data through.
    if (implementation === "wrtc") {
      for (const side of [alice, bob]) {
        const pc = side.pcs.created.at(-1) as unknown as Parameters<typeof selectedPair>[0];
        expect(await selectedPair(pc)).toEqual({ local: "relay", remote: "relay" });
      }
    }
  });

  it("with credentials signed by another secret, each peer fails with TURN_UNAVAILABLE, not a silent timeout", async () => {
    const { url } = await startServer({ turn: { urls: coturn.url, secret: `not ${coturn.secret}` } });
    // A short connect timeout: the peers are dropped by it, after the error.
    const alice = relayClient(url, { connectTimeout: 2_000 });
    const { id: aliceId } = await alice.recorder.when("open");
    const bob = relayClient(url, { connectTimeout: 2_000 });
    const { id: bobId } = await bob.recorder.when("open");
    const [aliceError, bobError] = await Promise.all([
      alice.recorder.when("error", (error) => error.peerId === bobId),
      bob.recorder.when("error", (error) => error.peerId === aliceId),
    ]);
    for (const error of [aliceError, bobError]) {
      expect(error.code).toBe("TURN_UNAVAILABLE");
      expect(error.message).toMatch(/peer .*: no TURN relay \(iceTransportPolicy "relay"\)/);
      // libwebrtc reports coturn's 401 (icecandidateerror); libdatachannel reports nothing, so the message says what may be wrong.
      if (implementation === "wrtc") expect(error.message).toMatch(/answered 401.*credentials were refused/);
      else expect(error.message).toMatch(/refused the credentials/);
    }
    // Reported at once, then dropped at the connect timeout, as any peer that does not connect.
    for (const [side, peerId] of [
      [alice, bobId],
      [bob, aliceId],
    ] as const) {
      expect(await side.recorder.when("peerLeft")).toEqual({ peerId, reason: "failed" });
      const codes = side.recorder.all("error").map((error) => error.code);
      expect(codes.indexOf("TURN_UNAVAILABLE")).toBeLessThan(codes.indexOf("CONNECTION_FAILED"));
    }
    expect(coturn.log()).toMatch(/error 401: Unauthorized/);
  });

  it("applies renewed credentials (IceServers) to live connections, and a fresh connection is made with them", async () => {
    // Renewed between 1 and 1.5 s in.
    const { url } = await startServer({ turn: { urls: coturn.url, secret: coturn.secret, ttl: 2 } });
    let renewed!: () => void;
    const renewal = new Promise<void>((resolve) => (renewed = resolve));
    let seatings = 0;
    const debug = (message: string, detail?: Record<string, unknown>) => {
      // The first is Initialize's; the next one with a live peer is the renewal.
      if (message === "ICE servers from the server" && ++seatings > 1 && detail?.peers === 1) renewed();
    };
    const alice = relayClient(url);
    const { id: aliceId } = await alice.recorder.when("open");
    const bob = relayClient(url, { debug });
    const { id: bobId } = await bob.recorder.when("open");
    // Read now, while the connection Bob made on seating has Initialize's
    // credentials: a renewal may come during the connect on a busy machine.
    const pc = bob.pcs.created.at(-1)!;
    const usernameOf = (configuration: RTCConfiguration) => decodeURIComponent(configuration.iceServers?.at(-1)?.username ?? "");
    const first = usernameOf(pc.getConfiguration() as RTCConfiguration);
    expect(first).toMatch(new RegExp(`^\\d+:${escape(bobId)}$`));
    await bob.recorder.connectedTo(aliceId);

    await within("bob's IceServers renewal", renewal);
    // The connection in use now: the same one, or a fresh one a restart made with the renewed credentials.
    const second = usernameOf(bob.pcs.created.at(-1)!.getConfiguration() as RTCConfiguration);
    expect(Number(second.split(":")[0])).toBeGreaterThan(Number(first.split(":")[0]));
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
}
