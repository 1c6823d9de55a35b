import { sleep } from '../sleep.js';
import { computeRetryDelay, MAX_RETRY_AFTER_MS, type RetryCircumstances, type RetryOptions } from './retry-delay.js';

/** What one attempt came to, as its caller classifies it; a final failure is thrown by the attempt itself. */
export type AttemptOutcome<T> =
  | { kind: 'done'; value: T }
  /** Worth another attempt after a backoff, unless the attempts are spent or `Retry-After` is too long. */
  | { kind: 'retry'; what: string; circumstances: RetryCircumstances; giveUp: () => Error }
  /** Worth another attempt at once, whatever the count (a fresh token after a 401). */
  | { kind: 'retry-now'; what: string };

/** A retry as {@link retryRequest} announces it. */
export type RetryOutcome = Exclude<AttemptOutcome<unknown>, { kind: 'done' }>;

/**
 * The retry loop of the CTCT client and of the token provider: runs `attempt` (numbered from 1) until it is done,
 * waits {@link computeRetryDelay} between attempts, and throws the attempt's `giveUp` error once
 * `policy.maxAttempts` attempts are spent or the server asks to wait longer than {@link MAX_RETRY_AFTER_MS}.
 * `onRetry` hears each retry before its wait (0 for `retry-now`), with what caused it.
 */
export async function retryRequest<T>(
  policy: Required<RetryOptions>,
  attempt: (attempt: number) => Promise<AttemptOutcome<T>>,
  onRetry: (attempt: number, delayMs: number, outcome: RetryOutcome) => void,
): Promise<T> {
  for (let n = 1; ; n++) {
    const outcome = await attempt(n);
    if (outcome.kind === 'done') return outcome.value;
    if (outcome.kind === 'retry-now') {
      onRetry(n, 0, outcome);
      continue;
    }
    const { circumstances } = outcome;
    if (n >= policy.maxAttempts || (circumstances.retryAfterMs ?? 0) > MAX_RETRY_AFTER_MS) throw outcome.giveUp();
    const delay = computeRetryDelay(n, policy, circumstances);
    onRetry(n, delay, outcome);
    await sleep(delay);
  }
}
