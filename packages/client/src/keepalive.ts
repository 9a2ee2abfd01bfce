/** Timings of the keep-alive (see `RTCClientOptions.pingInterval` and `pingTimeout`). */
export interface KeepAliveOptions {
  /** Quiet ms before a ping is sent; `0` disables the keep-alive. */
  interval: number;
  /** Ms after the ping within which anything at all must arrive. */
  timeout: number;
}

/**
 * Detects a dead socket that never says so. A socket whose network path
 * vanished (a laptop changing networks, a NAT forgetting the flow, a server
 * that hangs) can stay "open" for minutes with nothing arriving: TCP only
 * notices once it has something to send and gives up retransmitting. So
 * after `interval` ms of silence it sends a ping, and if nothing at all has
 * arrived `timeout` ms later the socket is declared dead.
 *
 * One timer at a time; {@link heard} re-arms it, {@link stop} clears it.
 */
export class KeepAlive {
  readonly #options: KeepAliveOptions;
  readonly #ping: () => void;
  readonly #dead: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(options: KeepAliveOptions, handlers: { ping(): void; dead(): void }) {
    this.#options = options;
    this.#ping = handlers.ping;
    this.#dead = handlers.dead;
    this.heard();
  }

  /** Whether a timer is pending (for counting live resources). */
  get pending(): boolean {
    return this.#timer !== undefined;
  }

  /** Something arrived: the socket is alive; the quiet period starts again. */
  heard(): void {
    if (this.#stopped || this.#options.interval === 0) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#stopped = true;
        this.#dead();
      }, this.#options.timeout);
      this.#ping();
    }, this.#options.interval);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
