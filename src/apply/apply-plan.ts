import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { writeAccountId } from '../accounts/write-account-id.js';
import { writeCancelRequested } from '../accounts/write-cancel-requested.js';
import { CreateOutcomeUnknownError, CtctApiError, QuotaExceededError } from '../ctct/ctct-api-error.js';
import type { AccountCancellation, AccountPhysicalAddress, CustomerPut, PlanInfo, PlanTiers, ProvisionRequest, ProvisionResponse, SiteOwner } from '../ctct/ctct-types.js';
import { InternalError, OperationalError } from '../errors.js';
import { findPasswordProblem } from '../settings/compute-password-env.js';
import { isAppliedChange, type AppliedChange, type CancelChange, type Change, type CreateAfter, type CreateChange, type CreateFields, type CreateSsoUserChange, type Plan, type ReactivateChange, type UpdateChange, type UpdateProfileChange } from '../model.js';
import { applySsoUserCreate, ssoUserKey, type SsoUserClient } from './apply-sso-user.js';
import type { Journal } from './journal.js';

/** The part of the CTCT client that apply needs. */
export interface ApplyClient extends SsoUserClient {
  createAccount(body: ProvisionRequest): Promise<ProvisionResponse>;
  setPlan(encodedAccountId: string, body: PlanInfo): Promise<PlanTiers>;
  cancelAccount(encodedAccountId: string, body: AccountCancellation): Promise<AccountCancellation>;
  listAccounts(): Promise<SiteOwner[]>;
  updateAccountSummary(encodedAccountId: string, body: CustomerPut): Promise<CustomerPut>;
  addPhysicalAddress(encodedAccountId: string, address: AccountPhysicalAddress): Promise<AccountPhysicalAddress>;
  updatePhysicalAddress(encodedAccountId: string, address: AccountPhysicalAddress): Promise<AccountPhysicalAddress>;
}

export type OutcomeStatus = 'applied' | 'failed' | 'skipped';

/** What became of one change. */
export interface Outcome {
  action: Change['action'];
  login_name: string | null;
  encoded_account_id: string | null;
  file: string | null;
  /** The user's login_name, for `create_sso_user`. */
  sso_user?: string;
  status: OutcomeStatus;
  error?: string;
}

/** The apply report (`apply --report`), versioned like the plan. */
export interface ApplyReport {
  format_version: 1;
  fingerprint: string;
  summary: Record<OutcomeStatus, number>;
  outcomes: Outcome[];
  /** Account files that received an encoded_account_id, for the workflow to commit. */
  files_written: string[];
}

export interface ProgressEvent {
  done: number;
  total: number;
  failed: number;
  outcome: Outcome;
}

export interface ApplyContext {
  client: ApplyClient;
  cwd: string;
  journal: Journal;
  env: NodeJS.ProcessEnv;
  concurrency: number;
  /** Every id listed before this run's first POST: a new account is one not among them. */
  knownIds: ReadonlySet<string>;
  /** Ids the account files name: an account none of them names may be adopted after a 409. */
  namedIds: ReadonlySet<string>;
  /** Logins whose earlier create is still unresolved: never POSTed again blindly. */
  unresolvedLogins?: ReadonlySet<string>;
  /** SSO users ({@link ssoUserKey}) whose earlier create is still unresolved. */
  unresolvedSsoUsers?: ReadonlySet<string>;
  onProgress?: (event: ProgressEvent) => void;
  /** Waits between listings while resolving a create whose outcome is unknown. */
  resolveDelaysMs?: readonly number[];
}

const DEFAULT_RESOLVE_DELAYS_MS = [1000, 2000, 4000, 8000];

/** The POST /partner/accounts body of a create; `state_code` is sent empty outside the US and Canada. */
export function computeProvisionRequest(loginName: string, fields: CreateFields & Partial<PlanInfo>, env: NodeJS.ProcessEnv): ProvisionRequest {
  const { password_env, plan_type: _planType, billing_day_of_month: _day, plan_group_id: _group, contact_email, country_code, state_code, ...rest } = fields;
  // The schema requires both on a file without encoded_account_id; a create without them is a bug upstream.
  if (contact_email === undefined || country_code === undefined) throw new InternalError(`the create of ${loginName} lacks contact_email or country_code`);
  return {
    ...rest,
    login_name: loginName,
    contact_email,
    country_code,
    state_code: state_code ?? '',
    ...(password_env !== undefined && { password: env[password_env] ?? '' }),
  };
}

