import type { ApplyReport, Outcome, ProgressEvent } from '../apply/apply-plan.js';
import { ACTION_LABELS } from './describe-change.js';
import { escapeControl } from './escape-control.js';

const STATUS_MARK = { applied: '✓', failed: '✗', skipped: '–' } as const;

/** One log line for a finished change (CI and other non-terminals). */
export function renderOutcomeLine(outcome: Outcome): string {
  const name = outcome.login_name ?? outcome.encoded_account_id ?? outcome.file ?? '';
  const id =
    outcome.encoded_account_id !== null && outcome.login_name !== null ? ` (${outcome.encoded_account_id})` : '';
  const user = outcome.sso_user !== undefined ? `${outcome.sso_user} in ` : '';
  const error = outcome.error !== undefined ? `: ${outcome.error}` : '';
  return (
    `${STATUS_MARK[outcome.status]} ${ACTION_LABELS[outcome.action].verb} ` +
    `${escapeControl(`${user}${name}${id}`)} ${outcome.status}${escapeControl(error)}`
  );
}

/** The live progress line of a terminal: done/total, failures, rate and time left. */
export function renderProgressLine(event: ProgressEvent, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? event.done / (elapsedMs / 1000) : 0;
  const eta = rate > 0 ? Math.ceil((event.total - event.done) / rate) : 0;
  return (
    `applying ${event.done}/${event.total} · ${event.failed} ` +
    `failed · ${rate.toFixed(1)} changes/s · about ${eta} s left`
  );
}

/** The closing summary of an apply. */
export function renderApplySummary(report: ApplyReport): string {
  const lines = [
    `Apply: ${report.summary.applied} applied, ${report.summary.failed} failed, ${report.summary.skipped} skipped.`,
  ];
  const failed = report.outcomes.filter((outcome) => outcome.status !== 'applied');
  if (failed.length > 0) lines.push(...failed.map((outcome) => `  ${renderOutcomeLine(outcome)}`));
  const written = writtenFields(report);
  if (written.length > 0) {
    lines.push(
      `Written into ${written.length} account file${written.length === 1 ? '' : 's'} ` +
        `(commit ${written.length === 1 ? 'it' : 'them'}):`,
      ...written.map(({ file, field }) => `  ${escapeControl(file)}: ${field}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** After an apply limited with --target, Terraform's "Applied changes may be incomplete". */
export function renderTargetedApplyWarning(targets: readonly string[]): string {
  return (
    `Warning: applied changes may be incomplete: the plan was limited with ` +
    `--target ${targets.map((target) => escapeControl(target)).join(', ')}, ` +
    `so other files may ask for changes not applied; run ctct-gitops plan to see whether any remain.\n`
  );
}

/**
 * What apply wrote into each file: a cancellation that takes effect later records
 * `cancel.requested_at`; a created SSO user its `created_at`; a create (this run's or a recovered
 * one) its `encoded_account_id`.
 */
export function writtenFields(report: {
  outcomes: readonly { action: string; file: string | null; status: string }[];
  files_written: readonly string[];
}): { file: string; field: string }[] {
  const fieldsOf = (file: string): string[] => {
    const actions = new Set(
      report.outcomes
        .filter((outcome) => outcome.file === file && outcome.status !== 'skipped')
        .map((outcome) => outcome.action),
    );
    const fields = [
      ...(actions.has('create') || (!actions.has('cancel') && !actions.has('create_sso_user'))
        ? ['encoded_account_id']
        : []),
      ...(actions.has('cancel') ? ['cancel.requested_at'] : []),
      ...(actions.has('create_sso_user') ? ['sso_users[].created_at'] : []),
    ];
    return fields;
  };
  return report.files_written.map((file) => ({ file, field: fieldsOf(file).join(', ') }));
}
