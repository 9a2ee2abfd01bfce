import { DEFAULT_DEADLINE, within } from "./within.js";

/** One recorded event: its name and payload. */
export interface Recorded<Events extends object, K extends keyof Events = keyof Events> {
  name: K;
  payload: Events[K];
}

/** Anything with `on(name, handler)`: an RTCClient, a Node EventEmitter, a typed emitter. */
export interface EventSource<Events extends object> {
  on<K extends keyof Events>(name: K, handler: (payload: Events[K]) => void): unknown;
}

/** How a {@link Recorder} waits and how it explains a wait that failed. */
export interface RecorderOptions<Events extends object> {
  /**
   * Deadline of {@link Recorder.when}, in ms; keep it below the test timeout.
   * @default DEFAULT_DEADLINE
   */
  within?: number;
  /** Who is recorded, for failure messages (read as each wait begins, so it may change, e.g. an id once seated). */
  subject?: () => string;
  /** How one event is shown in failure messages. @default `${name} ${JSON payload}` */
  show?: (event: Recorded<Events>) => string;
  /**
   * Events after which nothing more is to come (a peer that is gone): a
   * pending wait for another event fails as soon as one is recorded, rather
   * than at its deadline.
   * @default []
   */
  ends?: readonly (keyof Events)[];
}

/** Options of one {@link Recorder.when}. */
export interface WhenOptions {
  /** What is awaited, in words, for the failure message. @default the event's name */
  label?: string;
  /** Deadline in ms. @default the recorder's `within` */
  within?: number;
  /** Only events from this index of {@link Recorder.events} on count. @default 0 */
  since?: number;
}

interface Waiter {
  name: PropertyKey;
  match: (payload: never) => boolean;
  resolve: (payload: never) => void;
  reject: (why: string) => void;
}

/**
 * Records every event of something that emits, from the start, so a test
 * can await an event that has already happened; every wait has a deadline
 * and fails naming what it awaited and listing the events seen so far.
 *
 * Feed it with {@link Recorder.listen} (handlers through `on`), or call
 * {@link Recorder.record} from a hook the emitter cannot remove (an
 * overridden `emit`), when the test is about what happens after the
 * emitter drops its listeners.
 *
 * @example
 * ```ts
 * const recorder = Recorder.listen(client, ["open", "peerLeft"], { within: 10_000 });
 * const { id } = await recorder.when("open");
 * await recorder.when("peerLeft", (e) => e.peerId === bob, { label: "bob leaves" });
 * ```
 */
export class Recorder<Events extends object> {
  /** Every event so far, in order. */
  readonly events: Recorded<Events>[] = [];
  readonly #options: RecorderOptions<Events>;
  #waiters: Waiter[] = [];

  constructor(options: RecorderOptions<Events> = {}) {
    this.#options = options;
  }

  /** A recorder fed by a handler on each of `names` of `source`. */
  static listen<Events extends object>(source: EventSource<Events>, names: readonly (keyof Events)[], options: RecorderOptions<Events> = {}): Recorder<Events> {
    const recorder = new Recorder<Events>(options);
    for (const name of names) source.on(name, (payload) => recorder.record(name, payload));
    return recorder;
  }

  /** Records one event and settles the waits it decides. */
  record<K extends keyof Events>(name: K, payload: Events[K]): void {
    this.events.push({ name, payload });
    const ends = this.#options.ends?.includes(name) ?? false;
    this.#waiters = this.#waiters.filter((w) => {
      if (w.name === name && w.match(payload as never)) w.resolve(payload as never);
      else if (ends) w.reject(`${this.#show({ name, payload })} came first`);
      else return true;
      return false;
    });
  }

  /**
   * Resolves with the first event of `name` (past, from `since`, or future)
   * that `match` accepts; rejects after the deadline, or when an ending
   * event comes first, naming `label` and listing the events seen so far.
   */
  when<K extends keyof Events>(
    name: K,
    match: (payload: Events[K]) => boolean = () => true,
    { label = String(name), within: ms = this.#options.within ?? DEFAULT_DEADLINE, since = 0 }: WhenOptions = {},
  ): Promise<Events[K]> {
    const past = this.events.slice(since).find((e) => e.name === name && match(e.payload as Events[K]));
    if (past) return Promise.resolve(past.payload as Events[K]);
    const subject = this.#options.subject?.();
    const what = subject ? `${label} (${subject})` : label;
    let waiter: Waiter | undefined;
    const waiting = new Promise<Events[K]>((resolve, reject) => {
      waiter = {
        name,
        match: match as (payload: never) => boolean,
        resolve: resolve as (payload: never) => void,
        reject: (why) => reject(new Error(`${what}: ${why}; seen so far: ${JSON.stringify(this.seen())}`)),
      };
      this.#waiters.push(waiter);
    });
    return within(what, waiting, ms, () => this.seen()).catch((error: unknown) => {
      // A wait that failed must not stay registered for a later event.
      this.#waiters = this.#waiters.filter((w) => w !== waiter);
      throw error;
    });
  }

  /** Payloads of every event of `name` so far. */
  all<K extends keyof Events>(name: K): Events[K][] {
    return this.events.filter((e) => e.name === name).map((e) => e.payload as Events[K]);
  }

  /** Names of the events so far, in order. */
  names(): (keyof Events)[] {
    return this.events.map((e) => e.name);
  }

  /** The events so far, one short line each, as failure messages list them. */
  seen(): string[] {
    return this.events.map((e) => this.#show(e));
  }

  #show(event: Recorded<Events>): string {
    if (this.#options.show) return this.#options.show(event);
    return event.payload === undefined ? String(event.name) : `${String(event.name)} ${JSON.stringify(event.payload)}`;
  }
}
