import type { Change, ChangeAction, CreateBlocked, CreateChange, Plan } from '../model.js';

/** Terraform-like symbol and a verb for each action, shared by the renderers. */
export const ACTION_LABELS: Record<ChangeAction, { symbol: string; emoji: string; verb: string }> = {
  create: { symbol: '+', emoji: '➕', verb: 'create' },
  update: { symbol: '~', emoji: '✏️', verb: 'update' },
  update_profile: { symbol: '~', emoji: '📝', verb: 'update profile' },
  reactivate: { symbol: '↺', emoji: '♻️', verb: 'reactivate' },
  cancel: { symbol: '-', emoji: '🛑', verb: 'cancel' },
  create_sso_user: { symbol: '+', emoji: '👤', verb: 'SSO user' },
  drift: { symbol: '!', emoji: '⚠️', verb: 'drift' },
  orphan: { symbol: '?', emoji: '❔', verb: 'orphan' },
};

/** How a change names its account (login name, id, organization name, whichever it has), and its SSO user. */
export function identityOf(change: Change): string {
  const name = change.login_name ?? change.organization_name;
  const account =
    name !== null && change.encoded_account_id !== null
      ? `${name} (${change.encoded_account_id})`
      : (name ?? change.encoded_account_id ?? change.file ?? '(unnamed)');
  const user = change.action === 'create_sso_user' || change.action === 'drift' ? change.sso_user : undefined;
  return user === undefined ? account : `${user} in ${account}`;
}

/** One row per field the change concerns: [field, before, after]; `undefined` where absent. */
export function fieldRows(change: Change): [string, unknown, unknown][] {
  const { before, after } = displayValues(change);
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  if (change.action === 'update' || change.action === 'reactivate') {
    // An update shows what moves; the unchanged context stays in the JSON plan.
    return keys
      .filter((key) => key in after && before[key] !== after[key])
      .map((key) => [key, before[key], after[key]]);
  }
  if (change.action === 'update_profile')
    return keys.flatMap((key) =>
      key === 'physical_address' ? addressRows(before[key], after[key]) : [[key, before[key], after[key]]],
    );
  return keys.map((key) => [key, before[key], after[key]]);
}

/** The values a change concerns, as people read them: what it sends, and the status it leads to. */
function displayValues(change: Change): { before: Record<string, unknown>; after: Record<string, unknown> } {
  switch (change.action) {
    case 'create':
      return { before: {}, after: { ...change.after } };
    case 'reactivate':
      return { before: { ...change.before }, after: { billing_status: 'Open', ...change.after } };
    case 'cancel':
      return { before: { ...change.before }, after: { billing_status: 'Canceled', ...change.after } };
    case 'orphan':
      return { before: { ...change.before }, after: {} };
    default:
      return { before: { ...change.before }, after: { ...change.after } };
  }
}

/** The address travels whole; people read only the lines that move, `physical_address.city`. */
function addressRows(before: unknown, after: unknown): [string, unknown, unknown][] {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys.filter((key) => b[key] !== a[key]).map((key) => [`physical_address.${key}`, b[key], a[key]]);
}

/** CTCT's cancellation reasons by `reason_id` (spec/ctct-v3-partner-subset-3.0.178.yaml:1037, AccountCancellation). */
export const CANCEL_REASONS: Readonly<Record<number, string>> = {
  1: 'Cost Too High',
  2: 'Using A Competitive Service',
  3: 'Not Doing Email Marketing',
  11: 'Something Missing Or Not Working',
  12: 'Doing It In-House',
  14: 'Poor Results',
  21: 'Too Difficult To Use',
  27: 'Canceled Online by Customer',
  30: 'Dissatisfied With Billing Policies',
};

/** A cancellation reason as people read it: `12 Doing It In-House`. */
export function describeReason(reasonId: unknown): string {
  const name = typeof reasonId === 'number' ? CANCEL_REASONS[reasonId] : undefined;
  return name !== undefined ? `${String(reasonId)} ${name}` : formatValue(reasonId);
}

