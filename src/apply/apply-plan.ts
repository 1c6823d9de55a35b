import pLimit from 'p-limit';
import { writeAccountId } from '../accounts/write-account-id.js';
import { writeCancelRequested } from '../accounts/write-cancel-requested.js';
import { CreateOutcomeUnknownError, CtctApiError, QuotaExceededError } from '../ctct/ctct-api-error.js';
import type {
  AccountCancellation,
  AccountPhysicalAddress,
  CustomerPut,
  PlanInfo,
  PlanTiers,
  ProvisionRequest,
  ProvisionResponse,
  SiteOwner,
} from '../ctct/ctct-types.js';
import { InternalError, OperationalError } from '../errors.js';
import { findPasswordProblem } from '../settings/compute-password-env.js';
import {
  isAppliedChange,
  type AppliedChange,
  type CancelChange,
  type Change,
  type CreateAfter,
  type CreateChange,
  type CreateFields,
  type CreateSsoUserChange,
  type Plan,
  type ReactivateChange,
  type UpdateChange,
  type UpdateProfileChange,
} from '../model.js';
import { applySsoUserCreate, ssoUserKey, type SsoUserClient } from './apply-sso-user.js';
import type { Journal, ReleasedRecord } from './journal.js';
import { checkReleasedCreate } from './release-pending.js';
import { sleep } from '../sleep.js';

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
  /** Every id of the UNFILTERED listing before this run's first POST: a new account is one not among them. */
  knownIds: ReadonlySet<string>;
  /** Logins whose earlier create is still pending or unproven: never posted again. */
  unresolvedLogins?: ReadonlySet<string>;
  /** Changes not started because their calls would pass what is left of the daily quota, with the reason. */
  quotaRefusals?: ReadonlyMap<AppliedChange, string>;
  /** Pending creates an operator released (lower-cased login): listed once more right before their POST. */
  released?: ReadonlyMap<string, ReleasedRecord>;
  /** SSO users ({@link ssoUserKey}) whose earlier create is still unresolved. */
  unresolvedSsoUsers?: ReadonlySet<string>;
  onProgress?: (event: ProgressEvent) => void;
  /** Waits between listings while resolving a create whose outcome is unknown. */
  resolveDelaysMs?: readonly number[];
  /** Shows the waits. */
  log?: (line: string) => void;
}

const DEFAULT_RESOLVE_DELAYS_MS = [1000, 2000, 4000, 8000];