/** The plan a new account is given right after its POST; null for TRIAL, which every new account starts on. */
export function computeCreatePlan(after: CreateAfter): PlanInfo | null {
  const { plan_type, billing_day_of_month, plan_group_id } = after;
  if (plan_type === 'TRIAL') return null;
  return { plan_type, ...(billing_day_of_month !== undefined && { billing_day_of_month }), ...(plan_group_id !== undefined && { plan_group_id }) };
}

/**
 * Carries out a plan: creates first, then plan changes, then cancels, each phase behind one
 * concurrency limit over the shared rate-limited client. Every change ends applied, failed or
 * skipped; one failure never stops independent accounts, but a spent daily quota stops the run.
 */
export async function applyPlan(plan: Plan, context: ApplyContext): Promise<ApplyReport> {
  const actionable = plan.changes.filter(isAppliedChange);
  const limit = pLimit(context.concurrency);
  const indexOf = new Map(actionable.map((change, index) => [change, index]));
  const outcomes: Outcome[] = new Array<Outcome>(actionable.length);
  const filesWritten: string[] = [];
  let done = 0;
  const claimed = new Set<string>();
  let stopped: string | null = null;
  let failed = 0;
  const runId = actionable.some((change) => change.action === 'create' || change.action === 'create_sso_user') ? await context.journal.startRun(context.knownIds) : '';

  const run = (change: AppliedChange, work: () => Promise<string | null>) =>
    limit(async () => {
      let outcome: Outcome;
      if (stopped !== null) outcome = outcomeOf(change, 'skipped', null, stopped);
      else {
        try {
          outcome = outcomeOf(change, 'applied', await work());
        } catch (error) {
          if (error instanceof SkippedChange) outcome = outcomeOf(change, 'skipped', null, error.message);
          else {
            if (error instanceof QuotaExceededError) stopped = `not attempted: ${error.message}`;
            outcome = outcomeOf(change, 'failed', (error as { encodedAccountId?: string }).encodedAccountId ?? null, messageOf(error));
          }
        }
      }
      if (outcome.status === 'failed') failed++;
      outcomes[indexOf.get(change) ?? 0] = outcome;
      context.onProgress?.({ done: ++done, total: actionable.length, failed, outcome });
    });

  const creates = actionable.filter((change): change is CreateChange => change.action === 'create');
  const planChanges = actionable.filter((change): change is UpdateChange | ReactivateChange => change.action === 'update' || change.action === 'reactivate');
  const ssoUsers = actionable.filter((change): change is CreateSsoUserChange => change.action === 'create_sso_user');
  const cancels = actionable.filter((change): change is CancelChange => change.action === 'cancel');
  await Promise.all(creates.map((change) => run(change, () => applyCreate(change, context, runId, claimed, filesWritten))));
  await Promise.all(planChanges.map((change) => run(change, async () => {
    await context.client.setPlan(change.encoded_account_id, change.after);
    return change.encoded_account_id;
  })));
  const profileChanges = actionable.filter((change): change is UpdateProfileChange => change.action === 'update_profile');
  await Promise.all(profileChanges.map((change) => run(change, () => applyProfile(change, context.client))));
  // A new account's users go once it exists: its id from this run's create (which may have failed only at its plan).
  const createdIds = new Map(outcomes.filter((o) => o?.action === 'create' && o.encoded_account_id !== null).map((o) => [o.file, o.encoded_account_id]));
  await Promise.all(ssoUsers.map((change) => run(change, async () => {
    const id = change.encoded_account_id ?? createdIds.get(change.file);
    if (id === undefined || id === null) throw new SkippedChange(`not attempted: the account of ${change.file} was not created`);
    if (context.unresolvedSsoUsers?.has(ssoUserKey(id, change.sso_user))) {
      throw new OperationalError(`an earlier create of SSO user ${change.sso_user} in ${id} has an unknown outcome and is still unresolved (see .ctct-gitops/journal.jsonl); not posted again`);
    }
    await applySsoUserCreate(context.client, context.journal, context.cwd, { runId, encodedAccountId: id, file: change.file, user: change.after }, context.resolveDelaysMs?.[0] ?? DEFAULT_RESOLVE_DELAYS_MS[0]!);
    filesWritten.push(change.file);
    return id;
  })));
  await Promise.all(cancels.map((change) => run(change, async () => {
    const requestedAt = new Date().toISOString();
    await context.client.cancelAccount(change.encoded_account_id, change.after);
    // The account stays open until a future effective date; the file remembers the request.
    const { effective_date } = change.after;
    if (effective_date !== undefined && Date.parse(effective_date) > Date.parse(requestedAt)) {
      await writeCancelRequested(context.cwd, change.file, requestedAt);
      filesWritten.push(change.file);
    }
    return change.encoded_account_id;
  })));

  return {
    format_version: 1,
    fingerprint: plan.fingerprint,
    summary: {
      applied: outcomes.filter((o) => o.status === 'applied').length,
      failed: outcomes.filter((o) => o.status === 'failed').length,
      skipped: outcomes.filter((o) => o.status === 'skipped').length,
    },
    outcomes,
    files_written: [...new Set(filesWritten)].sort(),
  };
}