/** What a change does, in a few words a reviewer reads without opening it: `TRIAL → GOLD`. */
export function keyDifference(change: Change): string | null {
  switch (change.action) {
    case 'create':
      return change.after.plan_type;
    case 'update':
      return `${change.before.plan_type ?? change.before.billing_status} → ${change.after.plan_type}`;
    case 'reactivate':
      return `${change.before.billing_status} → Open on ${change.after.plan_type}`;
    case 'cancel': {
      const reason = change.after.reason_id !== undefined ? `, reason ${describeReason(change.after.reason_id)}` : '';
      const when = change.after.effective_date !== undefined ? `, effective ${change.after.effective_date}` : '';
      return `${change.before.billing_status} → Canceled${reason}${when}`;
    }
    case 'drift':
    case 'update_profile': {
      const rows = fieldRows(change);
      if (change.action === 'drift' && rows.length === 1) {
        const [field, live, file] = rows[0]!;
        return (
          `${field}: live ${live === undefined ? '(cannot be read)' : formatValue(live)} ` +
          `≠ file ${formatValue(file)}`
        );
      }
      const fields = [...new Set(rows.map(([field]) => field.split('.')[0]!))];
      return fields.length > 0 ? fields.join(', ') : null;
    }
    default:
      return null;
  }
}

