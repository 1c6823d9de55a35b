import { CtctApiError, ReadBudgetSpentError } from '../ctct/ctct-api-error.js';
import type { AccountType, PlanTiers, SiteOwner } from '../ctct/ctct-types.js';
import type { DesiredAccount, LiveAccount, LiveState, NotRefreshed } from '../model.js';
import { needsPlanRead } from './compute-plan.js';
import { settlePooled } from './settle-pooled.js';

/** The part of the CTCT client that reading live state needs. */
export interface LiveReader {
  listAccounts(options?: { accountType?: AccountType; onPage?: (pages: number) => void }): Promise<SiteOwner[]>;
  getPlan(encodedAccountId: string): Promise<PlanTiers>;
  readonly calls: { listAccounts: number; getPlan: number };
}

/** How far reading live state has got, for a progress line; each count is `done` of `total`. */
export interface ReadProgress {
  /**
   * Pages of GET /partner/accounts; `total` is an estimate (the last full read's pages, else files / 50) until the last
   * page.
   */
  pages: { done: number; total: number };
  /** GET …/plan reads; `total` is null until the list has told which accounts need one. */
  plans: { done: number; total: number | null };
  /** Account summaries read through sync (fetchLiveProfiles), once their number is known. */
  details?: { done: number; total: number };
}

/** An account whose file was removed since the base ref, named by the id the file had there. */
export interface RemovedAccount {
  encoded_account_id: string;
  /** The removed file, relative to the working directory. */
  file: string;
  organization_name?: string;
}

export interface FetchLiveOptions {
  accountType: AccountType;
  /**
   * Account files to refresh (`--changed-since`, `--target`); undefined refreshes every file (a
   * full plan). With a scope no list is read: each file of the scope that names an
   * `encoded_account_id` is read with its own GET …/plan, and a create needs no read.
   */
  scope?: ReadonlySet<string>;
  /** Accounts whose files were removed since the base ref: read by id, so the plan shows them (as orphans). */
  removed?: readonly RemovedAccount[];
  /**
   * Most partner API calls for reading (`--max-api-calls`); the reader must refuse calls beyond it
   * with {@link ReadBudgetSpentError}, retries included. Accounts the budget leaves out are not
   * refreshed; the least recently verified are read first.
   */
  maxCalls?: number;
  /** When each account id was last verified against CTCT (ISO-8601), from `.ctct-gitops/verified.json`. */
  verifiedAt?: ReadonlyMap<string, string>;
  /** List pages the last full read needed: with a budget, a list that cannot fit is not started. */
  lastListPages?: number;
  /** Told after each list page and each plan read. */
  onProgress?: (progress: ReadProgress) => void;
}

/** Accounts per page of GET /partner/accounts (partner subset spec, `limit` maximum 50). */
const PAGE_SIZE = 50;

/**
 * Reads live state. A full plan lists every account, then GETs …/plan only where the list's
 * `billing_status` cannot answer; a scoped plan reads only the accounts of its scope, one GET
 * each. Any failure is fatal: a partial read is never taken as "no account". Only the budget
 * leaves accounts unread on purpose, and each one is named in `notRefreshed`.
 */
