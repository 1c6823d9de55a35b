import type { SiteOwner } from '../ctct/ctct-types.js';
import { InvalidInputError, OperationalError } from '../errors.js';
import type { DesiredAccount } from '../model.js';
import type { ApplyClient } from './apply-plan.js';
import type { Journal, ReleasedRecord } from './journal.js';

/**
 * `apply --release-pending LOGIN`: closes a create that CTCT answered 503 and never provisioned, so
 * the next create of LOGIN is posted again. The spec says a 503 create is stored and provisioned
 * later (ctct-v3-partner-subset-3.0.178.yaml:102-104), and no API call shows a stored request, so
 * only the operator can say CTCT dropped it. The tool refuses when the unfiltered listing shows the
 * login, or shows any account that appeared since the create's run and no account file names (under a
 * reading where `site_owner_name` is not the login, that account may be this one).
 */
export async function releasePending(
  journal: Journal,
  client: Pick<ApplyClient, 'listAccounts'>,
  logins: readonly string[],
  accounts: readonly DesiredAccount[],
): Promise<string[]> {
  const open = journal.openIntents();
  const pending = open.filter((item) => item.pending !== undefined && item.created === undefined);
  const targets = logins.map((login) => {
    const found = pending.filter((item) => item.intent.login_name.toLowerCase() === login.toLowerCase());
    if (found.length === 0) {
      const names = pending.map((item) => item.intent.login_name);
      const held = names.length > 0 ? `pending: ${names.join(', ')}` : 'no create is pending';
      throw new InvalidInputError(
        [],
        `--release-pending ${login}: the journal holds no pending create of ${login} (${held}); nothing was released`,
      );
    }
    return { login, found };
  });
  const listing = await client.listAccounts();
  const namedIds = accounts.flatMap((account) => (account.encoded_account_id ? [account.encoded_account_id] : []));
  const createdIds = open.flatMap((item) => (item.created ? [item.created.encoded_account_id] : []));
  const done: string[] = [];
  for (const { login, found } of targets) {
    const listed = listing.filter((owner) => owner.site_owner_name?.toLowerCase() === login.toLowerCase());
    if (listed.length > 0) {
      throw new OperationalError(
        `--release-pending ${login}: CTCT lists ${login} as ${listed.map((o) => o.encoded_account_id).join(', ')}, ` +
          'so the create may have been provisioned; nothing was released. ' +
          'Run apply without --release-pending: it writes the id of the account its create made',
      );
    }
    for (const { intent, run } of found) {
      const accounted = new Set([...(run?.known_ids ?? []), ...namedIds, ...createdIds]);
      const unaccounted = listing.filter((owner) => !accounted.has(owner.encoded_account_id));
      if (unaccounted.length > 0) {
        throw new OperationalError(
          `--release-pending ${login}: ${describeOwners(unaccounted)} appeared since the create of ${login} ` +
            'and no account file names them; any of them may be the account that create made ' +
            '(its site_owner_name need not be the login). Nothing was released. ' +
            `If one of them is ${login}, set encoded_account_id in ${intent.file} to its id; ` +
            'otherwise give each its account file (ctct-gitops import --account ID) and release again',
        );
      }
      await journal.recordReleased(
        intent,
        [...listing.map((owner) => owner.encoded_account_id), ...namedIds],
        `released by apply --release-pending: the unfiltered listing of ${listing.length} accounts ` +
          `shows none for ${login} and no new account`,
      );
    }
    done.push(
      `released the pending create of ${login}: CTCT lists no account for it; ` +
        'the create is proposed again and posted after one more listing',
    );
  }
  return done;
}

/**
 * Right before the POST of a released create: the listing must still show no account for the login
 * and none that appeared since the release, or the create stops (the stored request may have been
 * provisioned after all).
 */
export async function checkReleasedCreate(
  client: Pick<ApplyClient, 'listAccounts'>,
  release: ReleasedRecord,
  claimed: ReadonlySet<string>,
  file: string,
): Promise<void> {
  const listing = await client.listAccounts();
  const known = new Set(release.known_ids);
  const login = release.login_name.toLowerCase();
  const suspects = listing.filter(
    (owner) =>
      owner.site_owner_name?.toLowerCase() === login ||
      (!known.has(owner.encoded_account_id) && !claimed.has(owner.encoded_account_id)),
  );
  if (suspects.length === 0) return;
  throw new OperationalError(
    `the released create of ${release.login_name} is not posted: ${describeOwners(suspects)} appeared ` +
      'since it was released, and any of them may be the account CTCT provisioned from the first create after all. ' +
      `If one of them is ${release.login_name}, set encoded_account_id in ${file} to its id; ` +
      'otherwise give each its account file (ctct-gitops import --account ID) and apply again',
  );
}

function describeOwners(owners: readonly SiteOwner[]): string {
  return owners
    .map((owner) => `${owner.encoded_account_id} (${owner.site_owner_name ?? 'no site_owner_name'})`)
    .join(', ');
}
