import type { SimulatorStats } from './simulator.js';
import { answerQuotaExceeded, answerThrottled, type SimResponse } from './sim-response.js';

/** Outcome of asking the limiter whether a request may proceed. */
export type RateDecision = 'accepted' | 'throttled' | 'quota_exceeded';

const DAY_MS = 86_400_000;

interface KeyUsage {
  /** Accept times (ms) within the last second, oldest first. */
  window: number[];
  day: number;
  usedToday: number;
}

/**
 * CTCT's two limits per API key (https://developer.constantcontact.com/api_guide/rate_limits.html):
 * requests per second, and a daily quota that resets at 00:00:00 UTC. Only accepted requests
 * count toward either; a rejected request consumes nothing, so a client that backs off after a
 * 429 is not punished for the 429 itself.
 */
export class RateLimiter {
  private readonly usage = new Map<string, KeyUsage>();

  constructor(
    private readonly requestsPerSecond: number,
    private readonly dailyQuota: number,
  ) {}

  check(key: string, nowMs: number): RateDecision {
    const day = Math.floor(nowMs / DAY_MS);
    let usage = this.usage.get(key);
    if (!usage) {
      usage = { window: [], day, usedToday: 0 };
      this.usage.set(key, usage);
    }
    if (usage.day !== day) {
      usage.day = day;
      usage.usedToday = 0;
    }
    if (this.dailyQuota > 0 && usage.usedToday >= this.dailyQuota) return 'quota_exceeded';
    if (this.requestsPerSecond > 0) {
      while (usage.window.length > 0 && (usage.window[0] as number) <= nowMs - 1000) usage.window.shift();
      if (usage.window.length >= this.requestsPerSecond) return 'throttled';
      usage.window.push(nowMs);
    }
    usage.usedToday += 1;
    return 'accepted';
  }
}

const MAX_ACCEPTED_TIMES = 100_000;

/**
 * The 429 a partner request meets at CTCT's gateway (`throttled` or `quota_exceeded`), counted in
 * `stats`; undefined when it is accepted, its time then kept in `stats.acceptedAt`.
 */
export function answerRateLimited(
  limiter: RateLimiter,
  stats: SimulatorStats,
  apiKey: string,
  nowMs: number,
): SimResponse | undefined {
  const decision = limiter.check(apiKey, nowMs);
  if (decision === 'throttled') {
    stats.throttled += 1;
    return answerThrottled();
  }
  if (decision === 'quota_exceeded') {
    stats.quotaExceeded += 1;
    return answerQuotaExceeded();
  }
  stats.acceptedAt.push(nowMs);
  if (stats.acceptedAt.length > MAX_ACCEPTED_TIMES * 1.5)
    stats.acceptedAt.splice(0, stats.acceptedAt.length - MAX_ACCEPTED_TIMES);
  return undefined;
}
