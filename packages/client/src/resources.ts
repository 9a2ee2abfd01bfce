/** Counts of live resources a client holds; see `RTCClient.stats()`. */
export interface ResourceCounts {
  /** `RTCPeerConnection`s created and not yet closed. */
  peerConnections: number;
  /** Data channels created and neither closed by us nor reported closed. */
  dataChannels: number;
  /** Timers armed and neither fired nor cleared. */
  timers: number;
}

/** A one-shot timer that {@link Resources} counts while it is armed. */
export interface CountedTimer {
  /** Disarms the timer; safe to call after it fired, and more than once. */
  clear(): void;
}

/**
 * The live resources of one client, counted where they are created and
 * released, so a test (or an app chasing a leak) can see that a peer that
 * left took everything with it. Sets rather than counters for connections
 * and channels: releasing the same object twice (our close, then its close
 * event) must not count twice.
 */
export class Resources {
  readonly #connections = new Set<object>();
  readonly #channels = new Set<object>();
  #timers = 0;

  connectionCreated(pc: object): void {
    this.#connections.add(pc);
  }

  connectionClosed(pc: object): void {
    this.#connections.delete(pc);
  }

  channelCreated(channel: object): void {
    this.#channels.add(channel);
  }

  channelClosed(channel: object): void {
    this.#channels.delete(channel);
  }

  /** `setTimeout`, counted until it fires or is cleared. */
  timeout(callback: () => void, ms: number): CountedTimer {
    let armed = true;
    this.#timers++;
    const disarm = (): boolean => {
      if (!armed) return false;
      armed = false;
      this.#timers--;
      return true;
    };
    const handle = setTimeout(() => {
      if (disarm()) callback();
    }, ms);
    return {
      clear: () => {
        if (disarm()) clearTimeout(handle);
      },
    };
  }

  counts(): ResourceCounts {
    return { peerConnections: this.#connections.size, dataChannels: this.#channels.size, timers: this.#timers };
  }
}
