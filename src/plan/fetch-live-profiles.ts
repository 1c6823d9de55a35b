import type { AccountType, CustomerSummary, SiteOwner } from '../ctct/ctct-types.js';
import type { DesiredAccount, LiveState, ProfileValues } from '../model.js';
import { needsProfileRead } from './compute-profile-changes.js';
import type { ReadProgress } from './fetch-live-state.js';
import { settlePooled } from './settle-pooled.js';

/** The part of the CTCT client that reading account details needs. */
export interface ProfileReader {
  listAccounts(options?: { accountType?: AccountType }): Promise<SiteOwner[]>;
  getAccountSummary(encodedAccountId: string): Promise<CustomerSummary>;
  readonly calls: { listAccounts: number; accountOperationsSync: number };
}

export interface FetchProfilesOptions {
  /** The settings' `account_type`: when `managed`, the account list already holds only managed accounts. */
  accountType: AccountType;
  /** `--changed-since`: the details each changed file declared at the base. */
  detailBaselines?: ReadonlyMap<string, ProfileValues>;
  /** Told once the summaries to read are known and after each one, with the list and plan reads as done. */
  onProgress?: (progress: ReadProgress) => void;
}

/**
 * Adds to `live` what reconciling account details needs, and only where a file declares details
 * the list cannot answer ({@link needsProfileRead}):
 * which accounts are managed (`GET /partner/accounts?account_type=managed`, skipped when the list
 * read was already managed-only), then the summary with the address through
 * account_operations/sync for each managed one. `desired` is what is being planned: the changed
 * or targeted files only in `--changed-since` and `--target` runs, whose other accounts are not
 * refreshed. Any failure is fatal, as for every live read.
 */
export async function fetchLiveProfiles(
  reader: ProfileReader,
  desired: readonly DesiredAccount[],
  live: LiveState,
  options: FetchProfilesOptions,
): Promise<LiveState> {
  const notRefreshed = new Set(live.notRefreshed);
  const byId = new Map(live.accounts.map((account) => [account.encoded_account_id, account]));
  const declaring = desired.filter((account) => {
    const id = account.encoded_account_id;
    return (
      id !== undefined &&
      byId.has(id) &&
      !notRefreshed.has(id) &&
      account.status === 'active' &&
      needsProfileRead(account, byId.get(id)?.organization_name, options.detailBaselines?.get(account.file))
    );
  });
  const calls = { ...live.calls, managed_list: 0, summary: 0 };
  if (declaring.length === 0) return { ...live, calls };

  const listBefore = reader.calls.listAccounts;
  const managedIds =
    options.accountType === 'managed'
      ? new Set(byId.keys())
      : new Set((await reader.listAccounts({ accountType: 'managed' })).map((owner) => owner.encoded_account_id));
  calls.managed_list = reader.calls.listAccounts - listBefore;

  const syncBefore = reader.calls.accountOperationsSync;
  const accounts = live.accounts.map((account) => ({ ...account }));
  const copies = new Map(accounts.map((account) => [account.encoded_account_id, account]));
  const pages = calls.list + calls.managed_list;
  const details = { done: 0, total: declaring.filter((account) => managedIds.has(account.encoded_account_id!)).length };
  const report = () =>
    options.onProgress?.({
      pages: { done: pages, total: pages },
      plans: { done: calls.plan, total: calls.plan },
      details: { ...details },
    });
  report();
  const results = await settlePooled(declaring, async (account) => {
    const copy = copies.get(account.encoded_account_id!)!;
    copy.managed = managedIds.has(copy.encoded_account_id);
    if (!copy.managed) return;
    copy.profile = await reader.getAccountSummary(copy.encoded_account_id);
    details.done++;
    report();
  });
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  calls.summary = reader.calls.accountOperationsSync - syncBefore;
  return { ...live, accounts, calls };
}
