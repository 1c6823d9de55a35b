import { writeAccountId } from '../accounts/write-account-id.js';
import type { DesiredAccount } from '../model.js';
import { computeCreateFields } from '../plan/compute-plan.js';
import { computeProvisionRequest, describeUnresolved, resolveUnknownCreate, type ApplyClient } from './apply-plan.js';
import { recoverSsoIntents, type SsoRecovery } from './apply-sso-user.js';
import type { Journal, OpenIntent } from './journal.js';

const IMPORT_OR_ADD_ID = 'import it or add the id by hand';

export interface RecoveryResult {
  /** Creates finished now: the id is in the file. */
  resolved: { login_name: string; file: string; encoded_account_id: string }[];
  /** Creates whose outcome is still unknown; their logins must not be POSTed blindly. */
  unresolved: { login_name: string; file: string; reason: string }[];
  /** SSO user creates finished now (created_at in the file), and those still unknown. */
  sso: SsoRecovery;
  files_written: string[];
}

/**
 * Finishes the creates an earlier run left open in the journal (killed, timed out, failed with an
 * unknown outcome, or stored by CTCT after a 503): proves each account by listing (see
 * `resolveUnknownCreate`), then writes its id into the file. A create CTCT stored is never posted
 * again; what cannot be proven stays open in the journal, and nothing is written on a guess.
 */
export async function recoverJournal(
  journal: Journal,
  client: Pick<ApplyClient, 'listAccounts' | 'createAccount' | 'setPlan' | 'createSsoUser'>,
  context: {
    cwd: string;
    accounts: readonly DesiredAccount[];
    env: NodeJS.ProcessEnv;
    resolveDelaysMs?: readonly number[];
    log?: (line: string) => void;
  },
): Promise<RecoveryResult> {
  const result: RecoveryResult = {
    resolved: [],
    unresolved: [],
    sso: { resolved: [], unresolved: [], files_written: [] },
    files_written: [],
  };
  const namedIds = new Set(
    context.accounts.flatMap((account) => (account.encoded_account_id ? [account.encoded_account_id] : [])),
  );
  const claimed = new Set<string>();
  for (const open of journal.openIntents()) {
    try {
      await recoverIntent(open, journal, client, context, namedIds, claimed, result);
    } catch (error) {
      result.unresolved.push({
        login_name: open.intent.login_name,
        file: open.intent.file,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }
  result.sso = await recoverSsoIntents(journal, client, context);
  result.files_written = [...new Set([...result.files_written, ...result.sso.files_written])].sort();
  return result;
}

async function recoverIntent(
  { intent, run, created, pending, written }: OpenIntent,
  journal: Journal,
  client: Pick<ApplyClient, 'listAccounts' | 'createAccount' | 'setPlan'>,
  context: {
    cwd: string;
    accounts: readonly DesiredAccount[];
    env: NodeJS.ProcessEnv;
    resolveDelaysMs?: readonly number[];
    log?: (line: string) => void;
  },
  namedIds: ReadonlySet<string>,
  claimed: Set<string>,
  result: RecoveryResult,
): Promise<void> {
  const login = intent.login_name;
  const account = context.accounts.find(
    (candidate) => candidate.file === intent.file && candidate.login_name?.toLowerCase() === login.toLowerCase(),
  );
  let id = account?.encoded_account_id ?? created?.encoded_account_id;
  if (id === undefined) {
    const passwordEnv = account?.password_env;
    const canRepost = account !== undefined && (passwordEnv === undefined || (context.env[passwordEnv] ?? '') !== '');
    const body = canRepost ? computeProvisionRequest(login, computeCreateFields(account), context.env) : null;
    const resolution = await resolveUnknownCreate(
      client,
      {
        login,
        knownIds: new Set([...(run?.known_ids ?? []), ...namedIds]),
        claimed,
        body,
        pending: pending !== undefined,
      },
      context.resolveDelaysMs ?? [1000, 2000, 4000],
      context.log,
    );
    if (resolution.kind === 'pending-now')
      await journal.recordPending(
        intent.intent_id,
        'CTCT answered 503 to the re-post after an unknown outcome: stored, provisioned later',
      );
    if (resolution.kind !== 'found') {
      result.unresolved.push({
        login_name: login,
        file: intent.file,
        reason: describeUnresolved(resolution, login, intent.file, 'an earlier run did not see the answer'),
      });
      return;
    }
    id = resolution.id;
    await journal.recordCreated(intent.intent_id, id, resolution.how);
  }
  claimed.add(id);
  if (written === undefined) {
    if (account === undefined) {
      await journal.recordAbandoned(
        intent.intent_id,
        `account ${id} was created for ${intent.file}, which no longer names ${login}; it is an orphan now`,
      );
      result.unresolved.push({
        login_name: login,
        file: intent.file,
        reason: `account ${id} was created but ${intent.file} no longer names ${login}; ${IMPORT_OR_ADD_ID}`,
      });
      return;
    }
    if (await writeAccountId(context.cwd, account.file, id)) result.files_written.push(account.file);
    await journal.recordWritten(intent.intent_id, account.file);
  }
  // The create's second half: a run that died after the POST never gave the account its paid plan.
  // Only while the file still asks for that plan; an edited file goes through a plan like any change.
  if (intent.plan) {
    const wanted = account?.plan;
    const unchanged =
      wanted !== undefined &&
      wanted.plan_type === intent.plan.plan_type &&
      wanted.billing_day_of_month === intent.plan.billing_day_of_month &&
      wanted.plan_group_id === intent.plan.plan_group_id;
    if (unchanged) await client.setPlan(id, intent.plan);
    await journal.recordPlanned(intent.intent_id);
  }
  result.resolved.push({ login_name: login, file: intent.file, encoded_account_id: id });
}
