import { sleep } from '../sleep.js';

/**
 * Margin added to CTCT's one-second window (https://developer.constantcontact.com/api_guide/rate_limits.html),
 * for clocks that tick differently on the two sides (the simulator counts with `Date.now`).
 */
export const WINDOW_MARGIN_MS = 10;

/** Share of the even spacing `1000 / rps` that two starts keep at least, so the first second is not one burst. */
const SPACING_SHARE = 0.9;

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Nominal limit in requests per second; 0 or Infinity turns pacing off. */
  requestsPerSecond: number;
  /** Monotonic clock in ms; default `performance.now`, which wall-clock changes do not move. */
  now?: () => number;
}

/** Called when the request of a slot has its answer (or has failed); until then the slot counts as in flight. */
export type ReleaseSlot = () => void;

/**
 * Paces the requests of a client so that no one-second window on the server can ever hold more
 * than `rps` of them, whatever the jitter between client and server: a request starts only
 * once the request `rps` places before it has been *answered* and a window has passed since. A
 * request reaches the server between its start and its answer, so two requests `rps` apart
 * arrive more than a window apart. Unlike a fixed headroom, this costs only the round trip
 * (a few ms on loopback), so a long run holds ≥ 0.98 of the limit with no 429.
 */
export class RateLimiter {
  /** Least time between two starts. */
  readonly intervalMs: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  /** Answer times of the last `capacity` slots, oldest at `#next`; Infinity while in flight. */
  readonly #answered: number[];
  #next = 0;
  #lastStart = Number.NEGATIVE_INFINITY;
  #queue: Promise<unknown> = Promise.resolve();
  #onRelease: (() => void) | undefined;

  constructor(options: RateLimiterOptions) {
    const rps = options.requestsPerSecond;
    if (!(rps >= 0)) throw new RangeError(`requestsPerSecond must be a number ≥ 0, got ${rps}`);
    const off = rps === 0 || rps === Number.POSITIVE_INFINITY;
    const capacity = off ? 0 : Math.ceil(rps);
    this.intervalMs = off ? 0 : (1000 / rps) * SPACING_SHARE;
    // A fractional limit (2.5/s) keeps its average over a longer window of whole requests.
    this.#windowMs = off ? 0 : (1000 * capacity) / rps + WINDOW_MARGIN_MS;
    this.#answered = new Array<number>(capacity).fill(Number.NEGATIVE_INFINITY);
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * Resolves when the caller may start one request; call it immediately before sending, and the release when answered.
   */
  acquire(): Promise<ReleaseSlot> {
    if (this.intervalMs === 0) return Promise.resolve(() => {});
    const turn = this.#queue.then(() => this.#waitForSlot());
    this.#queue = turn;
    return turn;
  }

  async #waitForSlot(): Promise<ReleaseSlot> {
    for (;;) {
      const oldest = this.#answered[this.#next]!;
      if (oldest === Number.POSITIVE_INFINITY) {
        await new Promise<void>((resolve) => (this.#onRelease = resolve));
        continue;
      }
      const wait = Math.max(this.#lastStart + this.intervalMs, oldest + this.#windowMs) - this.#now();
      if (wait <= 0) break;
      await sleep(Math.max(1, wait));
    }
    const slot = this.#next;
    this.#next = (slot + 1) % this.#answered.length;
    this.#answered[slot] = Number.POSITIVE_INFINITY;
    this.#lastStart = this.#now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#answered[slot] = this.#now();
      const wake = this.#onRelease;
      this.#onRelease = undefined;
      wake?.();
    };
  }
}
