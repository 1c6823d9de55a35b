import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../accounts/write-file-atomic.js';
import type { LiveState } from '../model.js';

/** File under `.ctct-gitops/` where each plan records which accounts it verified, and when. */
export const VERIFICATION_FILE = 'verified.json';

/**
 * When each account was last verified against CTCT, so a run under a read budget reads the least
 * recently verified first. The drift workflow carries the file between runs in the Actions cache.
 */
export interface VerificationTimes {
  format_version: 1;
  /** Pages the last complete GET /partner/accounts took, or more when a budget cut it short. */
  list_pages: number | null;
  /** encoded_account_id → ISO-8601 time of its last verification. */
  accounts: Record<string, string>;
}

const EMPTY: VerificationTimes = { format_version: 1, list_pages: null, accounts: {} };

/** The recorded times; a missing or unreadable file is no record (every account counts as never verified). */
export async function readVerificationTimes(stateDir: string): Promise<VerificationTimes> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path.join(stateDir, VERIFICATION_FILE), 'utf8'));
  } catch {
    return { ...EMPTY, accounts: {} };
  }
  const record = value as Partial<VerificationTimes> | null;
  if (record?.format_version !== 1 || typeof record.accounts !== 'object' || record.accounts === null)
    return { ...EMPTY, accounts: {} };
  const accounts: Record<string, string> = {};
  for (const [id, at] of Object.entries(record.accounts))
    if (typeof at === 'string' && !Number.isNaN(Date.parse(at))) accounts[id] = at;
  return { format_version: 1, list_pages: typeof record.list_pages === 'number' ? record.list_pages : null, accounts };
}

/** The record after a read at `now`: the accounts it verified get `now`, the others keep theirs. */
export function computeVerificationTimes(previous: VerificationTimes, live: LiveState, now: string): VerificationTimes {
  const accounts = { ...previous.accounts };
  for (const id of live.refreshed) accounts[id] = now;
  const listPages = live.listed
    ? live.calls.list
    : live.calls.list > 0
      ? Math.max(live.calls.list + 1, previous.list_pages ?? 0)
      : previous.list_pages;
  return { format_version: 1, list_pages: listPages, accounts };
}

export async function writeVerificationTimes(stateDir: string, times: VerificationTimes): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const sorted = Object.fromEntries(Object.entries(times.accounts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  await writeFileAtomic(
    path.join(stateDir, VERIFICATION_FILE),
    `${JSON.stringify({ ...times, accounts: sorted }, null, 1)}\n`,
  );
}
