import type { ReadProgress } from '../plan/fetch-live-state.js';

/**
 * The progress line of a terminal while live state is read: list pages and plan reads done of
 * to do (account details once there are any), the read rate, and the time left at that rate.
 * A full plan of 5,000 accounts is minutes of reads at 4 requests/s (issue #16).
 */
export function renderReadProgressLine(progress: ReadProgress, elapsedMs: number): string {
  const { pages, plans, details } = progress;
  const parts: string[] = [];
  if (pages.total > 0) parts.push(`list ${pages.done}/${pages.total} page${pages.total === 1 ? '' : 's'}`);
  parts.push(plans.total === null ? 'plan reads once listed' : `plans ${plans.done}/${plans.total}`);
  if (details !== undefined) parts.push(`details ${details.done}/${details.total}`);
  const done = pages.done + plans.done + (details?.done ?? 0);
  const left =
    pages.total - pages.done + (plans.total ?? 0) - plans.done + (details ? details.total - details.done : 0);
  const rate = elapsedMs >= 1000 ? done / (elapsedMs / 1000) : 0;
  const pace =
    rate > 0
      ? ` · ${rate.toFixed(1)} reads/s · ${left > 0 ? `about ${formatDuration(left / rate)} left` : 'done'}`
      : '';
  return `reading live state: ${parts.join(', ')}${pace}`;
}

function formatDuration(seconds: number): string {
  const whole = Math.ceil(seconds);
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min ${whole % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
