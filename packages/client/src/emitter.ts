/** Options of {@link Emitter.on} and {@link Emitter.once}. */
export interface ListenOptions {
  /**
   * Removes the handler when this signal aborts (a pending `once` promise
   * rejects with `signal.reason`). An already-aborted signal adds nothing.
   * @default undefined
   */
  signal?: AbortSignal | undefined;
}

type Handler = (payload: never) => void;

/** One registration: whether it is a `once`, how to detach it from its signal, and for a `once()` promise its rejection. */
interface Entry {
  once: boolean;
  unlink: (() => void) | undefined;
  reject: ((reason: unknown) => void) | undefined;
}

/**
 * A typed event emitter small enough for a browser bundle. Each event
 * carries one payload object, so events can grow fields without breaking
 * handlers. A handler is registered at most once per event (as with
 * `EventTarget`); adding it again keeps the first registration.
 *
 * Node's `events.once(emitter, "open")` and `events.on(emitter, "message")`
 * work with it at run time (it has the `on`, `once` and `removeListener`
 * they call): they resolve with `[payload]`, and reject on an `error` event
 * as they do for any `EventEmitter`. Their TypeScript signatures want a full
 * `EventEmitter` or `EventTarget`, which this emitter does not implement
 * (that would cost bundle size for nothing), so TypeScript needs a cast
 * there; {@link once} without a handler is the typed way.
 */
export class Emitter<Events extends object> {
  readonly #handlers = new Map<keyof Events, Map<Handler, Entry>>();
  /** Set by {@link end}: why nothing can be listened to any more. */
  #ended: unknown;

  /**
   * Adds a handler; returns a function that removes it. With `signal`, it
   * is removed when the signal aborts.
   */
  on<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void, options?: ListenOptions): () => void {
    return this.#add(event, handler as Handler, false, options?.signal);
  }

  /**
   * Waits for the next `event`: `once(event)` returns a promise of its
   * payload, rejected with `signal.reason` if the signal aborts first, and
   * with a `CLIENT_CLOSED` `RealtimeError` if the client (or channel)
   * is closed first (at once, if it is closed already); it stays pending
   * while the event does not come, so give a signal when it may never
   * come. `once(event, handler)` calls the handler the next time only and
   * returns a function that removes it.
   */
  once<K extends keyof Events>(event: K, options?: ListenOptions): Promise<Events[K]>;
  once<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void, options?: ListenOptions): () => void;
  once<K extends keyof Events>(
    event: K,
    handlerOrOptions?: ((payload: Events[K]) => void) | ListenOptions,
    options?: ListenOptions,
  ): Promise<Events[K]> | (() => void) {
    if (typeof handlerOrOptions === "function") return this.#add(event, handlerOrOptions as Handler, true, options?.signal);
    const signal = handlerOrOptions?.signal;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      if (this.#ended) return reject(this.#ended);
      this.#add(event, resolve as Handler, true, signal, reject);
    });
  }

  /** Removes a handler added with {@link on} or {@link once}. */
  off<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): void {
    this.#remove(event, handler as Handler);
  }

  /** {@link off} by the name Node's `events.once` and `events.on` call. */
  removeListener<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): void {
    this.off(event, handler);
  }

  /** Calls every handler of `event`; returns whether there was one. */
  protected emit<K extends keyof Events>(event: K, payload: Events[K]): boolean {
    const handlers = this.#handlers.get(event);
    if (!handlers || handlers.size === 0) return false;
    // A snapshot, as EventTarget does: handlers added by a handler take
    // effect from the next event. A `once` handler runs at most once, even
    // when a handler emits the same event again. A throwing handler must not
    // starve the others nor break the caller (often a WebRTC or WebSocket
    // callback).
    // oxlint-disable-next-line unicorn/no-useless-spread
    for (const [handler, entry] of [...handlers]) {
      if (entry.once) {
        if (handlers.get(handler) !== entry) continue;
        this.#remove(event, handler);
      }
      try {
        (handler as (payload: Events[K]) => void)(payload);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    return true;
  }

  /**
   * Ends the emitter for good: drops every handler (and its signal
   * listener), rejects every pending `once()` promise with `reason`, and
   * from now on `on` and `once` add nothing (a `once()` promise rejects with
   * `reason` at once), so a closed client or channel holds no listener.
   */
  protected end(reason: Error): void {
    this.#ended ??= reason;
    for (const handlers of this.#handlers.values()) {
      for (const entry of handlers.values()) {
        entry.unlink?.();
        entry.reject?.(this.#ended);
      }
    }
    this.#handlers.clear();
  }

  #remove(event: keyof Events, handler: Handler): void {
    const handlers = this.#handlers.get(event);
    const entry = handlers?.get(handler);
    if (!entry) return;
    handlers!.delete(handler);
    entry.unlink?.();
  }

  /**
   * Registers `handler`; `reject` (a `once()` promise's) runs with
   * `signal.reason` after it is removed by its signal aborting, or with the
   * reason of {@link end}.
   */
  #add(event: keyof Events, handler: Handler, once: boolean, signal: AbortSignal | undefined, reject?: (reason: unknown) => void): () => void {
    const remove = () => this.#remove(event, handler);
    if (signal?.aborted || this.#ended) return remove;
    let handlers = this.#handlers.get(event);
    if (!handlers) {
      handlers = new Map();
      this.#handlers.set(event, handlers);
    }
    if (handlers.has(handler)) return remove;
    const entry: Entry = { once, unlink: undefined, reject };
    if (signal) {
      // Detached again when the handler goes any other way, so a long-lived
      // signal does not collect a listener per handler it ever guarded.
      const abort = () => {
        remove();
        reject?.(signal.reason);
      };
      signal.addEventListener("abort", abort, { once: true });
      entry.unlink = () => signal.removeEventListener("abort", abort);
    }
    handlers.set(handler, entry);
    return remove;
  }
}
