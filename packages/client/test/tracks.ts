// Real media tracks for the tests, from libwebrtc's non-standard sources
// (@roamhq/wrtc): only that stack carries media; node-datachannel's polyfill
// has none (see MEDIA_UNSUPPORTED).
import { onTestFinished } from "vitest";
import { implementation } from "./webrtc.js";

type Wrtc = typeof import("@roamhq/wrtc");

const wrtc: Wrtc | undefined = implementation === "wrtc" ? ((await import("@roamhq/wrtc")) as unknown as { default: Wrtc }).default : undefined;

/** Why the media-flow tests do not run on this stack, or `undefined` when they do. */
export const noMedia = wrtc === undefined ? 'node-datachannel\'s RTCPeerConnection polyfill carries no media (addTrack throws "Not implemented")' : undefined;

function stack(): Wrtc {
  if (!wrtc) throw new Error(noMedia);
  return wrtc;
}

/**
 * A live video track fed with grey I420 frames of `width`×`height` every
 * 20 ms (a camera would push frames the same way), and a stream holding it;
 * both stopped when the test ends.
 */
export function videoTrack(width = 160, height = 120) {
  const { nonstandard, MediaStream } = stack();
  const source = new nonstandard.RTCVideoSource();
  const track = source.createTrack() as unknown as MediaStreamTrack;
  const stream = new MediaStream([track as never]) as unknown as MediaStream;
  const data = new Uint8Array(width * height * 1.5).fill(128);
  const feed = setInterval(() => source.onFrame({ width, height, data }), 20);
  onTestFinished(() => {
    clearInterval(feed);
    track.stop();
  });
  return { track, stream };
}

/** A live audio track fed with 10 ms of 48 kHz mono silence every 10 ms, added to `stream`; stopped when the test ends. */
export function audioTrack(stream: MediaStream): MediaStreamTrack {
  const source = new (stack().nonstandard.RTCAudioSource)();
  const track = source.createTrack() as unknown as MediaStreamTrack;
  stream.addTrack(track);
  const samples = new Int16Array(480);
  const feed = setInterval(() => source.onData({ samples, sampleRate: 48_000 }), 10);
  onTestFinished(() => {
    clearInterval(feed);
    track.stop();
  });
  return track;
}

/** Resolves once a remote audio track delivers decoded audio; the sink stops then or when the test ends. */
export function audio(track: MediaStreamTrack): Promise<void> {
  const sink = new (stack().nonstandard.RTCAudioSink)(track as never);
  onTestFinished(() => sink.stop());
  return new Promise<void>((resolve) => {
    sink.ondata = () => {
      sink.stop();
      resolve();
    };
  });
}

/** A video track that is never fed, and a stream holding it (for negotiation that needs no frames). */
export function silentVideoTrack() {
  const { nonstandard, MediaStream } = stack();
  const track = new nonstandard.RTCVideoSource().createTrack() as unknown as MediaStreamTrack;
  const stream = new MediaStream([track as never]) as unknown as MediaStream;
  onTestFinished(() => track.stop());
  return { track, stream };
}

/**
 * Resolves with the size of the first frame of a remote track that
 * `match` accepts (any frame by default): frames decoded, so media really
 * flows. The sink stops when it resolves or the test ends.
 */
export function frame(track: MediaStreamTrack, match: (frame: { width: number; height: number }) => boolean = () => true) {
  const sink = new (stack().nonstandard.RTCVideoSink)(track as never);
  onTestFinished(() => sink.stop());
  return new Promise<{ width: number; height: number }>((resolve) => {
    sink.onframe = ({ frame }: { frame: { width: number; height: number } }) => {
      if (!match(frame)) return;
      sink.stop();
      resolve({ width: frame.width, height: frame.height });
    };
  });
}
