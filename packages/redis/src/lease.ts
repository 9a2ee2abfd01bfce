import type { Redis } from "ioredis";
import type { ResolvedRedisOptions } from "./options.js";
import { SWEEP } from "./scripts.js";
import type { RedisCounters } from "./stats.js";

type Sweeping = Redis & { rtSweep(prefix: string, dead: string): Promise<number> };

/** What a {@link Lease} tells its adapter. */
export interface LeaseEvents {
  /** The lease was gone when renewed: Redis restarted, or the others swept this node. */
  lost(): Promise<void>;
  /** A renewal went through (after `lost`, if it was); the adapter catches up on what waited for Redis. */
  renewed(): Promise<void>;
  error(error: unknown): void;
}

/**
 * This node's presence: a key that expires after `lease` ms, renewed every
 * third of it, and on each renewal a sweep of the nodes whose key is gone.
 */
export class Lease {
  readonly #redis: Sweeping;
  readonly #options: ResolvedRedisOptions;
  readonly #counters: RedisCounters;
  readonly #events: LeaseEvents;
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;

  constructor(redis: Redis, options: ResolvedRedisOptions, counters: RedisCounters, events: LeaseEvents) {
    redis.defineCommand("rtSweep", { numberOfKeys: 0, lua: SWEEP });
    this.#redis = redis as Sweeping;
    this.#options = options;
    this.#counters = counters;
    this.#events = events;
  }

  /** Takes the lease and starts renewing it. */
  async start(): Promise<void> {
    await this.renew();
    this.#timer = setInterval(() => void this.#tick(), Math.floor(this.#options.lease / 3));
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Gives the lease up and forgets the node (it holds no member); a failure is logged, not thrown. */
  async release(): Promise<void> {
    const { prefix, nodeId, logger } = this.#options;
    try {
      await this.#redis.multi().del(`${prefix}node:${nodeId}`).srem(`${prefix}nodes`, nodeId).exec();
    } catch (error) {
      logger.warn({ err: error, node: nodeId }, "could not give the lease up; it expires by itself");
    }
  }

  /** Renews the lease; answers whether it had been lost. */
  async renew(): Promise<boolean> {
    const { prefix, nodeId, lease } = this.#options;
    const [[setError, previous] = [], [addError] = []] =
      (await this.#redis.multi().set(`${prefix}node:${nodeId}`, "1", "PX", lease, "GET").sadd(`${prefix}nodes`, nodeId).exec()) ?? [];
    if (setError || addError) throw setError ?? addError;
    return previous === null;
  }

  /** One renewal: the lease, then the members Redis lost if it was gone, then the sweep of dead nodes. */
  async #tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      if (await this.renew()) await this.#events.lost();
      await this.#events.renewed();
      await this.#sweep();
    } catch (error) {
      // Redis out of reach is reported once, by the adapter; anything else is news.
      if (this.#redis.status === "ready") this.#events.error(error);
      else this.#options.logger.debug({ err: error }, "lease renewal failed: Redis out of reach");
    } finally {
      this.#ticking = false;
    }
  }

  async #sweep(): Promise<void> {
    const { prefix, nodeId } = this.#options;
    const nodes = await this.#redis.smembers(`${prefix}nodes`);
    for (const node of nodes) {
      if (node === nodeId) continue;
      const removed = await this.#redis.rtSweep(prefix, node);
      if (removed > 0) {
        this.#counters.swept += removed;
        this.#options.logger.warn({ node, removed }, "swept the members of a node whose lease ran out");
      }
    }
  }
}