/** A change apply leaves alone on purpose; its outcome is `skipped` with the message as the reason. */
class SkippedChange extends Error {}

async function applyCreate(change: CreateChange, context: ApplyContext, runId: string, claimed: Set<string>, filesWritten: string[]): Promise<string> {
  const login = change.login_name;
  const passwordEnv = change.after.password_env;
  const problem = passwordEnv !== undefined ? findPasswordProblem(passwordEnv, context.env[passwordEnv], login) : null;
  if (problem !== null || change.blocked !== undefined) {
    // A saved plan that marked the create blocked is held to it, even if the password has come since.
    const reason = problem ?? `${change.blocked?.reason} (as the saved plan says; plan again to include it)`;
    throw new SkippedChange(`not created: ${reason}. Set ${passwordEnv} (or add it to CTCT_INITIAL_PASSWORDS) and apply again`);
  }
  if (context.unresolvedLogins?.has(login.toLowerCase())) {
    throw new OperationalError(`an earlier create of ${login} has an unknown outcome and is still unresolved (see .ctct-gitops/journal.jsonl); not POSTed again`);
  }
  const body = computeProvisionRequest(login, change.after, context.env);
  const plan = computeCreatePlan(change.after);
  const intent = await context.journal.recordIntent(runId, login, change.file, body.organization_name, plan);
  let id: string;
  try {
    id = (await context.client.createAccount(body)).encoded_account_id;
    await context.journal.recordCreated(intent.intent_id, id, 'response');
  } catch (error) {
    if (error instanceof CtctApiError && error.status === 409) {
      // Without the journal of a run that died after its POST (a CI runner starts clean), the
      // account exists but no file names it: adopt it when exactly one such account has this login.
      const adopted = findNewAccount(await context.client.listAccounts(), { login, organizationName: undefined, knownIds: context.namedIds, claimed });
      if (adopted === null) {
        await context.journal.recordAbandoned(intent.intent_id, messageOf(error));
        throw error;
      }
      id = adopted;
      await context.journal.recordCreated(intent.intent_id, id, 'listed');
      return finishCreate(change, context, intent.intent_id, id, plan, claimed, filesWritten);
    }
    if (!(error instanceof CreateOutcomeUnknownError)) {
      if (error instanceof CtctApiError && error.status !== undefined && error.status < 500) await context.journal.recordAbandoned(intent.intent_id, messageOf(error));
      throw error;
    }
    const resolved = await resolveUnknownCreate(context.client, { login, organizationName: body.organization_name, knownIds: context.knownIds, claimed, body }, context.resolveDelaysMs ?? DEFAULT_RESOLVE_DELAYS_MS);
    if (resolved === null) {
      throw new OperationalError(`the create of ${login} has an unknown outcome (${error.message}) and the account is not listed yet; the next apply resolves it from the journal without creating a duplicate`);
    }
    id = resolved.id;
    await context.journal.recordCreated(intent.intent_id, id, resolved.how);
  }
  return finishCreate(change, context, intent.intent_id, id, plan, claimed, filesWritten);
}