export function formatValue(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return 'null';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** "4 to create, 1 to update, …" with only the non-zero counts. */
export function summaryLine(plan: Plan): string {
  const { summary } = plan;
  if (plan.refresh_only) return refreshSummaryLine(summary);
  const blocked = blockedCreates(plan).length;
  const applied = [
    summary.create && `${summary.create} to create${blocked > 0 ? ` (${blocked} blocked: no initial password)` : ''}`,
    summary.update && `${summary.update} to update`,
    summary.update_profile && `${summary.update_profile} profile${summary.update_profile === 1 ? '' : 's'} to update`,
    summary.reactivate && `${summary.reactivate} to reactivate`,
    summary.cancel && `${summary.cancel} to cancel`,
    summary.create_sso_user &&
      `${summary.create_sso_user} SSO user${summary.create_sso_user === 1 ? '' : 's'} to create`,
  ].filter(Boolean);
  const removed = plan.changes.filter(
    (change) => change.action === 'orphan' && change.removed_file !== undefined,
  ).length;
  const orphans = summary.orphan - removed;
  const reported = [
    summary.drift && `${summary.drift} drift`,
    removed && `${removed} removed file${removed === 1 ? '' : 's'} (account${removed === 1 ? '' : 's'} kept live)`,
    orphans && `${orphans} orphan${orphans === 1 ? '' : 's'}`,
  ].filter(Boolean);
  // A refused plan is never read as what will happen.
  const head =
    applied.length === 0
      ? 'no changes'
      : plan.refusals.length > 0
        ? `refused by safety gates, nothing will be applied (it would: ${applied.join(', ')})`
        : applied.join(', ');
  return reported.length > 0 ? `${head}; ${reported.join(', ')} reported` : head;
}

/** Said of an account whose file the change removed: removing a file never cancels. */
export const REMOVED_FILE_NOTE = 'the account stays live; to cancel, keep the file and set status: cancelled';

export const REFRESH_ONLY_NOTE =
  'Refresh-only: each entry is a difference between live state and the files, listed ' +
  'as the change a plan would propose; nothing is proposed and apply refuses this plan.';

/**
 * Terraform's "Resource targeting is in effect", for a plan limited with --target; null otherwise.
 * `name` renders each target (a code span in Markdown).
 */
export function targetingWarning(plan: Plan, name: (target: string) => string): string | null {
  if (plan.targets === undefined) return null;
  const these = plan.targets.length === 1 ? 'this account was' : 'these accounts were';
  return (
    `targeting is in effect (--target ${plan.targets.map(name).join(', ')}): ` +
    `only ${these} planned and read, so this plan may not be all that the files ` +
    (`ask for, and orphans are not reported. Use --target for exceptions (an urgent ` +
      `fix, a stuck account), not routinely; a plan without it shows everything.`)
  );
}

/** A refresh-only plan proposes nothing: it counts where live state differs from the files. */
function refreshSummaryLine(summary: Plan['summary']): string {
  const differences = [
    summary.create && `${summary.create} not yet created`,
    summary.update && `${summary.update} on another plan than the file's`,
    summary.update_profile && `${summary.update_profile} with other account details than the file's`,
    summary.reactivate && `${summary.reactivate} not yet reactivated`,
    summary.cancel && `${summary.cancel} not yet cancelled`,
    summary.drift && `${summary.drift} drift`,
    summary.orphan && `${summary.orphan} orphan${summary.orphan === 1 ? '' : 's'}`,
  ].filter(Boolean);
  if (differences.length === 0) return 'live state matches the files';
  return `live state differs from the files: ${differences.join(', ')}; nothing is proposed`;
}

/** Whether a plan has any difference between live state and the files (refresh-only's --detailed-exitcode). */
export function hasDifferences(plan: Plan): boolean {
  return Object.values(plan.summary).some((count) => count > 0);
}

/** The creates apply will skip because their initial password is missing. */
export function blockedCreates(plan: Plan): (CreateChange & { blocked: CreateBlocked })[] {
  return plan.changes.filter(
    (change): change is CreateChange & { blocked: CreateBlocked } =>
      change.action === 'create' && change.blocked !== undefined,
  );
}

/** The line that says why a create is blocked and what apply does about it. */
export function blockedLine(blocked: CreateBlocked): string {
  return `blocked: ${blocked.reason}; apply skips this create (exit 1) and carries out the rest of the plan`;
}

/** Whether apply has anything to do. */
export function hasChanges(plan: Plan): boolean {
  const { summary } = plan;
  if (plan.refresh_only) return false;
  return (
    summary.create +
      summary.update +
      summary.update_profile +
      summary.reactivate +
      summary.cancel +
      (summary.create_sso_user ?? 0) >
    0
  );
}

export function apiLine(plan: Plan): string {
  const { api } = plan;
  const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
  const profile =
    api.managed_list_calls + api.summary_calls > 0
      ? [plural(api.managed_list_calls, 'managed-list call'), plural(api.summary_calls, 'account-summary call')]
      : [];
  // A scoped plan reads no list: "0 list calls" would read as a fault.
  const parts = [
    ...(api.list_calls > 0 ? [plural(api.list_calls, 'list call')] : []),
    ...(api.list_calls > 0 || api.plan_calls > 0 ? [plural(api.plan_calls, 'plan call')] : []),
    ...profile,
  ];
  const calls =
    parts.length === 0
      ? 'no API call'
      : parts.length === 1
        ? parts[0]
        : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  const read = `read live state with ${calls}`;
  const budget = api.max_calls !== null ? ` within a budget of ${plural(api.max_calls, 'call')}` : '';
  const overBudget = plan.over_budget.length;
  const skipped =
    overBudget > 0
      ? ` (${plural(api.refreshed, 'account')} refreshed, ${overBudget} left for a later ` +
        `run${api.not_refreshed > overBudget ? `, ${api.not_refreshed - overBudget} unchanged not refreshed` : ''})`
      : api.not_refreshed > 0
        ? ` (${plural(api.not_refreshed, 'unchanged account')} not refreshed)`
        : '';
  const apply =
    api.apply_calls > 0
      ? `; apply will make ${api.apply_calls} call${api.apply_calls === 1 ? '' : 's'}, ` +
        `about ${formatDuration(api.apply_seconds)} at ${api.requests_per_second} requests/s`
      : '';
  return `API: ${read}${budget}${skipped}${apply}.`;
}

/** Accounts the read budget left unread, as rows of identity, file and last verification; at most `limit`. */
export function overBudgetRows(plan: Plan, limit: number): { rows: [string, string, string][]; more: number } {
  const rows = plan.over_budget
    .slice(0, limit)
    .map((item): [string, string, string] => [item.encoded_account_id, item.file, item.last_verified ?? 'never']);
  return { rows, more: Math.max(0, plan.over_budget.length - limit) };
}

function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.ceil(seconds))} s`;
  if (seconds < 5400) return `${Math.ceil(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
