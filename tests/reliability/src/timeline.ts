import { within as labelled } from "@raycaster/realtime-test-harness";

/**
 * One ordered record of everything the actors of a test (peer processes,
 * the server process, the network) reported, and labeled waits on it.
 *
 * Why one timeline for all: when a wait fails, the events of every actor in
 * the order they happened explain it (a peer that went `reconnecting` before
 * the cut was even made, a server that exited), where one actor's events alone
 * would not.
 */
export interface TimelineEvent {
  /** Milliseconds since the timeline began. */
  at: number;
  /** Who reported it: `"A"`, `"B"`, `"server"`, `"net"`. */
  actor: string;
  name: string;
  payload: unknown;
}

type Match = (event: TimelineEvent) => boolean;

interface Waiter {
  match: Match;
  resolve: (event: TimelineEvent) => void;
}

/** The most events a failure message lists (the latest ones). */
const SHOWN_ON_FAILURE = 80;

export class Timeline {
  readonly events: TimelineEvent[] = [];
  readonly #start = Date.now();
  #waiters: Waiter[] = [];

  /** With `RELIABILITY_TRACE` set, prints the whole timeline of every test, passed or failed. */
  trace(title: string): void {
    if (process.env.RELIABILITY_TRACE) console.log(`${title}\n${this.describe(Infinity)}`);
  }

  record(actor: string, name: string, payload?: unknown): TimelineEvent {
    const event = { at: Date.now() - this.#start, actor, name, payload };
    this.events.push(event);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.match(event)) return true;
      waiter.resolve(event);
      return false;
    });
    return event;
  }

  /** A position to wait from: `waitFor(..., { after: mark })` only sees later events. */
  mark(): number {
    return this.events.length;
  }

  /**
   * Resolves with the first event (from `after`, past or future) that
   * `match` accepts; rejects after `within` ms with `label` and the events
   * seen so far, so a failure says what was awaited and what happened instead.
   */
  waitFor(label: string, match: Match, { within, after = 0 }: { within: number; after?: number }): Promise<TimelineEvent> {
    const past = this.events.slice(after).find(match);
    if (past) return Promise.resolve(past);
    let waiter: Waiter | undefined;
    const found = new Promise<TimelineEvent>((resolve) => {
      waiter = { match, resolve };
      this.#waiters.push(waiter);
    });
    return labelled(label, found, within, () => `\n${this.describe()}`).catch((error: unknown) => {
      // A wait that failed must not stay registered for a later event.
      this.#waiters = this.#waiters.filter((w) => w !== waiter);
      throw error;
    });
  }

  /**
   * Resolves once `check()` holds, checking every 50 ms; rejects after
   * `within` ms with `label` and the events seen. Only for state that
   * announces no event (a server's seat counts); where an event exists,
   * use {@link waitFor}.
   */
  async until(label: string, check: () => boolean, { within }: { within: number }): Promise<void> {
    const deadline = Date.now() + within;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${within} ms waiting for: ${label}\n${this.describe()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Events of `actor` named `name` so far (from `after`). */
  all(actor: string, name: string, after = 0): TimelineEvent[] {
    return this.events.slice(after).filter((e) => e.actor === actor && e.name === name);
  }

  /** The latest events, one a line, for failure messages. */
  describe(limit = SHOWN_ON_FAILURE): string {
    const shown = this.events.slice(-limit);
    const skipped = this.events.length - shown.length;
    const lines = shown.map((e) => `  ${String(e.at).padStart(6)} ms ${e.actor.padEnd(6)} ${e.name} ${brief(e.payload)}`);
    return `events seen${skipped ? ` (the last ${shown.length} of ${this.events.length})` : ""}:\n${lines.join("\n") || "  (none)"}`;
  }
}

function brief(payload: unknown): string {
  if (payload === undefined) return "";
  // JSON.stringify gives undefined only for functions and symbols.
  const text = JSON.stringify(payload) ?? (typeof payload === "function" ? "[function]" : String(payload as symbol));
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