/** Writes the new id into the file, then gives the account its plan when that is not TRIAL. */
async function finishCreate(change: CreateChange, context: ApplyContext, intentId: string, id: string, plan: PlanInfo | null, claimed: Set<string>, filesWritten: string[]): Promise<string> {
  const login = change.login_name;
  claimed.add(id);
  await writeAccountId(context.cwd, change.file, id);
  filesWritten.push(change.file);
  await context.journal.recordWritten(intentId, change.file);
  if (plan !== null) {
    try {
      // The billing day goes with this first PUT: CTCT takes it only when the account leaves TRIAL.
      await context.client.setPlan(id, plan);
      await context.journal.recordPlanned(intentId);
    } catch (error) {
      throw Object.assign(new OperationalError(`created ${login} as ${id} (written to ${change.file}) but setting its plan failed: ${messageOf(error)}; the next apply sets it`), { encodedAccountId: id });
    }
  }
  return id;
}

/**
 * Sends an account's new details through account_operations/sync: the changed summary fields in
 * one PUT /account/summary, then the address, POSTed when the plan saw none. A POST answered 409
 * means an address appeared since the plan; the PUT that replaces it is then safe to send.
 */
async function applyProfile(change: UpdateProfileChange, client: ApplyClient): Promise<string> {
  const id = change.encoded_account_id;
  const { physical_address: address, ...fields } = change.after;
  if (Object.keys(fields).length > 0) await client.updateAccountSummary(id, fields);
  if (address !== undefined && address !== null) {
    if (change.before.physical_address !== null) await client.updatePhysicalAddress(id, address);
    else {
      try {
        await client.addPhysicalAddress(id, address);
      } catch (error) {
        if (!(error instanceof CtctApiError && error.status === 409)) throw error;
        await client.updatePhysicalAddress(id, address);
      }
    }
  }
  return id;
}

/**
 * Finds the account a create with an unknown outcome made: a listed id that was not there before
 * and whose site owner name or organization name matches. One re-POST is safe because CTCT keeps
 * login names unique: it answers 409 when the first attempt did create the account.
 */
export async function resolveUnknownCreate(
  client: Pick<ApplyClient, 'listAccounts' | 'createAccount'>,
  wanted: { login: string; organizationName: string | undefined; knownIds: ReadonlySet<string>; claimed: Set<string>; body: ProvisionRequest | null },
  delaysMs: readonly number[],
): Promise<{ id: string; how: 'listed' | 're-post' } | null> {
  for (let attempt = 0; attempt <= delaysMs.length; attempt++) {
    const found = findNewAccount(await client.listAccounts(), wanted);
    if (found !== null) {
      wanted.claimed.add(found);
      return { id: found, how: 'listed' };
    }
    if (attempt === 0 && wanted.body !== null) {
      try {
        const created = await client.createAccount(wanted.body);
        return { id: created.encoded_account_id, how: 're-post' };
      } catch (error) {
        const conflict = error instanceof CtctApiError && error.status === 409;
        if (!conflict && !(error instanceof CreateOutcomeUnknownError)) throw error;
      }
    }
    if (attempt < delaysMs.length) await sleep(delaysMs[attempt]);
  }
  return null;
}

function findNewAccount(owners: readonly SiteOwner[], wanted: { login: string; organizationName: string | undefined; knownIds: ReadonlySet<string>; claimed: ReadonlySet<string> }): string | null {
  const fresh = owners.filter((owner) => !wanted.knownIds.has(owner.encoded_account_id) && !wanted.claimed.has(owner.encoded_account_id));
  const pick = (matches: SiteOwner[]) => {
    if (matches.length > 1) {
      throw new OperationalError(`cannot tell which of ${matches.map((m) => m.encoded_account_id).join(', ')} is ${wanted.login}; add its encoded_account_id to the file by hand`);
    }
    return matches[0]?.encoded_account_id ?? null;
  };
  const byLogin = pick(fresh.filter((owner) => owner.site_owner_name?.toLowerCase() === wanted.login.toLowerCase()));
  if (byLogin !== null || wanted.organizationName === undefined) return byLogin;
  return pick(fresh.filter((owner) => owner.organization_name === wanted.organizationName));
}

function outcomeOf(change: Change, status: OutcomeStatus, id: string | null, error?: string): Outcome {
  return {
    action: change.action,
    login_name: change.login_name,
    encoded_account_id: id ?? change.encoded_account_id,
    file: change.file,
    ...(change.action === 'create_sso_user' && { sso_user: change.sso_user }),
    status,
    ...(error !== undefined && { error }),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
