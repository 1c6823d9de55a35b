import type { CustomerSummary, PlanTiers } from '../ctct/ctct-types.js';
import { normaliseAddress } from '../plan/compute-profile-changes.js';
import { readJsonDocument } from '../read-json-document.js';
import { isAppliedChange, type Change, type DesiredAccount, type Plan, type UpdateProfileChange } from '../model.js';
import { canonicalJson } from '../plan/compute-plan.js';

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
  await Promise.all(
    plan.changes.map(async (change) => {
      if (change.action === 'create') {
        const account = accounts.find((candidate) => candidate.file === change.file);
        if (account === undefined || account.login_name !== change.login_name)
          stale.push(`create ${change.login_name}: ${change.file} no longer describes this account`);
        else if (account.encoded_account_id !== undefined)
          stale.push(`create ${change.login_name}: ${change.file} already names ${account.encoded_account_id}`);
        return;
      }
      if (change.action === 'update_profile') {
        const differences = findProfileDifferences(change, await reader.getAccountSummary(change.encoded_account_id));
        if (differences.length > 0)
          stale.push(
            `update_profile ${change.login_name ?? change.encoded_account_id} ` +
              `(${change.file}): ${differences.join('; ')}`,
          );
        return;
      }
      if (change.action === 'create_sso_user') {
        const user = accounts
          .find((candidate) => candidate.file === change.file)
          ?.sso_users?.find((candidate) => candidate.login_name.toLowerCase() === change.sso_user.toLowerCase());
        if (user === undefined)
          stale.push(`create_sso_user ${change.sso_user}: ${change.file} no longer lists this SSO user`);
        else if (user.created_at !== undefined)
          stale.push(`create_sso_user ${change.sso_user}: ${change.file} records it as created on ${user.created_at}`);
        return;
      }
      if (change.action !== 'update' && change.action !== 'reactivate' && change.action !== 'cancel') return;
      const live = await reader.getPlan(change.encoded_account_id);
      const { assumed } = change;
      const differences: string[] = [];
      if (live.billing_status !== assumed.billing_status)
        differences.push(`billing_status is ${live.billing_status}, the plan assumed ${assumed.billing_status}`);
      if (assumed.plan_type !== undefined && live.plan_type !== assumed.plan_type)
        differences.push(`plan_type is ${live.plan_type}, the plan assumed ${assumed.plan_type}`);
      if (
        assumed.billing_day_of_month !== undefined &&
        (live.billing_day_of_month ?? null) !== assumed.billing_day_of_month
      ) {
        differences.push(
          `billing_day_of_month is ${live.billing_day_of_month ?? null}, ` +
            `the plan assumed ${assumed.billing_day_of_month}`,
        );
      }
      if (differences.length > 0)
        stale.push(
          `${change.action} ${change.login_name ?? change.encoded_account_id} ` +
            `(${change.file}): ${differences.join('; ')}`,
        );
    }),
  );
  return stale.sort();
}

/** Where the account's details, read again, are no longer the live values the saved change assumed. */
function findProfileDifferences(change: UpdateProfileChange, summary: CustomerSummary): string[] {
  const before: Record<string, unknown> = change.before;
  return Object.keys(change.after).flatMap((field) => {
    const live =
      field === 'physical_address'
        ? summary.physical_address === undefined
          ? null
          : normaliseAddress(summary.physical_address)
        : summary[field as keyof CustomerSummary] || undefined;
    const assumed = before[field];
    if (JSON.stringify(live) === JSON.stringify(assumed)) return [];
    return [`${field} is ${JSON.stringify(live ?? null)}, the plan assumed ${JSON.stringify(assumed ?? null)}`];
  });
}

/**
 * A saved plan is a proposal checked against today: each change it would apply must be one the
 * plan of the current files and live state makes too, identical (same account, same request, same
 * assumed live values). What the files no longer ask for, what they now ask differently, and what
 * no plan would ever make (a cancel of an orphan, a hand-edited change) is listed; the caller
 * refuses the whole plan. Changes the current plan makes but the saved one does not are not applied.
 */
export function findUnaskedChanges(saved: Plan, current: Plan): { unasked: Change[]; differing: Change[] } {
  const key = (change: Change) =>
    `${change.action}\u0000${change.file ?? ''}\u0000` +
    `${change.encoded_account_id ?? change.login_name ?? ''}\u0000${'sso_user' in change ? change.sso_user : ''}`;
  // A create the saved plan marked blocked stays skipped (it is held to that), so the mark is no difference.
  const comparable = ({ line: _line, organization_name: _organization, ...rest }: Change) =>
    canonicalJson({ ...rest, blocked: undefined });
  const currentByKey = new Map(current.changes.filter(isAppliedChange).map((change) => [key(change), change]));
  const unasked: Change[] = [];
  const differing: Change[] = [];
  for (const change of saved.changes.filter(isAppliedChange)) {
    const now = currentByKey.get(key(change));
    if (now === undefined) unasked.push(change);
    else if (comparable(now) !== comparable(change)) differing.push(change);
  }
  return { unasked, differing };
}

/** Why each change of a saved plan that today's plan does not make (exactly) is refused. */
export async function explainUnaskedChanges(
  { unasked, differing }: { unasked: Change[]; differing: Change[] },
  reader: Parameters<typeof findStaleChanges>[1],
  accounts: readonly DesiredAccount[],
): Promise<string[]> {
  const name = (change: Change) =>
    `${change.action} ${change.login_name ?? change.encoded_account_id ?? ''}${change.file ? ` (${change.file})` : ''}`;
  // A create's own file explains it without an API call; a change the files never ask for, no live read can.
  const creates: Change[] = unasked.filter(
    (change) => change.action === 'create' || change.action === 'create_sso_user',
  );
  const explained = await findStaleChanges({ changes: [...creates, ...differing] } as Plan, reader, accounts);
  const lines = [
    ...explained,
    ...unasked
      .filter((change) => !creates.includes(change))
      .map((change) => `${name(change)}: the current files and live state ask for no such change`),
  ];
  const silent = [...creates, ...differing].filter(
    (change) =>
      !explained.some((line) => line.startsWith(`${change.action} ${change.login_name ?? change.encoded_account_id}`)),
  );
  lines.push(...silent.map((change) => `${name(change)}: the files now ask for a different change`));
  return lines.sort();
}
