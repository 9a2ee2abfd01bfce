import type { Link } from "./link.js";
import type { CountedTimer, Resources } from "./resources.js";

export interface RestartStateOptions {
  resources: Resources;
  /** Milliseconds `disconnected` may last before a restart. */
  delay: number;
  /** Milliseconds a restart has to reconnect. */
  timeout: number;
  /** Start a restart now (the connection stayed disconnected too long). */
  restart(reason: string): void;
  /** The restart did not reconnect in time. */
  expired(reason: string): void;
  /** Looks whether the restart is complete (see {@link CHECK_INTERVAL}). */
  check(): void;
}

/**
 * How often a restart under way looks at the connection's state itself.
 * Events are not enough: libwebrtc in Node (@roamhq/wrtc) has been seen to
 * reach `connected` after an ICE restart without a `connectionstatechange`,
 * and the restart would then run out its deadline on a working connection.
 * The look is cheap, and only runs while a restart is under way.
 */
const CHECK_INTERVAL = 250;

/** Connections given up for a fresh one during a restart that are kept; a third restart's oldest is closed. */
const MAX_RETIRED = 2;

/**
 * The timers and leftovers of a peer's ICE restarts: the wait before a
 * `disconnected` connection is restarted, the bound on a restart, and the
 * connections a restart replaced, kept open until the new one carries the
 * channel: closing them at once would look to the remote side like a peer
 * that left, and it would report `peerLeft`.
 */
export class RestartState {
  readonly #options: RestartStateOptions;
  #waiting: CountedTimer | undefined;
  #bound: CountedTimer | undefined;
  #check: CountedTimer | undefined;
  readonly #retired = new Set<Link>();

  constructor(options: RestartStateOptions) {
    this.#options = options;
  }

  /** Whether a restart is under way. */
  get active(): boolean {
    return this.#bound !== undefined;
  }

  /** The connection went `disconnected`: restart if it lasts. Often it passes by itself (a few lost consent checks). */
  disconnected(): void {
    if (this.#waiting || this.#bound) return;
    const { delay } = this.#options;
    this.#waiting = this.#options.resources.timeout(() => {
      this.#waiting = undefined;
      this.#options.restart(`disconnected for ${delay} ms`);
    }, delay);
  }

  /** The connection is connected (again): no restart is due. */
  connected(): void {
    this.#waiting?.clear();
    this.#waiting = undefined;
  }

  /** A restart begins; bounded by the timeout. Returns false when one is already under way. */
  begin(reason: string): boolean {
    if (this.#bound) return false;
    this.connected();
    this.#bound = this.#options.resources.timeout(() => {
      this.#bound = undefined;
      this.#stopChecking();
      this.#options.expired(reason);
    }, this.#options.timeout);
    this.#scheduleCheck();
    return true;
  }

  /** The restart reconnected: closes what it replaced. */
  complete(): void {
    this.#bound?.clear();
    this.#bound = undefined;
    this.#stopChecking();
    this.#closeRetired();
  }

  /** Keeps a replaced connection that carried the channel until the restart completes. */
  retire(link: Link): void {
    if (this.#retired.size >= MAX_RETIRED) {
      const [oldest] = this.#retired;
      if (oldest) {
        oldest.close();
        this.#retired.delete(oldest);
      }
    }
    this.#retired.add(link);
  }

  /** Closes a channel the app closed on every kept connection. */
  removeChannel(name: string): void {
    for (const link of this.#retired) link.removeChannel(name);
  }

  /** Clears every timer and closes every kept connection. */
  close(): void {
    this.#waiting?.clear();
    this.#bound?.clear();
    this.#waiting = this.#bound = undefined;
    this.#stopChecking();
    this.#closeRetired();
  }

  #scheduleCheck(): void {
    this.#check = this.#options.resources.timeout(() => {
      this.#check = undefined;
      this.#options.check();
      if (this.#bound) this.#scheduleCheck();
    }, CHECK_INTERVAL);
  }

  #stopChecking(): void {
    this.#check?.clear();
    this.#check = undefined;
  }

  #closeRetired(): void {
    for (const link of this.#retired) link.close();
    this.#retired.clear();
  }
}
