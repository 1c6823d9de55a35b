import { createHash } from 'node:crypto';
import { compareProblems, InternalError, type Problem } from '../errors.js';
import type { AccountCancellation, PlanInfo } from '../ctct/ctct-types.js';
import type {
  Assumed,
  Change,
  ChangeAction,
  CreateChange,
  CreateFields,
  DesiredAccount,
  DesiredPlan,
  DesiredSsoUser,
  LiveAccount,
  LiveState,
  Plan,
  ProfileValues,
  PlanSummary,
  Refusal,
} from '../model.js';
import type { Settings } from '../settings/settings.js';
import { createOnlyFields } from '../accounts/create-only-fields.js';
import { computeProfileChanges } from './compute-profile-changes.js';

export interface PlanOptions {
  settings: Pick<Settings, 'orphans' | 'safety' | 'requests_per_second'>;
  /** Pass the gates that --force may pass; never `protect: true`. */
  force: boolean;
  /** The time of the plan (ISO-8601): a requested cancellation is awaited until its effective date. */
  now?: string;
  /**
   * `--target`: the files of the only accounts to plan. The others are neither planned nor
   * reported as orphans; those naming an id still count as managed for the share gate.
   */
  targets?: ReadonlySet<string>;
  /**
   * `--changed-since`: the details each changed file declared at the base, to see what an edit of an unmanaged account
   * changed.
   */
  detailBaselines?: ReadonlyMap<string, ProfileValues>;
  /**
   * `plan --refresh-only`: the changes are the differences between live state and the files, and
   * nothing is proposed: no safety gate is evaluated and apply refuses such a plan.
   */
  refreshOnly?: boolean;
  /** By account file: why its `password_env` cannot give the initial password; such creates are blocked. */
  passwordProblems?: ReadonlyMap<string, string>;
  /** The read budget the live state was read under, for the record. */
  maxCalls?: number;
  /**
   * The SSO users with `created_at` each file (by path) held at the `--changed-since` base. CTCT
   * cannot list SSO users, so git history is the only record to tell an edit or a removal of a
   * user apply created; without it neither can be seen.
   */
  baseSsoUsers?: ReadonlyMap<string, readonly DesiredSsoUser[]>;
}

const ACTION_ORDER: readonly ChangeAction[] = [
  'create',
  'update',
  'update_profile',
  'reactivate',
  'create_sso_user',
  'cancel',
  'drift',
  'orphan',
];

/** What we know of a live account's plan, from its plan where read, or from the list. */
interface LiveView {
  billing_status: string;
  plan_type: string | undefined;
  billing_day_of_month: number | null | undefined;
}

/**
 * The plan: pure and deterministic. Compares each account file with the live account it names,
 * applying CTCT's rules (https://developer.constantcontact.com/api_guide/partners_plans_update.html):
 * TRIAL is one-way, the billing day is taken only when leaving TRIAL, a paid plan reactivates a
 * cancelled account. Safety gates are evaluated here, not in apply.
 */
