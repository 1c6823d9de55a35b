import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../accounts/write-file-atomic.js';
import type { CtctOperation } from '../ctct/ctct-client.js';
import { type AppliedChange, isAppliedChange, type Plan } from '../model.js';
import { computeCreatePlan } from './apply-plan.js';

/** File under `.ctct-gitops/` with the partner API calls this tool made per API key and UTC day. */
export const DAILY_CALLS_FILE = 'daily-calls.json';

/**
 * Calls made today, by key fingerprint. CTCT's daily quota resets at UTC 00:00:00
 * (rate_limits.html, /work/shared/ctct/API-NOTES.md line 121), so only today's count is kept.
 */
interface DailyCalls {
  format_version: 1;
  /** SHA-256 of the API key, first 16 hex digits: never the key itself. */
  keys: Record<string, { day: string; calls: number }>;
}

const utcDay = (now: Date) => now.toISOString().slice(0, 10);
const fingerprint = (apiKey: string) => createHash('sha256').update(apiKey).digest('hex').slice(0, 16);

async function readRecord(stateDir: string): Promise<DailyCalls> {
  try {
    const value = JSON.parse(await readFile(path.join(stateDir, DAILY_CALLS_FILE), 'utf8')) as Partial<DailyCalls>;
    if (value?.format_version === 1 && typeof value.keys === 'object' && value.keys !== null)
      return { format_version: 1, keys: value.keys };
  } catch {
    // missing or unreadable: no calls known
  }
  return { format_version: 1, keys: {} };
}

/** Calls this tool made today (UTC) with `apiKey`, as recorded; 0 when nothing is recorded for today. */
export async function readDailyCalls(stateDir: string, apiKey: string, now = new Date()): Promise<number> {
  const entry = (await readRecord(stateDir)).keys[fingerprint(apiKey)];
  return entry?.day === utcDay(now) && Number.isInteger(entry.calls) && entry.calls >= 0 ? entry.calls : 0;
}

/** Adds `calls` to today's count of `apiKey`; a count of an earlier day is replaced. */
export async function writeDailyCalls(
  stateDir: string,
  apiKey: string,
  calls: number,
  now = new Date(),
): Promise<void> {
  if (calls === 0) return;
  const record = await readRecord(stateDir);
  const today = utcDay(now);
  const earlier = await readDailyCalls(stateDir, apiKey, now);
  record.keys[fingerprint(apiKey)] = { day: today, calls: earlier + calls };
  await mkdir(stateDir, { recursive: true });
  await writeFileAtomic(path.join(stateDir, DAILY_CALLS_FILE), `${JSON.stringify(record, null, 1)}\n`);
}

/** Partner API calls the client made; the token endpoint is not the partner API and is left out. */
export function countApiCalls(calls: Readonly<Record<CtctOperation, number>>): number {
  return Object.entries(calls).reduce((sum, [operation, count]) => (operation === 'token' ? sum : sum + count), 0);
}

/** The fewest calls a change needs when nothing fails; retries and resolving an unknown create come on top. */
export function computeChangeCalls(change: AppliedChange): number {
  switch (change.action) {
    case 'create':
      return computeCreatePlan(change.after) === null ? 1 : 2; // POST, then PUT …/plan unless TRIAL
    case 'update_profile': {
      const { physical_address, ...fields } = change.after;
      return (Object.keys(fields).length > 0 ? 1 : 0) + (physical_address ? 1 : 0);
    }
    default:
      return 1;
  }
}

/**
 * The changes apply must not start because their calls would pass what is left of the daily
 * quota, with the reason. Taken in apply's order (creates, plan changes, details, SSO users,
 * cancels); a change that does not fit is refused and a later, cheaper one may still fit. The
 * SSO users of a refused create are refused with it, at no cost.
 */
export function computeQuotaRefusals(plan: Plan, quota: { limit: number; used: number }): Map<AppliedChange, string> {
  const order: AppliedChange['action'][] = [
    'create',
    'update',
    'reactivate',
    'update_profile',
    'create_sso_user',
    'cancel',
  ];
  const changes = plan.changes
    .filter(isAppliedChange)
    .map((change, index) => ({ change, index }))
    .sort((a, b) => order.indexOf(a.change.action) - order.indexOf(b.change.action) || a.index - b.index)
    .map(({ change }) => change);
  const refused = new Map<AppliedChange, string>();
  const refusedFiles = new Set<string>();
  let left = quota.limit - quota.used;
  for (const change of changes) {
    const needs = computeChangeCalls(change);
    if (change.action === 'create_sso_user' && change.encoded_account_id === null && refusedFiles.has(change.file)) {
      refused.set(change, `not attempted: the create of its account was refused for the daily quota`);
      continue;
    }
    if (needs <= left) {
      left -= needs;
      continue;
    }
    if (change.action === 'create') refusedFiles.add(change.file);
    refused.set(
      change,
      `not attempted: it needs ${needs} API call${needs === 1 ? '' : 's'} and ${Math.max(left, 0)} ` +
        `of the daily quota of ${quota.limit} are left (${quota.used} made today, UTC, with this API key; ` +
        'daily_quota in ctct-gitops.yaml); apply again after 00:00 UTC',
    );
  }
  return refused;
}
