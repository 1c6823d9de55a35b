/** Retry policy of the CTCT client; tests use small delays. */
export interface RetryOptions {
  /** Attempts in all, the first included; default 6. */
  maxAttempts?: number;
  /** Base of the exponential backoff; default 500 ms. */
  baseDelayMs?: number;
  /** Cap of one backoff delay; default 20 s. */
  maxDelayMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 20_000 };

/** A `Retry-After` longer than this is not waited for: the error is surfaced instead. */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * CTCT counts requests in one-second windows (https://developer.constantcontact.com/api_guide/rate_limits.html):
 * a throttled request waits at least a whole window before its backoff, so the retry meets a fresh one.
 */
export const THROTTLED_WAIT_MS = 1000;

/** What a retry waits for besides its number. */
export interface RetryCircumstances {
  /** The server's `Retry-After`, in ms. */
  retryAfterMs?: number;
  /** The failure was a 429 `throttled`. */
  throttled?: boolean;
  random?: () => number;
}

/**
 * Delay before retry number `retry` (1 for the first retry): exponential backoff with full jitter
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/), after a whole rate
 * window when throttled; or the server's `Retry-After` when it sent one. CTCT documents no
 * `Retry-After`, so it is honoured only if present.
 */
export function computeRetryDelay(
  retry: number,
  policy: Required<RetryOptions>,
  circumstances: RetryCircumstances = {},
): number {
  if (circumstances.retryAfterMs !== undefined) return circumstances.retryAfterMs;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const jitter = Math.round((circumstances.random ?? Math.random)() * ceiling);
  return (circumstances.throttled ? THROTTLED_WAIT_MS : 0) + jitter;
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