export function computePlan(desired: readonly DesiredAccount[], live: LiveState, options: PlanOptions): Plan {
  const liveById = new Map(live.accounts.map((account) => [account.encoded_account_id, account]));
  const notRefreshed = new Set(live.notRefreshed);
  const changes: Change[] = [];
  const problems: Problem[] = [];
  const named = new Set<string>();
  const protectedCancels: DesiredAccount[] = [];
  const pending: Problem[] = [];
  let managed = 0;

  for (const account of desired) {
    const id = account.encoded_account_id;
    if (options.targets !== undefined && !options.targets.has(account.file)) {
      if (id !== undefined) managed++;
      continue;
    }
    if (id === undefined) {
      if (account.login_name === undefined)
        throw new InternalError(`${account.file} has neither encoded_account_id nor login_name`);
      changes.push(
        computeCreate({ ...account, login_name: account.login_name }, options.passwordProblems ?? new Map()),
      );
      changes.push(...computeSsoUserChanges(account, null, undefined));
      continue;
    }
    named.add(id);
    // Not read on purpose: counted as managed, so a small scoped plan is not refused by the share gate.
    if (notRefreshed.has(id)) {
      managed++;
      continue;
    }
    const liveAccount = liveById.get(id);
    if (liveAccount === undefined) {
      const how = live.listed
        ? 'GET /partner/accounts does not list it'
        : 'GET /partner/accounts/{encoded_account_id}/plan answers 404';
      problems.push(
        at(account, 'encoded_account_id', `encoded_account_id "${id}" is not a live account of this partner (${how})`),
      );
      continue;
    }
    managed++;
    if (
      account.status === 'cancelled' &&
      liveAccount.billing_status !== 'Canceled' &&
      isCancelPending(account.cancel, options.now)
    ) {
      pending.push(
        at(
          account,
          'cancel.requested_at',
          `cancellation pending: requested at ${account.cancel!.requested_at}, it takes effect ` +
            `on ${account.cancel!.effective_date}; CTCT keeps the account open ` +
            `(${liveAccount.billing_status}) until then and shows nothing pending, so it is not cancelled again`,
        ),
      );
    }
    const result = computeExisting(account, liveAccount, options.now);
    changes.push(
      ...result.changes,
      ...computeSsoUserChanges(account, liveAccount, options.baseSsoUsers?.get(account.file)),
    );
    problems.push(...result.problems);
    if (account.status === 'active') {
      const profile = computeProfileChanges(
        account,
        liveAccount,
        baseOf(account, liveAccount),
        options.detailBaselines?.get(account.file),
      );
      changes.push(...profile.changes);
      problems.push(...profile.problems);
    }
    if (account.protect && result.changes.some((change) => change.action === 'cancel')) protectedCancels.push(account);
  }

  if (options.settings.orphans !== 'ignore' && options.targets === undefined) {
    for (const account of live.accounts) {
      if (named.has(account.encoded_account_id)) continue;
      changes.push({
        action: 'orphan',
        login_name: null,
        organization_name: account.organization_name ?? null,
        encoded_account_id: account.encoded_account_id,
        file: null,
        line: null,
        before: { billing_status: account.billing_status },
        after: null,
        ...(account.removed_file !== undefined && { removed_file: account.removed_file }),
      });
    }
  }

  changes.sort(compareChanges);
  const notices = [
    ...computePlanGroupNotices(
      desired.filter((account) => options.targets === undefined || options.targets.has(account.file)),
      changes,
    ),
    ...pending,
  ].sort(compareProblems);
  const summary = summarise(changes);
  const touched = new Set(
    changes.filter((change) => TOUCHING.has(change.action)).map((change) => change.encoded_account_id),
  ).size;
  const { refusals, forced } = options.refreshOnly
    ? { refusals: [], forced: [] }
    : evaluateGates(summary, touched, managed, protectedCancels, options);
  const applyCalls = options.refreshOnly ? 0 : changes.reduce((sum, change) => sum + applyCallsOf(change), 0);
  const rps = options.settings.requests_per_second;
  return {
    format_version: 1,
    ...(options.refreshOnly && { refresh_only: true as const }),
    ...(options.targets !== undefined && { targets: [...options.targets].sort() }),
    fingerprint: fingerprintOf(desired, live, options),
    summary,
    changes,
    problems: problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line)),
    refusals,
    ...(notices.length > 0 && { notices }),
    forced,
    managed_accounts: managed,
    api: {
      list_calls: live.calls.list,
      plan_calls: live.calls.plan,
      managed_list_calls: live.calls.managed_list ?? 0,
      summary_calls: live.calls.summary ?? 0,
      apply_calls: applyCalls,
      requests_per_second: rps,
      apply_seconds: Math.ceil((applyCalls / rps) * 10) / 10,
      refreshed: live.refreshed.length,
      not_refreshed: live.notRefreshed.length,
      max_calls: options.maxCalls ?? null,
    },
    over_budget: live.skipped,
  };
}

const PLAN_GROUP_UNREADABLE =
  'CTCT cannot read it back (GET /partner/accounts/{id}/plan ' +
  'does not return plan_group_id), so no later plan can check it';

/**
 * `plan_group_id` is never silently ignored. CTCT takes it only in PUT …/plan (spec `PlanInfo`,
 * https://developer.constantcontact.com/api_guide/partners_plans_update.html) and returns it
 * nowhere, so the plan says where it is sent with a plan change and where it cannot be checked.
 */
