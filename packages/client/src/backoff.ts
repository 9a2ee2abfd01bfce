/** How the reconnect loop spaces its attempts (see `RTCClientOptions.reconnect`). */
export interface BackoffOptions {
  /** The cap of the first attempt's delay, in ms. */
  initialDelay: number;
  /** No delay is longer than this, in ms. */
  maxDelay: number;
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first): exponential
 * backoff with full jitter, `random(0, min(maxDelay, initialDelay * 2^attempt))`.
 *
 * Why full jitter: when a server restarts, every client lost it at the same
 * instant; without jitter they would all come back in the same millisecond,
 * again and again. Drawing the whole delay at random spreads them evenly.
 *
 * `random` returns a number in [0, 1), like `Math.random` (the default).
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  // Delays are at most 2^31-1 ms, so from 2^31 on the doubling changes
  // nothing; stopping there also keeps 0 * 2^attempt from becoming
  // 0 * Infinity = NaN once 2^attempt overflows.
  const ceiling = Math.min(options.maxDelay, options.initialDelay * 2 ** Math.min(attempt, 31));
  return Math.floor(random() * ceiling);
}
