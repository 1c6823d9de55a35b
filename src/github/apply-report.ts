import { OperationalError } from '../errors.js';

/** What became of one change in an apply run. */
export interface ApplyOutcome {
  action: string;
  login_name: string | null;
  encoded_account_id: string | null;
  file: string | null;
  status: 'applied' | 'failed' | 'skipped';
  error?: string;
}

/** The report `apply --report` writes (format_version 1). */
export interface ApplyReport {
  format_version: 1;
  fingerprint: string;
  summary: { applied: number; failed: number; skipped: number };
  outcomes: ApplyOutcome[];
  /** Account files apply rewrote, e.g. to record the `encoded_account_id` of a created account. */
  files_written: string[];
}

const STATUSES = new Set(['applied', 'failed', 'skipped']);

/** Checks a parsed report file field by field rather than trusting its shape. */
export function parseApplyReport(value: unknown, source: string): ApplyReport {
  const fail = (what: string): never => {
    throw new OperationalError(`${source}: not an apply report (${what})`);
  };
  if (!isRecord(value)) return fail('not a JSON object');
  if (value.format_version !== 1) fail('format_version is not 1');
  if (typeof value.fingerprint !== 'string') fail('no fingerprint');
  const summary = isRecord(value.summary) ? value.summary : fail('no summary');
  for (const key of ['applied', 'failed', 'skipped']) {
    if (!Number.isInteger(summary[key]) || (summary[key] as number) < 0) fail(`summary.${key} is not a count`);
  }
  const outcomes = Array.isArray(value.outcomes) ? value.outcomes : fail('no outcomes');
  const parsed = outcomes.map((o: unknown, i): ApplyOutcome => {
    if (!isRecord(o)) return fail(`outcomes[${i}] is not an object`);
    if (typeof o.action !== 'string') fail(`outcomes[${i}].action is not a string`);
    if (typeof o.status !== 'string' || !STATUSES.has(o.status)) fail(`outcomes[${i}].status is not applied, failed or skipped`);
    for (const key of ['login_name', 'encoded_account_id', 'file', 'error']) {
      if (o[key] !== undefined && o[key] !== null && typeof o[key] !== 'string') fail(`outcomes[${i}].${key} is not a string`);
    }
    return {
      action: o.action as string,
      login_name: (o.login_name as string | undefined) ?? null,
      encoded_account_id: (o.encoded_account_id as string | undefined) ?? null,
      file: (o.file as string | undefined) ?? null,
      status: o.status as ApplyOutcome['status'],
      ...(typeof o.error === 'string' ? { error: o.error } : {}),
    };
  });
  const written = value.files_written ?? [];
  if (!Array.isArray(written) || written.some((f) => typeof f !== 'string')) fail('files_written is not a list of paths');
  return {
    format_version: 1,
    fingerprint: value.fingerprint as string,
    summary: { applied: summary.applied as number, failed: summary.failed as number, skipped: summary.skipped as number },
    outcomes: parsed,
    files_written: written as string[],
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