function computePlanGroupNotices(desired: readonly DesiredAccount[], changes: readonly Change[]): Problem[] {
  const changeByFile = new Map<string, Change>();
  for (const change of changes) {
    if (
      change.file !== null &&
      (change.action === 'create' || change.action === 'update' || change.action === 'reactivate')
    )
      changeByFile.set(change.file, change);
  }
  const notices: Problem[] = [];
  for (const account of desired) {
    const group = account.plan.plan_group_id;
    if (group === undefined || account.status === 'cancelled') continue;
    const change = changeByFile.get(account.file);
    let message: string;
    if (change === undefined) {
      message =
        `plan_group_id ${group} is not sent: CTCT takes it only with a ` +
        `change of plan_type, and there is none; ${PLAN_GROUP_UNREADABLE}`;
    } else if (change.action === 'create' && account.plan.plan_type === 'TRIAL') {
      message =
        `plan_group_id ${group} is not sent: the new account stays on TRIAL, ` +
        'and CTCT takes a plan group only with a PUT of a paid plan_type';
    } else {
      message =
        `plan_group_id ${group} is sent with the plan change ` +
        `to ${account.plan.plan_type}; ${PLAN_GROUP_UNREADABLE}`;
    }
    notices.push(at(account, 'plan.plan_group_id', message));
  }
  return notices.sort(compareProblems);
}

/**
 * Whether deciding this account needs GET …/plan: only where the list's `billing_status`
 * cannot answer (an account listed as `Trial` is on TRIAL; a cancel needs no plan).
 */
export function needsPlanRead(account: DesiredAccount, billingStatus: string): boolean {
  if (account.status === 'cancelled') return false;
  if (billingStatus === 'Canceled' || billingStatus === 'Trial') return false;
  if (billingStatus === 'Open' && account.plan.plan_type === 'TRIAL') return false;
  return true;
}

function computeCreate(
  account: DesiredAccount & { login_name: string },
  passwordProblems: ReadonlyMap<string, string>,
): CreateChange {
  const name = account.password_env;
  const problem = name !== undefined ? passwordProblems.get(account.file) : undefined;
  return {
    action: 'create',
    login_name: account.login_name,
    organization_name: account.organization_name ?? null,
    encoded_account_id: null,
    file: account.file,
    line: account.positions['']?.line ?? 1,
    before: null,
    after: { ...computeCreateFields(account), ...computePlanInfo(account.plan) },
    ...(name !== undefined && problem !== undefined && { blocked: { password_env: name, reason: problem } }),
  };
}

/** The fields a create of this account sends (with `password_env`, never a password). */
export function computeCreateFields(account: DesiredAccount): CreateFields {
  return {
    ...createOnlyFields(account),
    ...(account.password_env !== undefined && { password_env: account.password_env }),
  };
}

/** The body of PUT …/plan for the file's plan; the billing day only where CTCT takes it (leaving TRIAL). */
function computePlanInfo(plan: DesiredPlan, withBillingDay = true): PlanInfo {
  return {
    plan_type: plan.plan_type,
    ...(withBillingDay &&
      plan.billing_day_of_month !== undefined && { billing_day_of_month: plan.billing_day_of_month }),
    ...(plan.plan_group_id !== undefined && { plan_group_id: plan.plan_group_id }),
  };
}

/**
 * Whether a cancellation apply already requested is still to take effect. CTCT keeps such an
 * account open until its effective date and shows nothing pending
 * (https://developer.constantcontact.com/api_guide/partners_plans_cancel.html).
 */
function isCancelPending(cancel: DesiredAccount['cancel'], now: string | undefined): boolean {
  if (cancel?.requested_at === undefined || cancel.effective_date === undefined) return false;
  return now === undefined || Date.parse(cancel.effective_date) > Date.parse(now);
}

function baseOf(account: DesiredAccount, live: LiveAccount) {
  return {
    login_name: account.login_name ?? null,
    organization_name: account.organization_name ?? live.organization_name ?? null,
    encoded_account_id: live.encoded_account_id,
    file: account.file,
    line: account.positions['']?.line ?? 1,
  };
}

