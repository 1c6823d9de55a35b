import type { AccountType, PlanTiers, SiteOwner } from '../ctct/ctct-types.js';
import type { DesiredAccount, LiveAccount, LiveState } from '../model.js';
import { needsPlanRead } from './compute-plan.js';

/** The part of the CTCT client that reading live state needs. */
export interface LiveReader {
  listAccounts(options?: { accountType?: AccountType }): Promise<SiteOwner[]>;
  getPlan(encodedAccountId: string): Promise<PlanTiers>;
  readonly calls: { listAccounts: number; getPlan: number };
}

export interface FetchLiveOptions {
  accountType: AccountType;
  /** Files changed since a git ref (`--changed-since`); other accounts are not refreshed. */
  changedFiles?: ReadonlySet<string>;
}

/**
 * Reads live state: the account list, then GET …/plan only for accounts whose list entry cannot
 * answer what the plan needs. Any failure is fatal: a partial read is never taken as "no account".
 */
export async function fetchLiveState(reader: LiveReader, desired: readonly DesiredAccount[], options: FetchLiveOptions): Promise<LiveState> {
  const listBefore = reader.calls.listAccounts;
  const planBefore = reader.calls.getPlan;
  const owners = await reader.listAccounts({ accountType: options.accountType });
  const accounts: LiveAccount[] = owners.map(toLiveAccount);
  const byId = new Map(accounts.map((account) => [account.encoded_account_id, account]));

  const notRefreshed: string[] = [];
  const toRead: LiveAccount[] = [];
  for (const account of desired) {
    const live = account.encoded_account_id === undefined ? undefined : byId.get(account.encoded_account_id);
    if (live === undefined) continue;
    if (options.changedFiles !== undefined && !options.changedFiles.has(account.file)) notRefreshed.push(live.encoded_account_id);
    else if (needsPlanRead(account, live.billing_status)) toRead.push(live);
  }

  const results = await Promise.allSettled(toRead.map(async (live) => {
    const plan = await reader.getPlan(live.encoded_account_id);
    live.plan = { plan_type: plan.plan_type, billing_status: plan.billing_status, billing_day_of_month: plan.billing_day_of_month ?? null };
  }));
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;

  return {
    accounts,
    notRefreshed: notRefreshed.sort(),
    calls: { list: reader.calls.listAccounts - listBefore, plan: reader.calls.getPlan - planBefore },
  };
}

function toLiveAccount(owner: SiteOwner): LiveAccount {
  return {
    encoded_account_id: owner.encoded_account_id,
    billing_status: owner.billing_status,
    ...(owner.organization_name !== undefined && { organization_name: owner.organization_name }),
    ...(owner.site_owner_name !== undefined && { site_owner_name: owner.site_owner_name }),
    ...(owner.subscriber_count !== undefined && { subscriber_count: owner.subscriber_count }),
  };
}
