import { createHash } from 'node:crypto';
import type { DesiredAccount } from '../model.js';
import type { AccountType } from '../ctct/ctct-types.js';
import { PROFILE_FIELDS } from '../plan/compute-profile-changes.js';
import type { SimAccount } from './sim-account.js';

/**
 * The live accounts that account files describe, for rehearsing an existing estate on the
 * simulator: one per file naming an `encoded_account_id`, with the file's plan, status, managed
 * flag, details and address, so that a converged repository plans to zero changes. Pure: `now` dates the accounts.
 */
export function computeMirrorAccounts(
  accounts: readonly DesiredAccount[],
  options: { now: string; accountType: AccountType },
): SimAccount[] {
  const named = accounts.filter(
    (account): account is DesiredAccount & { encoded_account_id: string } => account.encoded_account_id !== undefined,
  );
  return named.map((account, index) => {
    const id = account.encoded_account_id;
    const trial = account.plan.plan_type === 'TRIAL';
    const mirrored: SimAccount = {
      encoded_account_id: id,
      provision_uuid: uuidOf(id),
      // Import writes no login name (CTCT never returns one); the id stands in for it.
      login_name: account.login_name ?? id,
      contact_email: account.contact_email ?? `${id}@example.invalid`,
      country_code: account.country_code ?? 'US',
      state_code: account.state_code ?? '',
      ...Object.fromEntries(
        PROFILE_FIELDS.filter(
          (field) =>
            account[field] !== undefined &&
            field !== 'contact_email' &&
            field !== 'country_code' &&
            field !== 'state_code',
        ).map((field) => [field, account[field]]),
      ),
      ...(account.physical_address !== undefined && { physical_address: account.physical_address }),
      has_password: true,
      // A file without the flag is listed by the account_type the settings read, as import found it.
      managed_site_owner: account.managed_site_owner ?? options.accountType === 'managed',
      plan_type: account.plan.plan_type,
      billing_status: trial ? 'Trial' : 'Open',
      billing_day_of_month: trial ? null : (account.plan.billing_day_of_month ?? 1),
      ...(account.plan.plan_group_id !== undefined && { plan_group_id: account.plan.plan_group_id }),
      subscriber_count: 0,
      // A file that declares SSO users names an account with SSO for all users; those apply created are live.
      sso_enabled: (account.sso_users ?? []).length > 0,
      sso_users: (account.sso_users ?? [])
        .filter((user) => user.created_at !== undefined)
        .map(({ created_at: _created, ...user }) => user),
      created_seq: index + 1,
      created_at: options.now,
    };
    if (account.status === 'cancelled') {
      const cancel = account.cancel;
      const effective = cancel?.effective_date ?? cancel?.requested_at ?? options.now;
      const due = Date.parse(effective) <= Date.parse(options.now);
      // A later cancellation is pending only once apply requested it (and wrote requested_at).
      if (due || cancel?.requested_at !== undefined) {
        if (due) mirrored.billing_status = 'Canceled';
        mirrored.cancellation = {
          ...(cancel?.reason_id !== undefined && { reason_id: cancel.reason_id }),
          effective_date: effective,
          requested_at: cancel?.requested_at ?? effective,
        };
      }
    }
    return mirrored;
  });
}

function uuidOf(id: string): string {
  const hex = createHash('sha256').update(id).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
