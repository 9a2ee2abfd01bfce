/** What {@link TokenBucket.take} decides for one frame. */
export type RateVerdict = "ok" | "over" | "abuse";

/**
 * A per-connection token bucket: `burst` frames at once, refilled at
 * `perSecond`. A frame over the limit still takes a token, driving the
 * bucket into debt; the debt refills like the rest. A connection that goes
 * `burst` frames into debt is not a client catching up but one ignoring the
 * `RATE_LIMITED` it was sent: the verdict is `"abuse"` and the server closes it.
 * Two numbers and a timestamp per connection; no timer.
 */
export class TokenBucket {
  readonly #perMs: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;

  constructor(perSecond: number, burst: number, now: number) {
    this.#perMs = perSecond / 1000;
    this.#burst = burst;
    this.#tokens = burst;
    this.#at = now;
  }

  take(now: number): RateVerdict {
    // Whole tokens only, the remainder of the time carried over: the count
    // of frames let through or refused is exact, not a float's rounding.
    const earned = Math.floor((now - this.#at) * this.#perMs);
    if (earned > 0) {
      this.#tokens = Math.min(this.#burst, this.#tokens + earned);
      this.#at = this.#tokens === this.#burst ? now : this.#at + earned / this.#perMs;
    }
    this.#tokens -= 1;
    if (this.#tokens >= 0) return "ok";
    return this.#tokens <= -this.#burst ? "abuse" : "over";
  }
}
