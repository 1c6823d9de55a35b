import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimiter, WINDOW_MARGIN_MS } from '../../src/ctct/rate-limiter.js';
import { computeRetryDelay, DEFAULT_RETRY, parseRetryAfter, THROTTLED_WAIT_MS } from '../../src/ctct/retry-delay.js';
import { readJwtExpiry } from '../../src/ctct/token-provider.js';

describe('RateLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts a request only a window after the request rps places before it was answered', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 4, now: () => Date.now() });
    const starts: number[] = [];
    const answers: number[] = [];
    // Each request is answered 30 ms after it starts: the server sees it somewhere in between.
    const all = Array.from({ length: 20 }, () =>
      limiter.acquire().then(async (release) => {
        starts.push(Date.now());
        await new Promise((resolve) => setTimeout(resolve, 30));
        answers.push(Date.now());
        release();
      }),
    );
    await vi.runAllTimersAsync();
    await Promise.all(all);

    expect(starts).toHaveLength(20);
    for (let i = 4; i < starts.length; i++)
      expect(starts[i]! - answers[i - 4]!).toBeGreaterThanOrEqual(1000 + WINDOW_MARGIN_MS);
    for (let i = 1; i < starts.length; i++)
      expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(Math.floor(limiter.intervalMs));
    // Close to the limit: 16 more requests after the first window take about 4 windows plus the round trips.
    expect(starts[19]! - starts[3]!).toBeLessThanOrEqual(4 * (1000 + WINDOW_MARGIN_MS + 30) + 10);
  });

  it('waits for an unanswered request however long it takes', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 2, now: () => Date.now() });
    const first = await limiter.acquire();
    const second = limiter.acquire();
    await vi.advanceTimersByTimeAsync(1000);
    (await second)();
    let third = false;
    void limiter.acquire().then(() => (third = true));
    await vi.advanceTimersByTimeAsync(5000);
    expect(third).toBe(false);
    first();
    await vi.advanceTimersByTimeAsync(1000 + WINDOW_MARGIN_MS);
    expect(third).toBe(true);
  });

  it('measures from the last actual start, so a late caller does not get a burst', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 4, now: () => Date.now() });
    (await limiter.acquire())();
    vi.advanceTimersByTime(100);
    const late = limiter.acquire().then(() => Date.now());
    await vi.runAllTimersAsync();
    expect((await late) - 1_000_000).toBeGreaterThanOrEqual(Math.ceil(limiter.intervalMs));
  });

  it('does not wait at all when the limit is 0', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 0, now: () => Date.now() });
    await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire()]);
    expect(Date.now()).toBe(1_000_000);
  });
});

describe('retry delay', () => {
  it('grows exponentially under full jitter, capped, and waits a whole window more when throttled', () => {
    const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    const high = () => 0.999;
    expect(computeRetryDelay(1, policy, { random: high })).toBe(100);
    expect(computeRetryDelay(3, policy, { random: high })).toBe(400);
    expect(computeRetryDelay(9, policy, { random: high })).toBe(999);
    expect(computeRetryDelay(3, policy, { random: () => 0 })).toBe(0);
    expect(computeRetryDelay(2, policy, { random: () => 0.5, throttled: true })).toBe(THROTTLED_WAIT_MS + 100);
    expect(computeRetryDelay(3, policy, { retryAfterMs: 2500, throttled: true })).toBe(2500);
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(5000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('readJwtExpiry', () => {
  it('reads exp from a JWT and nothing from other strings', () => {
    const payload = Buffer.from(JSON.stringify({ exp: 1591105488, iat: 1591101888 })).toString('base64url');
    expect(readJwtExpiry(`eyJhbGciOiJIUzI1NiJ9.${payload}.sig`)).toBe(1591105488);
    expect(readJwtExpiry('opaque-token')).toBeUndefined();
    expect(readJwtExpiry('a.!!!.c')).toBeUndefined();
  });
});