function computeExisting(
  account: DesiredAccount,
  live: LiveAccount,
  now: string | undefined,
): { changes: Change[]; problems: Problem[] } {
  const view = viewOf(live);
  const base = baseOf(account, live);
  const assumed: Assumed = {
    billing_status: view.billing_status,
    ...(view.plan_type !== undefined && { plan_type: view.plan_type }),
    ...(view.billing_day_of_month !== undefined && { billing_day_of_month: view.billing_day_of_month }),
  };
  const before = { ...assumed };
  const wanted = account.plan;

  if (account.status === 'cancelled') {
    if (view.billing_status === 'Canceled' || isCancelPending(account.cancel, now))
      return { changes: [], problems: [] };
    const cancel: AccountCancellation = {
      ...(account.cancel?.reason_id !== undefined && { reason_id: account.cancel.reason_id }),
      ...(account.cancel?.effective_date !== undefined && { effective_date: account.cancel.effective_date }),
    };
    return {
      changes: [{ action: 'cancel', ...base, assumed, before, after: cancel }],
      problems: [],
    };
  }

  if (view.billing_status === 'Canceled') {
    if (wanted.plan_type === 'TRIAL') {
      return {
        changes: [],
        problems: [
          at(
            account,
            'plan.plan_type',
            'the account is cancelled and CTCT reactivates an account only with a paid ' +
              'plan, never TRIAL: give it a paid plan_type, or set status: cancelled',
          ),
        ],
      };
    }
    return {
      changes: [{ action: 'reactivate', ...base, assumed, before, after: computePlanInfo(wanted, false) }],
      problems: [],
    };
  }

  if (wanted.plan_type === 'TRIAL') {
    if (view.plan_type === 'TRIAL' || (view.plan_type === undefined && view.billing_status === 'Trial'))
      return { changes: [], problems: [] };
    const current =
      view.plan_type !== undefined ? `it is on ${view.plan_type}` : `its billing_status is ${view.billing_status}`;
    return {
      changes: [],
      problems: [
        at(
          account,
          'plan.plan_type',
          'plan_type TRIAL is out of reach: the account has left TRIAL ' +
            `(${current}) and CTCT never returns an account to TRIAL`,
        ),
      ],
    };
  }

  if (view.plan_type === undefined) {
    throw new InternalError(`the plan of ${live.encoded_account_id} (${account.file}) was needed but not read`);
  }

  if (view.plan_type === 'TRIAL') {
    return {
      changes: [{ action: 'update', ...base, assumed, before, after: computePlanInfo(wanted) }],
      problems: [],
    };
  }

  const changes: Change[] = [];
  if (view.plan_type !== wanted.plan_type) {
    changes.push({ action: 'update', ...base, assumed, before, after: computePlanInfo(wanted, false) });
  }
  const liveDay = view.billing_day_of_month;
  if (
    wanted.billing_day_of_month !== undefined &&
    liveDay !== undefined &&
    liveDay !== null &&
    liveDay !== wanted.billing_day_of_month
  ) {
    changes.push({
      action: 'drift',
      ...base,
      before: { billing_day_of_month: liveDay },
      after: { billing_day_of_month: wanted.billing_day_of_month },
      reason:
        'CTCT sets billing_day_of_month only when an account leaves TRIAL, so apply cannot ' +
        `change it; write billing_day_of_month: ${liveDay} in the file to accept the live value`,
    });
  }
  return { changes, problems: [] };
}

const SSO_USER_FIELDS = [
  'login_name',
  'first_name',
  'last_name',
  'contact_email',
  'role_name',
  'external_id',
  'external_provider',
] as const;

/**
 * A `create_sso_user` for each user without `created_at`. CTCT can create an SSO user but neither
 * read, change nor remove one (the partner API has only POST …/users/sso), so a user apply created
 * is never sent again; where the base version of the file shows one, its edit or removal is
 * reported as drift, never applied.
 */
