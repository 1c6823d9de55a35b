import type {
  AccountCancellation,
  AccountPhysicalAddress,
  CustomerPut,
  CustomerSummary,
  PlanInfo,
  ProvisionRequest,
  SsoUser,
} from './ctct/ctct-types.js';
import type { Problem } from './errors.js';

/** Where a value stands in its file, 1-based. */
export interface SourcePosition {
  line: number;
  col: number;
}

export type AccountStatus = 'active' | 'cancelled';

/** The `plan:` block of an account file, with the default applied. */
export interface DesiredPlan {
  plan_type: string;
  billing_day_of_month?: number;
  plan_group_id?: number;
}

export interface DesiredCancel {
  reason_id: number;
  effective_date?: string;
  /** When apply requested a cancellation that takes effect later (written back by apply). */
  requested_at?: string;
}

/** Fields sent only when creating an account: the partner API can neither read nor change them. */
export type CreateOnlyFields = Partial<Omit<ProvisionRequest, 'login_name' | 'password'>>;

/** One validated, normalised account file. */
export interface DesiredAccount extends CreateOnlyFields {
  /** Path of the file relative to the working directory, with `/` separators. */
  file: string;
  /** Position of each field by dotted path (`login_name`, `plan.plan_type`); `''` is the document. */
  positions: Record<string, SourcePosition>;
  login_name?: string;
  encoded_account_id?: string;
  password_env?: string;
  plan: DesiredPlan;
  status: AccountStatus;
  cancel?: DesiredCancel;
  protect: boolean;
  sso_users?: DesiredSsoUser[];
  /** Managed accounts only (`managed_site_owner: true`); reconciled through account_operations/sync. */
  physical_address?: AccountPhysicalAddress;
}

/** A user of an SSO-enabled account: the vendor spec's `SSOUser`, and when apply created it. */
export interface DesiredSsoUser extends SsoUser {
  /** Written by apply once CTCT accepted the user; such a user is never sent again. */
  created_at?: string;
}

/** A live plan as read from GET /partner/accounts/{id}/plan. */
export interface LivePlan {
  plan_type: string;
  billing_status: string;
  billing_day_of_month: number | null;
}

/** A live account from GET /partner/accounts, with its plan where it was read. */
export interface LiveAccount {
  encoded_account_id: string;
  organization_name?: string;
  site_owner_name?: string;
  billing_status: string;
  subscriber_count?: number;
  plan?: LivePlan;
  /** Whether GET /partner/accounts?account_type=managed lists it; undefined where that was not read. */
  managed?: boolean;
  /** GET /account/summary?extra_fields=physical_address through sync, where a file declares details to compare. */
  profile?: CustomerSummary;
  /** The account file that named it and was removed since the base ref (`--changed-since`); read by that id. */
  removed_file?: string;
}

/** An account the read budget left unread, and when it was last verified against CTCT. */
export interface NotRefreshed {
  encoded_account_id: string;
  file: string;
  /** ISO-8601; null when this repository never verified it. */
  last_verified: string | null;
}

/** Everything read from CTCT for one plan. */
export interface LiveState {
  /**
   * Live accounts read: the whole listing when `listed`, else only those read by id. Only a
   * whole listing proves that an account is absent or that a live account is an orphan.
   */
  accounts: LiveAccount[];
  /** Whether `accounts` is the listing of GET /partner/accounts (with the account_type setting). */
  listed: boolean;
  /** Ids whose plan was deliberately not read (out of scope, or over the budget): taken as converged. */
  notRefreshed: string[];
  /** Of those, the ones the budget left out. */
  skipped: NotRefreshed[];
  /** Ids of named accounts verified by this read (by the list or by their own GET). */
  refreshed: string[];
  /** API calls spent reading this state. */
  calls: { list: number; plan: number; managed_list?: number; summary?: number };
}

export type ChangeAction =
  | 'create'
  | 'update'
  | 'update_profile'
  | 'cancel'
  | 'reactivate'
  | 'create_sso_user'
  | 'drift'
  | 'orphan';

/** The live values a change was computed against; a saved plan is checked against them again. */
export interface Assumed {
  billing_status: string;
  plan_type?: string;
  billing_day_of_month?: number | null;
}

interface ChangeBase {
  login_name: string | null;
  /** For people reading the plan: the file's organization name, else the live one. */
  organization_name: string | null;
  encoded_account_id: string | null;
  /** Account file, relative path; null for an orphan. */
  file: string | null;
  line: number | null;
}

/** What a create sends with POST /partner/accounts: the file's fields; the password stays in its variable. */
export type CreateFields = CreateOnlyFields & { password_env?: string };

/** The request fields of a create and the plan it is to have; a plan other than TRIAL is PUT right after. */
export type CreateAfter = CreateFields & PlanInfo;

export interface CreateChange extends ChangeBase {
  action: 'create';
  login_name: string;
  encoded_account_id: null;
  file: string;
  before: null;
  after: CreateAfter;
  /** Set when the create cannot run because its initial password is missing; apply skips it. */
  blocked?: CreateBlocked;
}

/** Why a create cannot run; everything else in the plan goes on without it. */
export interface CreateBlocked {
  /** The variable that `password_env` names. */
  password_env: string;
  reason: string;
}
export interface UpdateChange extends ChangeBase {
  action: 'update';
  encoded_account_id: string;
  file: string;
  assumed: Assumed;
  before: Assumed;
  /** The body of PUT …/plan. */
  after: PlanInfo;
}
/** Account details and physical address, field names as in CTCT's `CustomerPut` and `AccountPhysicalAddress`. */
export type ProfileValues = { [K in keyof CustomerPut]: CustomerPut[K] } & {
  /** null: the account has no address. */
  physical_address?: AccountPhysicalAddress | null;
};