/** The POST /partner/accounts body of a create; `state_code` is sent empty outside the US and Canada. */
export function computeProvisionRequest(
  loginName: string,
  fields: CreateFields & Partial<PlanInfo>,
  env: NodeJS.ProcessEnv,
): ProvisionRequest {
  const {
    password_env,
    plan_type: _planType,
    billing_day_of_month: _day,
    plan_group_id: _group,
    contact_email,
    country_code,
    state_code,
    ...rest
  } = fields;
  // The schema requires both on a file without encoded_account_id; a create without them is a bug upstream.
  if (contact_email === undefined || country_code === undefined)
    throw new InternalError(`the create of ${loginName} lacks contact_email or country_code`);
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
  return {
    plan_type,
    ...(billing_day_of_month !== undefined && { billing_day_of_month }),
    ...(plan_group_id !== undefined && { plan_group_id }),
  };
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
  const runId = actionable.some((change) => change.action === 'create' || change.action === 'create_sso_user')
    ? await context.journal.startRun(context.knownIds)
    : '';

  const run = (change: AppliedChange, work: () => Promise<string | null>) =>
    limit(async () => {
      let outcome: Outcome;
      const refusal = context.quotaRefusals?.get(change);
      if (stopped !== null) outcome = outcomeOf(change, 'skipped', null, stopped);
      else if (refusal !== undefined) outcome = outcomeOf(change, 'skipped', null, refusal);
      else {
        try {
          outcome = outcomeOf(change, 'applied', await work());
        } catch (error) {
          if (error instanceof SkippedChange) outcome = outcomeOf(change, 'skipped', null, error.message);
          else {
            if (error instanceof QuotaExceededError) stopped = `not attempted: ${error.message}`;
            outcome = outcomeOf(
              change,
              'failed',
              (error as { encodedAccountId?: string }).encodedAccountId ?? null,
              messageOf(error),
            );
          }
        }
      }
      if (outcome.status === 'failed') failed++;
      outcomes[indexOf.get(change) ?? 0] = outcome;
      context.onProgress?.({ done: ++done, total: actionable.length, failed, outcome });
    });

  const creates = actionable.filter((change): change is CreateChange => change.action === 'create');
  const planChanges = actionable.filter(
    (change): change is UpdateChange | ReactivateChange => change.action === 'update' || change.action === 'reactivate',
  );
  const ssoUsers = actionable.filter((change): change is CreateSsoUserChange => change.action === 'create_sso_user');
  const cancels = actionable.filter((change): change is CancelChange => change.action === 'cancel');
  const create = (change: CreateChange) =>
    run(change, () => applyCreate(change, context, runId, claimed, filesWritten));
  // Released creates first and one at a time: their check before the POST must not meet this run's other new accounts.
  const isReleased = (change: CreateChange) => context.released?.has(change.login_name.toLowerCase()) === true;
  for (const change of creates.filter(isReleased)) await create(change);
  await Promise.all(creates.filter((change) => !isReleased(change)).map(create));
  await Promise.all(
    planChanges.map((change) =>
      run(change, async () => {
        await context.client.setPlan(change.encoded_account_id, change.after);
        return change.encoded_account_id;
      }),
    ),
  );
  const profileChanges = actionable.filter(
    (change): change is UpdateProfileChange => change.action === 'update_profile',
  );
  await Promise.all(profileChanges.map((change) => run(change, () => applyProfile(change, context.client))));
  // A new account's users go once it exists: its id from this run's create (which may have failed only at its plan).
  const createdIds = new Map(
    outcomes
      .filter((o) => o?.action === 'create' && o.encoded_account_id !== null)
      .map((o) => [o.file, o.encoded_account_id]),
  );
  await Promise.all(
    ssoUsers.map((change) =>
      run(change, async () => {
        const id = change.encoded_account_id ?? createdIds.get(change.file);
        if (id === undefined || id === null)
          throw new SkippedChange(`not attempted: the account of ${change.file} was not created`);
        if (context.unresolvedSsoUsers?.has(ssoUserKey(id, change.sso_user))) {
          throw new OperationalError(
            `an earlier create of SSO user ${change.sso_user} in ${id} has an unknown outcome ` +
              `and is still unresolved (see .ctct-gitops/journal.jsonl); not posted again`,
          );
        }
        await applySsoUserCreate(
          context.client,
          context.journal,
          context.cwd,
          { runId, encodedAccountId: id, file: change.file, user: change.after },
          context.resolveDelaysMs?.[0] ?? DEFAULT_RESOLVE_DELAYS_MS[0]!,
        );
        filesWritten.push(change.file);
        return id;
      }),
    ),
  );
  await Promise.all(
    cancels.map((change) =>
      run(change, async () => {
        const requestedAt = new Date().toISOString();
        await context.client.cancelAccount(change.encoded_account_id, change.after);
        // The account stays open until a future effective date; the file remembers the request.
        const { effective_date } = change.after;
        if (effective_date !== undefined && Date.parse(effective_date) > Date.parse(requestedAt)) {
          await writeCancelRequested(context.cwd, change.file, requestedAt);
          filesWritten.push(change.file);
        }
        return change.encoded_account_id;
      }),
    ),
  );

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

async function applyCreate(
  change: CreateChange,
  context: ApplyContext,
  runId: string,
  claimed: Set<string>,
  filesWritten: string[],
): Promise<string> {
  const login = change.login_name;
  const passwordEnv = change.after.password_env;
  const problem = passwordEnv !== undefined ? findPasswordProblem(passwordEnv, context.env[passwordEnv], login) : null;
  if (problem !== null || change.blocked !== undefined) {
    // A saved plan that marked the create blocked is held to it, even if the password has come since.
    const reason = problem ?? `${change.blocked?.reason} (as the saved plan says; plan again to include it)`;
    throw new SkippedChange(
      `not created: ${reason}. Set ${passwordEnv} (or add it to CTCT_INITIAL_PASSWORDS) and apply again`,
    );
  }
  if (context.unresolvedLogins?.has(login.toLowerCase())) {
    throw new OperationalError(
      `an earlier create of ${login} is still pending or has an unproven ` +
        `outcome (see .ctct-gitops/journal.jsonl); it is not posted again`,
    );
  }
  const release = context.released?.get(login.toLowerCase());
  if (release !== undefined) await checkReleasedCreate(context.client, release, claimed, change.file);
  const body = computeProvisionRequest(login, change.after, context.env);
  const plan = computeCreatePlan(change.after);
  const intent = await context.journal.recordIntent(runId, login, change.file, body.organization_name, plan);
  let id: string;
  try {
    id = (await context.client.createAccount(body)).encoded_account_id;
    await context.journal.recordCreated(intent.intent_id, id, 'response');
  } catch (error) {
    if (error instanceof CtctApiError && error.status === 409) {
      // A fact to report, never an adoption: the login may be another customer's account.
      await context.journal.recordAbandoned(intent.intent_id, messageOf(error));
      throw new OperationalError(describeConflict(await context.client.listAccounts(), login, change.file));
    }
    if (!(error instanceof CreateOutcomeUnknownError)) {
      if (error instanceof CtctApiError && error.status !== undefined && error.status < 500)
        await context.journal.recordAbandoned(intent.intent_id, messageOf(error));
      throw error;
    }
    const pending = error.status === 503;
    if (pending) await context.journal.recordPending(intent.intent_id, STORED_503);
    const resolved = await resolveUnknownCreate(
      context.client,
      { login, knownIds: context.knownIds, claimed, body, pending },
      context.resolveDelaysMs ?? DEFAULT_RESOLVE_DELAYS_MS,
      context.log,
    );
    if (resolved.kind === 'pending-now') await context.journal.recordPending(intent.intent_id, STORED_503);
    if (resolved.kind !== 'found')
      throw new OperationalError(describeUnresolved(resolved, login, change.file, error.message));
    id = resolved.id;
    await context.journal.recordCreated(intent.intent_id, id, resolved.how);
  }
  return finishCreate(change, context, intent.intent_id, id, plan, claimed, filesWritten);
}

/** Writes the new id into the file, then gives the account its plan when that is not TRIAL. */
async function finishCreate(
  change: CreateChange,
  context: ApplyContext,
  intentId: string,
  id: string,
  plan: PlanInfo | null,
  claimed: Set<string>,
  filesWritten: string[],
): Promise<string> {
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
      throw Object.assign(
        new OperationalError(
          `created ${login} as ${id} (written to ${change.file}) but setting ` +
            `its plan failed: ${messageOf(error)}; the next apply sets it`,
        ),
        { encodedAccountId: id },
      );
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

const STORED_503 =
  'CTCT answered 503: the spec says the request is stored and provisioned later, so it is never posted again';

/** What a create whose outcome was unknown came to. */
export type CreateResolution =
  | { kind: 'found'; id: string; how: 'listed' | 're-post' }
  /** Stored by CTCT (503) and not listed yet: wait, never post again. */
  | { kind: 'pending'; waitedMs: number }
  /** The one re-post was answered 503 just now: stored, so pending from here on. */
  | { kind: 'pending-now'; waitedMs: number }
  /** Not listed, and nothing proves whether it exists: the re-post met 409, or none was allowed. */
  | { kind: 'unproven'; waitedMs: number; conflict: CtctApiError | null };

/** Who a create was for, and what tells its account from every other. */
export interface CreateIdentity {
  login: string;
  /** Ids of the UNFILTERED listing taken before the first POST: an account among them is not new. */
  knownIds: ReadonlySet<string>;
  /** Ids other creates of this run have proven theirs. */
  claimed: Set<string>;
}

/**
 * Resolves a create whose outcome is unknown, proving identity or stopping. A create CTCT answered
 * 503 is stored and provisioned later (ctct-v3-partner-subset-3.0.178.yaml:102-104), and nothing
 * guarantees a 409 before then, so it is never posted again: apply waits for it to be listed,
 * bounded by `delaysMs` and shown through `log`. Any other unknown outcome (a dropped connection,
 * 500, a killed run) means CTCT created the account then or not at all: when one listing does not
 * show it, it is posted once more; 201 proves it, a 409 (CTCT keeps logins unique) or a 503 sends
 * it to the same bounded wait.
 */
export async function resolveUnknownCreate(
  client: Pick<ApplyClient, 'listAccounts' | 'createAccount'>,
  wanted: CreateIdentity & { body: ProvisionRequest | null; pending: boolean },
  delaysMs: readonly number[],
  log?: (line: string) => void,
): Promise<CreateResolution> {
  const list = async () => {
    const found = findCreatedAccount(await client.listAccounts(), wanted);
    if (found !== null) wanted.claimed.add(found);
    return found;
  };
  let pending = wanted.pending;
  let conflict: CtctApiError | null = null;
  if (!pending) {
    const found = await list();
    if (found !== null) return { kind: 'found', id: found, how: 'listed' };
    if (wanted.body === null) return { kind: 'unproven', waitedMs: 0, conflict };
    try {
      const created = await client.createAccount(wanted.body);
      wanted.claimed.add(created.encoded_account_id);
      return { kind: 'found', id: created.encoded_account_id, how: 're-post' };
    } catch (error) {
      if (error instanceof CreateOutcomeUnknownError && error.status === 503) pending = true;
      // A taken login is answered 409, or by some readings of CTCT 400 (simulator --duplicate-login):
      // either way the first POST may be what took it, so neither proves the account absent.
      else if (error instanceof CtctApiError && (error.status === 409 || error.status === 400)) conflict = error;
      else if (!(error instanceof CreateOutcomeUnknownError)) throw error;
    }
  }
  const totalMs = delaysMs.reduce((sum, ms) => sum + ms, 0);
  log?.(
    `waiting up to ${Math.ceil(totalMs / 1000)} s for CTCT to list ${wanted.login} ` +
      `(${pending ? 'answered 503: stored, provisioned later' : 'the outcome of its create is unknown'})`,
  );
  let waitedMs = 0;
  for (let attempt = 0; ; attempt++) {
    const found = await list();
    if (found !== null) return { kind: 'found', id: found, how: 'listed' };
    if (attempt >= delaysMs.length) break;
    await sleep(delaysMs[attempt]);
    waitedMs += delaysMs[attempt] ?? 0;
  }
  if (pending) return { kind: wanted.pending ? 'pending' : 'pending-now', waitedMs };
  return { kind: 'unproven', waitedMs, conflict };
}

/**
 * The account a create made, proven by the API's own words: listed with `site_owner_name` ("The
 * user name that identifies a client account", ctct-v3-partner-subset-3.0.178.yaml PartnerAccount)
 * equal to the login name, and absent from the unfiltered listing taken before the POST. An
 * organization name proves nothing; two candidates stop the account.
 */
export function findCreatedAccount(owners: readonly SiteOwner[], wanted: CreateIdentity): string | null {
  const login = wanted.login.toLowerCase();
  const matches = owners.filter(
    (owner) =>
      owner.site_owner_name?.toLowerCase() === login &&
      !wanted.knownIds.has(owner.encoded_account_id) &&
      !wanted.claimed.has(owner.encoded_account_id),
  );
  if (matches.length > 1) {
    throw new OperationalError(
      `cannot prove which of ${matches.map((m) => m.encoded_account_id).join(', ')} is ${wanted.login}: each ` +
        `is new and lists it as site_owner_name; nothing is written; set encoded_account_id in its file by hand`,
    );
  }
  return matches[0]?.encoded_account_id ?? null;
}

/** The message of a create answered 409: the live account named, and how to adopt it on purpose. */
export function describeConflict(owners: readonly SiteOwner[], login: string, file: string): string {
  const holders = owners.filter((owner) => owner.site_owner_name?.toLowerCase() === login.toLowerCase());
  const head = `CTCT answered 409 to the create of ${login} (${file}): the login name is in use`;
  if (holders.length !== 1) {
    const by =
      holders.length === 0
        ? "no account this partner lists (another partner's, or one CTCT has stored and not provisioned yet)"
        : `several listed accounts (${holders.map((h) => h.encoded_account_id).join(', ')})`;
    return (
      `${head} by ${by}; ` +
      (`nothing was changed. Choose another login_name, or, if the account is ` +
        `yours, set encoded_account_id in ${file} to its id once it is listed`)
    );
  }
  const holder = holders[0]!;
  const cancelled =
    holder.billing_status === 'Canceled' ? '; it is cancelled, so a paid plan in the file shows as a reactivate' : '';
  return (
    `${head} by live account ${holder.encoded_account_id} (${holder.organization_name ?? 'no organization name'}, ` +
    (`${holder.billing_status}); nothing was changed. To manage that ` +
      `account with this file, adopt it deliberately: set encoded_account_id: `) +
    (`${holder.encoded_account_id} in ${file} (or delete the file and ` +
      `run ctct-gitops import --account ${holder.encoded_account_id}); ` +
      (`the next plan then shows what the file would change, under the ` +
        `usual gates${cancelled}. Otherwise choose another login_name`))
  );
}

/** The message of a create that could not be proven: what is known, and how to resolve it. */
export function describeUnresolved(
  resolution: Exclude<CreateResolution, { kind: 'found' }>,
  login: string,
  file: string,
  cause: string,
): string {
  const waited = `${Math.round(resolution.waitedMs / 1000)} s`;
  const setId = `set encoded_account_id in ${file} to the id CTCT shows for ${login}`;
  if (resolution.kind !== 'unproven') {
    return (
      `the create of ${login} is pending: CTCT answered 503, and the spec says such a ` +
      `request is stored and provisioned later, so it is never posted again. It was not ` +
      (`listed after ${waited}; the journal (.ctct-gitops/journal.jsonl) keeps it pending ` +
        `and the next apply goes on waiting and writes its id once it is listed; or ${setId}`)
    );
  }
  const conflict = resolution.conflict;
  const answer =
    conflict?.status === 409
      ? 'answered 409 (the login is in use)'
      : `refused with 400 (${conflict?.errors.map((e) => e.error_message ?? e.error_key).join('; ')}), ` +
        `which may mean the login is in use`;
  const why =
    conflict === null ? 'no new account lists it' : `one more POST was ${answer}, yet no new account lists it`;
  return (
    `the outcome of creating ${login} is unproven (${cause}): ${why} after ${waited}; nothing ` +
    `was written on a guess. Run apply again later (the journal keeps it open), or ${setId}`
  );
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