export async function fetchLiveState(
  reader: LiveReader,
  desired: readonly DesiredAccount[],
  options: FetchLiveOptions,
): Promise<LiveState> {
  const listBefore = reader.calls.listAccounts;
  const planBefore = reader.calls.getPlan;
  const budget = options.maxCalls ?? Number.POSITIVE_INFINITY;
  const named = desired.filter(
    (account): account is DesiredAccount & { encoded_account_id: string } => account.encoded_account_id !== undefined,
  );
  const notRefreshed: string[] = [];
  const skipped: NotRefreshed[] = [];
  const spent = () => reader.calls.listAccounts - listBefore + reader.calls.getPlan - planBefore;

  // A list that cannot fit the budget is not started: its pages would buy nothing.
  const listPages = Math.max(options.lastListPages ?? 0, Math.ceil(named.length / PAGE_SIZE), 1);
  const listFits = listPages < budget;
  let listed = options.scope === undefined && (options.maxCalls === undefined || listFits);

  const pagesExpected = listed ? listPages : 0;
  let pagesDone = 0;
  let plansDone = 0;
  const report = (pagesTotal: number, plansTotal: number | null) =>
    options.onProgress?.({
      pages: { done: pagesDone, total: pagesTotal },
      plans: { done: plansDone, total: plansTotal },
    });
  let accounts: LiveAccount[] = [];
  if (listed) {
    report(pagesExpected, null);
    try {
      accounts = (
        await reader.listAccounts({
          accountType: options.accountType,
          onPage: (pages) => {
            pagesDone = pages;
            report(Math.max(pages, pagesExpected), null);
          },
        })
      ).map(toLiveAccount);
    } catch (error) {
      // Longer than the last run's: the budget is spent, and every account waits for a later run.
      if (!(error instanceof ReadBudgetSpentError)) throw error;
      listed = false;
    }
  }
  const wanted: { id: string; file: string; organization_name?: string; listed?: LiveAccount; removed?: true }[] = [];
  if (listed) {
    const byId = new Map(accounts.map((account) => [account.encoded_account_id, account]));
    for (const account of named) {
      const live = byId.get(account.encoded_account_id);
      if (live !== undefined && needsPlanRead(account, live.billing_status))
        wanted.push({ id: live.encoded_account_id, file: account.file, listed: live });
    }
  } else {
    const seen = new Set<string>();
    for (const account of named) {
      if (options.scope !== undefined && !options.scope.has(account.file))
        notRefreshed.push(account.encoded_account_id);
      else wanted.push({ id: account.encoded_account_id, file: account.file });
      seen.add(account.encoded_account_id);
    }
    for (const removed of options.removed ?? []) {
      if (!seen.has(removed.encoded_account_id))
        wanted.push({
          id: removed.encoded_account_id,
          file: removed.file,
          removed: true,
          ...(removed.organization_name !== undefined && { organization_name: removed.organization_name }),
        });
    }
  }

  // Least recently verified first (never verified before all), then by id, so runs under a budget take turns.
  const verifiedAt = options.verifiedAt ?? new Map<string, string>();
  if (options.maxCalls !== undefined)
    wanted.sort(
      (a, b) => compareVerified(verifiedAt.get(a.id), verifiedAt.get(b.id)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  const affordable = Math.max(0, budget - spent());
  const toRead = wanted.slice(0, affordable);
  const leftOut = (item: (typeof wanted)[number]) => {
    notRefreshed.push(item.id);
    skipped.push({ encoded_account_id: item.id, file: item.file, last_verified: verifiedAt.get(item.id) ?? null });
  };
  for (const item of wanted.slice(affordable)) leftOut(item);

  const notFound: string[] = [];
  report(pagesDone, toRead.length);
  const results = await settlePooled(toRead, async (item) => {
    let plan: PlanTiers;
    try {
      plan = await reader.getPlan(item.id);
      plansDone++;
      report(pagesDone, toRead.length);
    } catch (error) {
      if (error instanceof ReadBudgetSpentError) return leftOut(item);
      // Unlisted, a 404 is how CTCT says the id is not one of this partner's accounts (getPlan responses in the partner
      // subset spec).
      if (!listed && error instanceof CtctApiError && error.status === 404) return void notFound.push(item.id);
      throw error;
    }
    const livePlan = {
      plan_type: plan.plan_type,
      billing_status: plan.billing_status,
      billing_day_of_month: plan.billing_day_of_month ?? null,
    };
    if (item.listed !== undefined) item.listed.plan = livePlan;
    else
      accounts.push({
        encoded_account_id: item.id,
        billing_status: plan.billing_status,
        ...(item.organization_name !== undefined && { organization_name: item.organization_name }),
        plan: livePlan,
        ...(item.removed && { removed_file: item.file }),
      });
  });
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;

  const refreshedIds = new Set(named.map((account) => account.encoded_account_id));
  for (const id of notRefreshed) refreshedIds.delete(id);
  if (listed) {
    const liveIds = new Set(accounts.map((account) => account.encoded_account_id));
    for (const id of refreshedIds) if (!liveIds.has(id)) refreshedIds.delete(id);
  } else {
    for (const id of notFound) refreshedIds.delete(id);
    for (const account of accounts) refreshedIds.add(account.encoded_account_id);
    accounts.sort((a, b) => (a.encoded_account_id < b.encoded_account_id ? -1 : 1));
  }

  return {
    accounts,
    listed,
    notRefreshed: notRefreshed.sort(),
    skipped: skipped.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)),
    refreshed: [...refreshedIds].sort(),
    calls: { list: reader.calls.listAccounts - listBefore, plan: reader.calls.getPlan - planBefore },
  };
}

function compareVerified(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return Date.parse(a) - Date.parse(b);
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