function computeSsoUserChanges(
  account: DesiredAccount,
  live: LiveAccount | null,
  baseUsers: readonly DesiredSsoUser[] | undefined,
): Change[] {
  const base = {
    login_name: account.login_name ?? null,
    organization_name: account.organization_name ?? live?.organization_name ?? null,
    file: account.file,
  };
  const users = account.sso_users ?? [];
  const created = new Map(
    (baseUsers ?? [])
      .filter((user) => user.created_at !== undefined)
      .map((user) => [user.login_name.toLowerCase(), user]),
  );
  const changes: Change[] = [];
  users.forEach((user, index) => {
    const line = account.positions[`sso_users.${index}`]?.line ?? account.positions['']?.line ?? 1;
    const earlier = created.get(user.login_name.toLowerCase());
    created.delete(user.login_name.toLowerCase());
    if (earlier === undefined && user.created_at === undefined) {
      const { created_at: _none, ...body } = user;
      changes.push({
        action: 'create_sso_user',
        ...base,
        encoded_account_id: live?.encoded_account_id ?? null,
        line,
        sso_user: user.login_name,
        before: null,
        after: body,
      });
      return;
    }
    if (earlier === undefined || live === null) return;
    const fields = [...SSO_USER_FIELDS, 'created_at'] as const;
    const edited = fields.filter((field) => earlier[field] !== user[field]);
    if (edited.length === 0) return;
    changes.push({
      action: 'drift',
      ...base,
      encoded_account_id: live.encoded_account_id,
      line,
      sso_user: user.login_name,
      before: Object.fromEntries(edited.map((field) => [field, earlier[field] ?? null])),
      after: Object.fromEntries(edited.map((field) => [field, user[field] ?? null])),
      reason:
        user.created_at === undefined
          ? `SSO user ${user.login_name} was created on ${earlier.created_at}; CTCT answers ` +
            '409 to a second create, so apply never posts it again: put created_at back'
          : 'CTCT can neither read nor change an SSO user once created, so this edit ' +
            `of ${user.login_name} is not applied; the user keeps the values it was created with`,
    });
  });
  if (live === null) return changes;
  for (const gone of created.values()) {
    changes.push({
      action: 'drift',
      ...base,
      encoded_account_id: live.encoded_account_id,
      line: account.positions['sso_users']?.line ?? account.positions['']?.line ?? 1,
      sso_user: gone.login_name,
      before: { login_name: gone.login_name, contact_email: gone.contact_email, role_name: gone.role_name },
      after: {},
      reason:
        `SSO user ${gone.login_name} was removed from the file, but CTCT cannot remove ` +
        'an SSO user: it stays in the account (remove it in Constant Contact by hand)',
    });
  }
  return changes;
}

function viewOf(live: LiveAccount): LiveView {
  if (live.plan !== undefined) {
    return {
      billing_status: live.plan.billing_status,
      plan_type: live.plan.plan_type,
      billing_day_of_month: live.plan.billing_day_of_month,
    };
  }
  if (live.billing_status === 'Trial')
    return { billing_status: 'Trial', plan_type: 'TRIAL', billing_day_of_month: null };
  return { billing_status: live.billing_status, plan_type: undefined, billing_day_of_month: undefined };
}

/** Changes that count toward the share of managed accounts one run may touch. */
const TOUCHING: ReadonlySet<ChangeAction> = new Set(['update', 'update_profile', 'cancel', 'reactivate']);

function evaluateGates(
  summary: PlanSummary,
  touched: number,
  managed: number,
  protectedCancels: DesiredAccount[],
  options: PlanOptions,
): { refusals: Refusal[]; forced: Refusal[] } {
  const refusals: Refusal[] = [];
  const forced: Refusal[] = [];
  const gate = (refusal: Refusal) => (options.force && refusal.override !== null ? forced : refusals).push(refusal);
  for (const account of protectedCancels) {
    gate({
      gate: 'protected',
      message: `${account.file} has protect: true and status: cancelled; a protected account is never cancelled`,
      override: null,
    });
  }
  const { max_cancels, max_creates, max_changed_share, min_accounts_for_share } = options.settings.safety;
  if (summary.cancel > max_cancels) {
    gate({
      gate: 'max_cancels',
      message: `the plan cancels ${summary.cancel} accounts; the limit is ${max_cancels} in one run`,
      override: raiseLimit('max_cancels', summary.cancel),
    });
  }
  if (summary.create > max_creates) {
    gate({
      gate: 'max_creates',
      message: `the plan creates ${summary.create} accounts; the limit is ${max_creates} in one run`,
      override: raiseLimit('max_creates', summary.create),
    });
  }
  if (managed >= min_accounts_for_share && managed > 0 && touched / managed > max_changed_share) {
    gate({
      gate: 'max_changed_share',
      message:
        `the plan changes ${touched} of ${managed} managed accounts ` +
        `(${Math.round((touched / managed) * 100)} %); ` +
        `the limit is ${Math.round(max_changed_share * 100)} % in one run`,
      override: raiseLimit('max_changed_share', Math.ceil((touched / managed) * 100) / 100),
    });
  }
  if (options.settings.orphans === 'fail' && summary.orphan > 0) {
    gate({
      gate: 'orphans',
      message: `${summary.orphan} live accounts are named by no file (orphans: fail)`,
      override: 'adopt them with ctct-gitops import, set orphans: report in ctct-gitops.yaml, or rerun with --force',
    });
  }
  return { refusals, forced };
}

