import type { ApplyReport, Outcome, ProgressEvent } from '../apply/apply-plan.js';
import { ACTION_LABELS } from './describe-change.js';
import { escapeControl } from './escape-control.js';

const STATUS_MARK = { applied: '✓', failed: '✗', skipped: '–' } as const;

/** One log line for a finished change (CI and other non-terminals). */
export function renderOutcomeLine(outcome: Outcome): string {
  const name = outcome.login_name ?? outcome.encoded_account_id ?? outcome.file ?? '';
  const id = outcome.encoded_account_id !== null && outcome.login_name !== null ? ` (${outcome.encoded_account_id})` : '';
  const error = outcome.error !== undefined ? `: ${outcome.error}` : '';
  return `${STATUS_MARK[outcome.status]} ${ACTION_LABELS[outcome.action].verb} ${escapeControl(`${name}${id}`)} ${outcome.status}${escapeControl(error)}`;
}

/** The live progress line of a terminal: done/total, failures, rate and time left. */
export function renderProgressLine(event: ProgressEvent, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? event.done / (elapsedMs / 1000) : 0;
  const eta = rate > 0 ? Math.ceil((event.total - event.done) / rate) : 0;
  return `applying ${event.done}/${event.total} · ${event.failed} failed · ${rate.toFixed(1)} changes/s · about ${eta} s left`;
}

/** The closing summary of an apply. */
export function renderApplySummary(report: ApplyReport): string {
  const lines = [`Apply: ${report.summary.applied} applied, ${report.summary.failed} failed, ${report.summary.skipped} skipped.`];
  const failed = report.outcomes.filter((outcome) => outcome.status !== 'applied');
  if (failed.length > 0) lines.push(...failed.map((outcome) => `  ${renderOutcomeLine(outcome)}`));
  const written = writtenFields(report);
  if (written.length > 0) {
    lines.push(`Written into ${written.length} account file${written.length === 1 ? '' : 's'} (commit ${written.length === 1 ? 'it' : 'them'}):`, ...written.map(({ file, field }) => `  ${escapeControl(file)}: ${field}`));
  }
  return lines.join('\n') + '\n';
}

/**
 * What apply wrote into each file: a cancellation that takes effect later records
 * `cancel.requested_at`; a create (this run's or a recovered one) records its `encoded_account_id`.
 */
export function writtenFields(report: { outcomes: readonly { action: string; file: string | null }[]; files_written: readonly string[] }): { file: string; field: 'encoded_account_id' | 'cancel.requested_at' }[] {
  const cancelled = new Set(report.outcomes.filter((outcome) => outcome.action === 'cancel').map((outcome) => outcome.file));
  return report.files_written.map((file) => ({ file, field: cancelled.has(file) ? 'cancel.requested_at' : 'encoded_account_id' }));
}
