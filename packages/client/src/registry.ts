import { Channel, channelId, type ChannelSpec } from "./channel.js";
import type { TransferCounts } from "./client.js";
import { RealtimeError } from "./errors.js";
import { byteCount } from "./options.js";
import type { StandardSchemaV1 } from "./schema.js";

/** Options of `client.channel()`. Both peers must declare a channel with the same name and options. */
export interface ChannelOptions<T = unknown> {
  /**
   * Whether messages arrive in the order sent.
   * @default true
   */
  ordered?: boolean;
  /**
   * How often a lost message is sent again before it is given up (unreliable
   * channel). Not with `maxPacketLifeTime`.
   * @default undefined (reliable)
   */
  maxRetransmits?: number;
  /**
   * Milliseconds a lost message is sent again for before it is given up
   * (unreliable channel). Not with `maxRetransmits`.
   * @default undefined (reliable)
   */
  maxPacketLifeTime?: number;
  /**
   * The largest message accepted from a peer on this channel, in bytes (see
   * the client's `maxMessageSize`).
   * @default the client's `maxMessageSize`
   */
  maxMessageSize?: number;
  /**
   * A Standard Schema (zod, valibot, arktype, ...) every received message
   * must pass: one that fails is dropped with an `INVALID_PEER_MESSAGE`
   * error. Messages are delivered as the schema outputs them.
   * @default undefined (no validation; `data` is typed `T` on trust)
   */
  schema?: StandardSchemaV1<unknown, T>;
}

/** The default channel: what `client.send` and the client's `message` event use. */
export const DEFAULT_CHANNEL: ChannelSpec = { name: "realtime", id: 0, ordered: true };

interface RegistryOptions {
  /** The client's `maxMessageSize`, for channels without their own. */
  maxMessageSize: number;
  /** The client's `schema`, the default channel's. */
  schema: StandardSchemaV1 | undefined;
  error(error: RealtimeError): void;
  /** A channel was declared: every peer creates it on its connections. */
  added(spec: ChannelSpec): void;
  /** A channel was closed: every peer closes it. */
  removed(name: string): void;
}

/** The channels of one client, by name, each made on every peer connection. */
export class ChannelRegistry {
  readonly default: Channel;
  readonly #channels = new Map<string, Channel<never>>();
  readonly #options: RegistryOptions;
  #closed = false;

  constructor(options: RegistryOptions) {
    this.#options = options;
    this.default = new Channel({
      spec: DEFAULT_CHANNEL,
      maxMessageSize: options.maxMessageSize,
      schema: options.schema,
      context: { error: options.error, closed: () => undefined },
    });
    this.#channels.set(DEFAULT_CHANNEL.name, this.default as Channel<never>);
  }

  /** Every channel's spec, the default one first. */
  specs(): ChannelSpec[] {
    return [...this.#channels.values()].map((channel) => channel.spec);
  }

  get(name: string): Channel<never> | undefined {
    return this.#channels.get(name);
  }

  /** Declares a named channel; throws `CHANNEL_CONFLICT` for a name taken, or an id another name has. */
  declare<T>(name: string, options: ChannelOptions<T> = {}): Channel<T> {
    const { ordered = true, maxRetransmits, maxPacketLifeTime, schema } = options;
    if (maxRetransmits !== undefined && maxPacketLifeTime !== undefined) {
      throw new TypeError("`maxRetransmits` or `maxPacketLifeTime`, not both");
    }
    for (const [key, value] of Object.entries({ maxRetransmits, maxPacketLifeTime })) {
      if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 65_535)) {
        throw new RangeError(`\`${key}\` must be a whole number from 0 to 65535, got ${value}`);
      }
    }
    const id = channelId(name);
    for (const channel of this.#channels.values()) {
      if (channel.name === name || channel.spec.id === id) {
        throw new RealtimeError(
          "CHANNEL_CONFLICT",
          channel.name === name ? `channel "${name}" is declared already` : `channel "${name}" has the id of "${channel.name}" (${id}): rename one`,
        );
      }
    }
    const spec: ChannelSpec = { name, id, ordered, maxRetransmits, maxPacketLifeTime };
    const channel: Channel<T> = new Channel<T>({
      spec,
      maxMessageSize: byteCount("maxMessageSize", options.maxMessageSize, this.#options.maxMessageSize),
      schema,
      context: {
        error: this.#options.error,
        closed: () => {
          this.#channels.delete(name);
          this.#options.removed(name);
        },
      },
    });
    this.#channels.set(name, channel as unknown as Channel<never>);
    this.#options.added(spec);
    // Declared on a closed client: closed at once, so it holds no handler either.
    if (this.#closed) channel.close();
    return channel;
  }

  /** Closes every channel, the default one too (see `Channel.close`), and any declared later. */
  close(): void {
    this.#closed = true;
    // Deleting the entry being visited is safe in a Map iteration.
    for (const channel of this.#channels.values()) channel.close();
  }

  /** Live transfers and their bytes across every channel. */
  stats(): TransferCounts {
    const total = { transfers: 0, sendBuffered: 0, receiveBuffered: 0 };
    for (const channel of this.#channels.values()) {
      const stats = channel.stats();
      total.transfers += stats.transfers;
      total.sendBuffered += stats.sendBuffered;
      total.receiveBuffered += stats.receiveBuffered;
    }
    return total;
  }
}