/**
 * Changes the details of a managed account through account_operations/sync: the summary fields go
 * in one PUT /account/summary, the address is POSTed (none yet) or PUT whole.
 */
export interface UpdateProfileChange extends ChangeBase {
  action: 'update_profile';
  encoded_account_id: string;
  file: string;
  /** The live values of the fields that differ; a saved plan is checked against them again. */
  before: ProfileValues;
  /**
   * The file's values of the fields that differ. The address is whole: PUT replaces it, and
   * "excluding a non-read only field from the request body removes it" (spec/ctct-v3-swagger-3.0.178.yaml line 321).
   */
  after: ProfileValues;
}
export interface ReactivateChange extends ChangeBase {
  action: 'reactivate';
  encoded_account_id: string;
  file: string;
  assumed: Assumed;
  before: Assumed;
  /** The body of PUT …/plan; a paid plan moves a cancelled account back to `Open`. */
  after: PlanInfo;
}
export interface CancelChange extends ChangeBase {
  action: 'cancel';
  encoded_account_id: string;
  file: string;
  assumed: Assumed;
  before: Assumed;
  /** The body of PUT …/status/cancel. */
  after: AccountCancellation;
}
/**
 * POST /partner/accounts/{id}/users/sso for a user of the file without `created_at`. The id is
 * null while the account is created earlier in the same apply.
 */
export interface CreateSsoUserChange extends ChangeBase {
  action: 'create_sso_user';
  file: string;
  /** The user's `login_name` (the change's `login_name` is the account's). */
  sso_user: string;
  before: null;
  /** The body of POST …/users/sso. */
  after: SsoUser;
}
export interface DriftChange extends ChangeBase {
  action: 'drift';
  encoded_account_id: string;
  file: string;
  /** Set when the drift is an SSO user's: its `login_name`. */
  sso_user?: string;
  /** Live values and the file's, by field; reported, never sent. */
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  /** Why apply cannot fix it. */
  reason: string;
}
export interface OrphanChange extends ChangeBase {
  action: 'orphan';
  encoded_account_id: string;
  file: null;
  /**
   * Set when the orphan is an account whose file this change removed (`--changed-since`): removing
   * a file never cancels, so the account stays live. Absent for an account no file ever named here.
   */
  removed_file?: string;
  before: { billing_status: string };
  after: null;
}

export type Change =
  | CreateChange
  | UpdateChange
  | UpdateProfileChange
  | ReactivateChange
  | CancelChange
  | CreateSsoUserChange
  | DriftChange
  | OrphanChange;

/** The changes apply carries out; the others are reported only. */
export type AppliedChange =
  | CreateChange
  | UpdateChange
  | UpdateProfileChange
  | ReactivateChange
  | CancelChange
  | CreateSsoUserChange;

export function isAppliedChange(change: Change): change is AppliedChange {
  return (
    change.action === 'create' ||
    change.action === 'update' ||
    change.action === 'update_profile' ||
    change.action === 'reactivate' ||
    change.action === 'cancel' ||
    change.action === 'create_sso_user'
  );
}

/** A safety gate that refused the plan, and how to pass it. */
export interface Refusal {
  gate: 'max_cancels' | 'max_creates' | 'max_changed_share' | 'protected' | 'orphans';
  message: string;
  /** How to pass it; null where nothing may (a protected account). */
  override: string | null;
}

export interface PlanSummary {
  create: number;
  update: number;
  update_profile: number;
  reactivate: number;
  cancel: number;
  create_sso_user: number;
  drift: number;
  orphan: number;
}

/** What the plan cost and what apply will cost, in API calls against the rate limit. */
export interface ApiEstimate {
  list_calls: number;
  plan_calls: number;
  /** GET /partner/accounts?account_type=managed pages, read only when a file declares account details. */
  managed_list_calls: number;
  /** GET /account/summary through sync, one per managed account whose details are compared. */
  summary_calls: number;
  apply_calls: number;
  requests_per_second: number;
  apply_seconds: number;
  /** Named accounts verified by this plan's reads. */
  refreshed: number;
  not_refreshed: number;
  /** The read budget (`--max-api-calls`); null for none. */
  max_calls: number | null;
}

/** The plan: a plain value, deterministic for the same inputs. */
export interface Plan {
  format_version: 1;
  /**
   * `plan --refresh-only`: the changes are where live state differs from the files, and nothing
   * is proposed; apply refuses such a plan. Absent otherwise.
   */
  refresh_only?: true;
  /**
   * `--target`: the account files the plan was limited to, sorted. Every output warns that the
   * plan may not be all the files ask for (as Terraform's "Resource targeting is in effect").
   */
  targets?: string[];
  /** sha256 of the normalised desired and live inputs; no timestamps. */
  fingerprint: string;
  summary: PlanSummary;
  changes: Change[];
  /** Desired states CTCT cannot reach (paid → TRIAL, an id that is not live). */
  problems: Problem[];
  refusals: Refusal[];
  /**
   * What the plan cannot check or does only in part, at the file's line (a `plan_group_id` CTCT
   * cannot read back); present only when there is something to say. Never a reason to change.
   */
  notices?: Problem[];
  /** Gates passed with --force, for the record. */
  forced: Refusal[];
  managed_accounts: number;
  api: ApiEstimate;
  /** Accounts the read budget left unread, least recently verified first: their changes wait for a later run. */
  over_budget: NotRefreshed[];
}
