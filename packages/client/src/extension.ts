import type { RTCClientEvents } from "./client.js";

// The seam through which what an app may not use reaches into a client:
// the opt-in media entry (`/media`, mediaEntry.ts), whose hooks the core
// calls at the few points of a negotiation that concern media, and
// `connectionInfo(client, peerId)`. The core carries no code of theirs, so
// an app that imports neither does not ship them.

/** What media does for one peer; the peer calls it for each of its connections. */
export interface PeerMedia {
  /** A connection of the peer was made (or was there when media was attached); `current` says whether it still is the peer's. */
  connection(pc: RTCPeerConnection, current: () => boolean): void;
  /** Brings `pc`'s senders to the tracks wanted now; returns the swaps under way. Throws what the stack throws. */
  sync(pc: RTCPeerConnection): Promise<unknown>[];
  /** An offer/answer exchange completed on `pc`: reports the remote tracks it ended; returns whether our senders need another one. */
  negotiated(pc: RTCPeerConnection): boolean;
  /** `pc` was replaced by a fresh connection: its remote tracks end. */
  replaced(pc: RTCPeerConnection): void;
}

/** What media gives a client: hooks for each peer, and word of peers that left. */
export interface MediaExtension {
  peer(peerId: string): PeerMedia;
  left(peerId: string): void;
}

/** What a client gives them. */
export interface ExtensionHost {
  RTCPeerConnection: new (configuration?: RTCConfiguration) => RTCPeerConnection;
  /** Hooks media into every peer, present and future. */
  attach(media: MediaExtension): void;
  emit<K extends "track" | "trackRemoved">(event: K, payload: RTCClientEvents[K]): void;
  /** Brings the listed peers' connections (every peer when none) to the wanted tracks. */
  sync(peerIds: readonly string[] | undefined): Promise<void>;
  /** The current connection to `peerId`; `undefined` for a peer not in the room (or a closed client). */
  connection(peerId: string): RTCPeerConnection | undefined;
}

/** The key of the client's method that returns its {@link ExtensionHost}. Not public API. */
export const extend: unique symbol = Symbol("realtime.extend");