/**
 * How to pass a limit, from a terminal or from a pull request: a raised setting in the same pull
 * request is reviewed with it, and both its plan and the apply after the merge read it.
 */
function raiseLimit(setting: string, needed: number): string {
  return (
    `set safety.${setting}: ${needed} in ctct-gitops.yaml (from a pull request: in the same ` +
    'pull request, so its plan and the apply after the merge both pass), or rerun with --force'
  );
}

/** API calls apply will make for a change: a create with a paid plan is POST, then PUT plan. */
export function applyCallsOf(change: Change): number {
  switch (change.action) {
    case 'create':
      return change.after.plan_type === 'TRIAL' ? 1 : 2;
    case 'update':
    case 'reactivate':
    case 'cancel':
    case 'create_sso_user':
      return 1;
    case 'update_profile': {
      const { physical_address: address, ...fields } = change.after;
      return (Object.keys(fields).length > 0 ? 1 : 0) + (address !== undefined ? 1 : 0);
    }
    default:
      return 0;
  }
}

function summarise(changes: readonly Change[]): PlanSummary {
  const summary: PlanSummary = {
    create: 0,
    update: 0,
    update_profile: 0,
    reactivate: 0,
    cancel: 0,
    create_sso_user: 0,
    drift: 0,
    orphan: 0,
  };
  for (const change of changes) summary[change.action]++;
  return summary;
}

function compareChanges(a: Change, b: Change): number {
  const byAction = ACTION_ORDER.indexOf(a.action) - ACTION_ORDER.indexOf(b.action);
  if (byAction !== 0) return byAction;
  const ka = `${a.login_name ?? ''}\u0000${a.encoded_account_id ?? ''}\u0000${a.file ?? ''}\u0000${ssoUserOf(a)}`;
  const kb = `${b.login_name ?? ''}\u0000${b.encoded_account_id ?? ''}\u0000${b.file ?? ''}\u0000${ssoUserOf(b)}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function ssoUserOf(change: Change): string {
  return change.action === 'create_sso_user' || change.action === 'drift' ? (change.sso_user ?? '') : '';
}

function at(account: DesiredAccount, field: string, message: string): Problem {
  const position = account.positions[field] ?? account.positions[''] ?? { line: 1, col: 1 };
  return { file: account.file, line: position.line, col: position.col, message };
}

function fingerprintOf(desired: readonly DesiredAccount[], live: LiveState, options: PlanOptions): string {
  const hash = createHash('sha256');
  hash.update(
    canonicalJson({
      orphans: options.settings.orphans,
      safety: options.settings.safety,
      force: options.force,
      not_refreshed: [...live.notRefreshed].sort(),
      ...(options.targets !== undefined && { targets: [...options.targets].sort() }),
      ...(options.refreshOnly && { refresh_only: true }),
    }),
  );
  // Account by account: one large string for 10,000 accounts would cost more than the hashing.
  const byFile = [...desired].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const { positions: _positions, ...account } of byFile) hash.update(`\n${canonicalJson(account)}`);
  hash.update('\nlive');
  const byId = [...live.accounts].sort((a, b) => (a.encoded_account_id < b.encoded_account_id ? -1 : 1));
  for (const account of byId) hash.update(`\n${canonicalJson(account)}`);
  if (options.baseSsoUsers !== undefined) {
    hash.update('\nbase sso users');
    for (const file of [...options.baseSsoUsers.keys()].sort())
      hash.update(`\n${canonicalJson({ file, users: options.baseSsoUsers.get(file) })}`);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** JSON with object keys sorted, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    if (record[key] !== undefined) parts.push(`${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  }
  return `{${parts.join(',')}}`;
}
