/**
 * A typed event emitter small enough for a browser bundle. Each event
 * carries one payload object, so events can grow fields without breaking
 * handlers.
 */
export class Emitter<Events extends object> {
  readonly #handlers = new Map<keyof Events, Set<(payload: never) => void>>();

  /** Adds a handler; returns a function that removes it. */
  on<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): () => void {
    let set = this.#handlers.get(event);
    if (!set) {
      set = new Set();
      this.#handlers.set(event, set);
    }
    set.add(handler as (payload: never) => void);
    return () => this.off(event, handler);
  }

  /** Removes a handler added with {@link on}. */
  off<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): void {
    this.#handlers.get(event)?.delete(handler as (payload: never) => void);
  }

  /** Calls every handler of `event`; returns whether there was one. */
  protected emit<K extends keyof Events>(event: K, payload: Events[K]): boolean {
    const set = this.#handlers.get(event);
    if (!set || set.size === 0) return false;
    // A snapshot, as EventTarget does: handlers added or removed by a handler
    // take effect from the next event. A throwing handler must not starve the
    // others nor break the caller (often a WebRTC or WebSocket callback).
    // oxlint-disable-next-line unicorn/no-useless-spread
    for (const handler of [...set]) {
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

  /** Drops every handler. */
  protected removeAllListeners(): void {
    this.#handlers.clear();
  }
}
