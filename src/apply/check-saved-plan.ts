import type { CustomerSummary, PlanTiers } from '../ctct/ctct-types.js';
import { normaliseAddress } from '../plan/compute-profile-changes.js';
import { readJsonDocument } from '../read-json-document.js';
import type { DesiredAccount, Plan, UpdateProfileChange } from '../model.js';

/** Reads a plan saved with `plan --out`, checked against `schema/plan.schema.json`. */
export function readSavedPlan(cwd: string, file: string): Promise<Plan> {
  return readJsonDocument('plan', cwd, file);
}

/**
 * The changes of a saved plan whose assumptions no longer hold: re-reads only the accounts it
 * changes (one GET plan each) and the files of its creates.
 */
export async function findStaleChanges(
  plan: Plan,
  reader: { getPlan(id: string): Promise<PlanTiers>; getAccountSummary(id: string): Promise<CustomerSummary> },
  accounts: readonly DesiredAccount[],
): Promise<string[]> {
  const stale: string[] = [];
  await Promise.all(plan.changes.map(async (change) => {
    if (change.action === 'create') {
      const account = accounts.find((candidate) => candidate.file === change.file);
      if (account === undefined || account.login_name !== change.login_name) stale.push(`create ${change.login_name}: ${change.file} no longer describes this account`);
      else if (account.encoded_account_id !== undefined) stale.push(`create ${change.login_name}: ${change.file} already names ${account.encoded_account_id}`);
      return;
    }
    if (change.action === 'update_profile') {
      const differences = findProfileDifferences(change, await reader.getAccountSummary(change.encoded_account_id));
      if (differences.length > 0) stale.push(`update_profile ${change.login_name ?? change.encoded_account_id} (${change.file}): ${differences.join('; ')}`);
      return;
    }
    if (change.action === 'create_sso_user') {
      const user = accounts.find((candidate) => candidate.file === change.file)?.sso_users?.find((candidate) => candidate.login_name.toLowerCase() === change.sso_user.toLowerCase());
      if (user === undefined) stale.push(`create_sso_user ${change.sso_user}: ${change.file} no longer lists this SSO user`);
      else if (user.created_at !== undefined) stale.push(`create_sso_user ${change.sso_user}: ${change.file} records it as created on ${user.created_at}`);
      return;
    }
    if (change.action !== 'update' && change.action !== 'reactivate' && change.action !== 'cancel') return;
    const live = await reader.getPlan(change.encoded_account_id);
    const { assumed } = change;
    const differences: string[] = [];
    if (live.billing_status !== assumed.billing_status) differences.push(`billing_status is ${live.billing_status}, the plan assumed ${assumed.billing_status}`);
    if (assumed.plan_type !== undefined && live.plan_type !== assumed.plan_type) differences.push(`plan_type is ${live.plan_type}, the plan assumed ${assumed.plan_type}`);
    if (assumed.billing_day_of_month !== undefined && (live.billing_day_of_month ?? null) !== assumed.billing_day_of_month) {
      differences.push(`billing_day_of_month is ${live.billing_day_of_month ?? null}, the plan assumed ${assumed.billing_day_of_month}`);
    }
    if (differences.length > 0) stale.push(`${change.action} ${change.login_name ?? change.encoded_account_id} (${change.file}): ${differences.join('; ')}`);
  }));
  return stale.sort();
}

/** Where the account's details, read again, are no longer the live values the saved change assumed. */
function findProfileDifferences(change: UpdateProfileChange, summary: CustomerSummary): string[] {
  const before: Record<string, unknown> = change.before;
  return Object.keys(change.after).flatMap((field) => {
    const live = field === 'physical_address'
      ? (summary.physical_address === undefined ? null : normaliseAddress(summary.physical_address))
      : (summary[field as keyof CustomerSummary] || undefined);
    const assumed = before[field];
    if (JSON.stringify(live) === JSON.stringify(assumed)) return [];
    return [`${field} is ${JSON.stringify(live ?? null)}, the plan assumed ${JSON.stringify(assumed ?? null)}`];
  });
}
