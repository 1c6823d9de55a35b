import type {
  DesiredAccount,
  DesiredCancel,
  DesiredSsoUser,
  LiveAccount,
  LivePlan,
  LiveState,
  SourcePosition,
} from '../../src/model.js';
import type { PlanOptions } from '../../src/plan/compute-plan.js';
import { DEFAULT_SETTINGS, type OrphanPolicy, type Settings } from '../../src/settings/settings.js';

/** What a test says about an account file; everything else takes the loader's defaults. */
export interface AccountSpec {
  file?: string;
  login_name?: string;
  encoded_account_id?: string;
  plan_type?: string;
  billing_day_of_month?: number;
  plan_group_id?: number;
  status?: 'active' | 'cancelled';
  cancel?: DesiredCancel;
  protect?: boolean;
  /** Create-only fields, e.g. contact_email, organization_name. */
  extra?: Partial<Omit<DesiredAccount, 'file' | 'positions' | 'plan' | 'status' | 'protect'>>;
  /** Lines of comments above the first field, so the document does not start on line 1. */
  commentLines?: number;
}

/**
 * A normalised account file as the loader gives it, with the positions its YAML would have
 * (one field per line in the order below, value column = key length + 3, plan fields indented).
 */
export function desiredAccount(spec: AccountSpec): DesiredAccount {
  const positions: Record<string, SourcePosition> = {};
  let line = (spec.commentLines ?? 0) + 1;
  const place = (key: string, indent = 0) => {
    const name = key.split('.').pop() ?? key;
    positions[key] = { line, col: indent + name.length + 3 };
    line++;
  };
  const first = line;
  if (spec.login_name !== undefined) place('login_name');
  if (spec.encoded_account_id !== undefined) place('encoded_account_id');
  for (const key of Object.keys(spec.extra ?? {})) place(key);
  if (spec.plan_type !== undefined || spec.billing_day_of_month !== undefined || spec.plan_group_id !== undefined) {
    line++; // `plan:`
    if (spec.plan_type !== undefined) place('plan.plan_type', 2);
    if (spec.billing_day_of_month !== undefined) place('plan.billing_day_of_month', 2);
    if (spec.plan_group_id !== undefined) place('plan.plan_group_id', 2);
  }
  if (spec.status !== undefined) place('status');
  if (spec.cancel !== undefined) {
    line++; // `cancel:`
    place('cancel.reason_id', 2);
    if (spec.cancel.effective_date !== undefined) place('cancel.effective_date', 2);
  }
  if (spec.protect !== undefined) place('protect');
  positions[''] = { line: first, col: 1 };

  const name = spec.login_name ?? spec.encoded_account_id ?? 'account';
  return {
    ...spec.extra,
    file: spec.file ?? `accounts/${name}.yaml`,
    positions,
    ...(spec.login_name !== undefined && { login_name: spec.login_name }),
    ...(spec.encoded_account_id !== undefined && { encoded_account_id: spec.encoded_account_id }),
    plan: {
      plan_type: spec.plan_type ?? 'TRIAL',
      ...(spec.billing_day_of_month !== undefined && { billing_day_of_month: spec.billing_day_of_month }),
      ...(spec.plan_group_id !== undefined && { plan_group_id: spec.plan_group_id }),
    },
    status: spec.status ?? 'active',
    ...(spec.cancel !== undefined && { cancel: spec.cancel }),
    protect: spec.protect ?? false,
  };
}

/** A live account as the list gives it, with its plan where it was read. */
export function liveAccount(
  id: string,
  billingStatus: string,
  plan?: LivePlan,
  organizationName?: string,
): LiveAccount {
  return {
    encoded_account_id: id,
    billing_status: billingStatus,
    ...(organizationName !== undefined && { organization_name: organizationName }),
    ...(plan !== undefined && { plan }),
  };
}

export function livePlan(planType: string, billingStatus: string, day: number | null): LivePlan {
  return { plan_type: planType, billing_status: billingStatus, billing_day_of_month: day };
}

export function liveState(accounts: LiveAccount[], extra: Partial<Omit<LiveState, 'accounts'>> = {}): LiveState {
  return {
    accounts,
    listed: extra.listed ?? true,
    notRefreshed: extra.notRefreshed ?? [],
    skipped: extra.skipped ?? [],
    refreshed: extra.refreshed ?? [],
    calls: extra.calls ?? { list: 1, plan: accounts.filter((a) => a.plan !== undefined).length },
  };
}

export function planOptions(
  overrides: {
    orphans?: OrphanPolicy;
    safety?: Partial<Settings['safety']>;
    requests_per_second?: number;
    force?: boolean;
  } = {},
): PlanOptions {
  return {
    settings: {
      orphans: overrides.orphans ?? DEFAULT_SETTINGS.orphans,
      safety: { ...DEFAULT_SETTINGS.safety, ...overrides.safety },
      requests_per_second: overrides.requests_per_second ?? DEFAULT_SETTINGS.requests_per_second,
    },
    force: overrides.force ?? false,
  };
}

/** A deterministic shuffle (a fixed permutation), so tests of order independence are repeatable. */
export function reorder<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = (i * 7 + 3) % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** An SSO user as the loader gives it; `contact_email` follows the login. */
export function ssoUser(login: string, fields: Partial<DesiredSsoUser> = {}): DesiredSsoUser {
  return {
    login_name: login,
    first_name: 'Josie',
    last_name: 'Lang',
    contact_email: `${login}@example.com`,
    role_name: 'campaign_creator',
    external_id: '23378234122161121',
    external_provider: 'Yahoo',
    ...fields,
  };
}
