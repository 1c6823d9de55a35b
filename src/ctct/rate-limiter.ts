/**
 * Share of the nominal limit the limiter aims at. CTCT counts requests per API key in a one-second
 * window (https://developer.constantcontact.com/api_guide/rate_limits.html); a sliding window that
 * is filled exactly lets a little jitter push one request over. At 0.93, rps + 1 starts span at
 * least 1075 ms, so a request may arrive up to ~75 ms late relative to another without a 429;
 * 1.0 was throttled against the simulator, and 0.97 and 0.96 once each on a loaded machine.
 */
export const RATE_LIMIT_HEADROOM = 0.93;

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Nominal limit in requests per second; 0 or Infinity turns pacing off. */
  requestsPerSecond: number;
  /** Share of the limit to aim at; default {@link RATE_LIMIT_HEADROOM}. */
  headroom?: number;
  /** Monotonic clock in ms; default `performance.now`, which wall-clock changes do not move. */
  now?: () => number;
}

/**
 * A token bucket of capacity one shared by every request of a client: each start is at least
 * `1000 / (rps × headroom)` ms after the previous *actual* start, so no window of one second ever
 * holds more than `rps` starts, whatever the concurrency and however late timers fire. A larger
 * bucket would allow a burst that a sliding window on the server counts against the next second.
 */
export class RateLimiter {
  readonly intervalMs: number;
  readonly #now: () => number;
  #lastStart = Number.NEGATIVE_INFINITY;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: RateLimiterOptions) {
    const rps = options.requestsPerSecond;
    if (!(rps >= 0)) throw new RangeError(`requestsPerSecond must be a number ≥ 0, got ${rps}`);
    const headroom = options.headroom ?? RATE_LIMIT_HEADROOM;
    this.intervalMs = rps === 0 || rps === Number.POSITIVE_INFINITY ? 0 : 1000 / (rps * headroom);
    this.#now = options.now ?? (() => performance.now());
  }

  /** Resolves when the caller may start one request; call it immediately before sending. */
  acquire(): Promise<void> {
    if (this.intervalMs === 0) return Promise.resolve();
    const turn = this.#queue.then(() => this.#waitForSlot());
    this.#queue = turn;
    return turn;
  }

  async #waitForSlot(): Promise<void> {
    for (;;) {
      const wait = this.#lastStart + this.intervalMs - this.#now();
      if (wait <= 0) break;
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, wait)));
    }
    this.#lastStart = this.#now();
  }
}
