/**
 * The Node WebRTC stacks the client scenarios run on, and the floor of each:
 * two `RTCPeerConnection`s negotiated directly in one process, offer, answer
 * and candidates handed over in-process as they come.
 */
export type Stack = "node-datachannel" | "wrtc";
/** `BENCH_STACKS=wrtc` limits the client scenarios to some stacks (for profiling; the report then lacks the others). */
export const STACKS: readonly Stack[] = process.env.BENCH_STACKS ? (process.env.BENCH_STACKS.split(",") as Stack[]) : ["node-datachannel", "wrtc"];
export const STACK_LABELS: Record<Stack, string> = {
  "node-datachannel": "node-datachannel 0.33 (libdatachannel)",
  wrtc: "@roamhq/wrtc 0.10 (libwebrtc)",
};

export async function loadStack(stack: Stack): Promise<typeof RTCPeerConnection> {
  if (stack === "wrtc") return (await import("@roamhq/wrtc")).default.RTCPeerConnection as typeof RTCPeerConnection;
  return (await import("node-datachannel/polyfill")).RTCPeerConnection as unknown as typeof RTCPeerConnection;
}

export function opened(channel: RTCDataChannel): Promise<void> {
  if (channel.readyState === "open") return Promise.resolve();
  return new Promise((resolve, reject) => {
    channel.addEventListener("open", () => resolve(), { once: true });
    channel.addEventListener("close", () => reject(new Error("the channel closed before it opened")), { once: true });
  });
}

export interface DirectPair {
  a: RTCPeerConnection;
  b: RTCPeerConnection;
  /** Pre-negotiated channel id 0 on both, as the client's default channel. */
  ca: RTCDataChannel;
  cb: RTCDataChannel;
  close(): void;
}

/**
 * The floor: `a` offers, `b` answers, each candidate handed to the other
 * connection as soon as it is gathered (held only until that side has a
 * remote description, which `addIceCandidate` needs). With `hold`, `a`'s
 * candidates wait until `a` has the answer, the order the client keeps
 * (libdatachannel races when the answerer starts checks before the offerer
 * has its answer). Resolves when the channel is open on both sides.
 */
export async function directPair(Pc: typeof RTCPeerConnection, { hold = false } = {}): Promise<DirectPair> {
  const a = new Pc();
  const b = new Pc();
  const ca = a.createDataChannel("realtime", { negotiated: true, id: 0 });
  const cb = b.createDataChannel("realtime", { negotiated: true, id: 0 });
  ca.binaryType = cb.binaryType = "arraybuffer";
  const pair: DirectPair = {
    a,
    b,
    ca,
    cb,
    close: () => {
      a.close();
      b.close();
    },
  };
  try {
    await negotiate(pair, hold);
  } catch (error) {
    pair.close();
    throw error;
  }
  return pair;
}

async function negotiate({ a, b, ca, cb }: DirectPair, hold: boolean): Promise<void> {
  const open = Promise.all([opened(ca), opened(cb)]);
  // Awaited below. When the negotiation fails first (libdatachannel may
  // refuse a description), its error is the meeting's, reported by the
  // caller; the channels then close with the pair, which must not end the
  // process as an unhandled rejection.
  open.catch(() => "reported as the negotiation's failure");
  // A candidate the other side refuses fails the meeting (rather than an
  // unhandled rejection ending the process).
  let refused!: (error: unknown) => void;
  const failure = new Promise<never>((_, reject) => (refused = reject));
  failure.catch(() => "raced with the channels' opening below");
  const toB = trickle(a, b, refused);
  const toA = trickle(b, a, refused);
  const offer = await a.createOffer();
  await a.setLocalDescription(offer);
  await b.setRemoteDescription(offer);
  if (!hold) toB.ready();
  const answer = await b.createAnswer();
  await b.setLocalDescription(answer);
  await a.setRemoteDescription(answer);
  toA.ready();
  if (hold) toB.ready();
  await Promise.race([open, failure]);
}

/** Hands `from`'s candidates to `to` as they come; those before `ready()` (`to` has no remote description yet) wait for it. A refusal goes to `refused`. */
function trickle(from: RTCPeerConnection, to: RTCPeerConnection, refused: (error: unknown) => void): { ready(): void } {
  let held: RTCIceCandidate[] | undefined = [];
  const add = (candidate: RTCIceCandidate) =>
    to.addIceCandidate(candidate).catch((error: unknown) => {
      // Only after close (the pair is torn down) is there nothing to apply it to.
      if (to.signalingState !== "closed") refused(error);
    });
  from.onicecandidate = ({ candidate }) => {
    if (!candidate) return;
    if (held) held.push(candidate);
    else void add(candidate);
  };
  return {
    ready: () => {
      const waiting = held ?? [];
      held = undefined;
      for (const candidate of waiting) void add(candidate);
    },
  };
}
