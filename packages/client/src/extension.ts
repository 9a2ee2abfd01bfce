import type { RTCClientEvents } from "./client.js";

// The seam through which the opt-in media entry (`/media`, mediaEntry.ts)
// hooks into a client: the core calls these hooks at the few points of a
// negotiation that concern media, and carries no media code itself, so an
// app that never imports `/media` does not ship it.

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

/** What a client gives media back. */
export interface ExtensionHost {
  RTCPeerConnection: new (configuration?: RTCConfiguration) => RTCPeerConnection;
  emit<K extends "track" | "trackRemoved">(event: K, payload: RTCClientEvents[K]): void;
  /** Brings the listed peers' connections (every peer when none) to the wanted tracks. */
  sync(peerIds: readonly string[] | undefined): Promise<void>;
}

/**
 * The key of the client's method that hooks media in: it calls its argument
 * with the {@link ExtensionHost}, and attaches the {@link MediaExtension}
 * returned, if any. Not public API.
 */
export const extend: unique symbol = Symbol("realtime.extend");
