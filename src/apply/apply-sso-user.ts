import path from 'node:path';
import { writeSsoUserCreated } from '../accounts/write-sso-user-created.js';
import { CtctApiError, SsoUserOutcomeUnknownError } from '../ctct/ctct-api-error.js';
import type { SsoUser } from '../ctct/ctct-types.js';
import { OperationalError } from '../errors.js';
import type { DesiredAccount } from '../model.js';
import type { Journal, OpenSsoIntent, SsoCreatedRecord } from './journal.js';
import { sleep } from '../sleep.js';

/** The part of the CTCT client that SSO users need. */
export interface SsoUserClient {
  createSsoUser(encodedAccountId: string, body: SsoUser): Promise<void>;
}

/** One SSO user of one account, as apply and recovery name it. */
export function ssoUserKey(encodedAccountId: string, loginName: string): string {
  return `${encodedAccountId}/${loginName.toLowerCase()}`;
}

export interface SsoUserTarget {
  runId: string;
  encodedAccountId: string;
  file: string;
  user: SsoUser;
}

/**
 * Creates one SSO user (POST /partner/accounts/{id}/users/sso, partner subset lines 375-417) and
 * writes its `created_at` into the file. The intent is journalled (fsync'd) before the POST.
 * CTCT offers no way to read SSO users, so an unknown outcome (timeout, dropped connection, 5xx)
 * is settled by exactly one deliberate re-post: 201 creates it now, 409 says it exists. When even
 * that is unknown the intent stays open and the next apply re-posts once more, never blindly.
 */
export async function applySsoUserCreate(
  client: SsoUserClient,
  journal: Journal,
  cwd: string,
  target: SsoUserTarget,
  resolveDelayMs: number,
): Promise<void> {
  const { encodedAccountId: id, user } = target;
  const intent = await journal.recordSsoIntent(target.runId, id, user.login_name, target.file);
  let how: SsoCreatedRecord['how'];
  try {
    await client.createSsoUser(id, user);
    how = 'response';
  } catch (error) {
    if (!(error instanceof SsoUserOutcomeUnknownError)) {
      // Any other answer is definite: CTCT did not store the user.
      if (error instanceof CtctApiError) await journal.recordAbandoned(intent.intent_id, error.message);
      throw explainRefusal(error, id, user);
    }
    await sleep(resolveDelayMs);
    const resolved = await repostSsoUser(client, journal, intent.intent_id, id, user);
    if (resolved === null) {
      throw new OperationalError(
        `the create of SSO user ${user.login_name} in ${id} has an unknown outcome ` +
          `(${error.message}), and so had the one re-post that should settle it; the ` +
          'next apply re-posts once more (409 then means the user exists), never blindly',
      );
    }
    how = resolved;
  }
  await journal.recordSsoCreated(intent.intent_id, how);
  await writeInTurn(path.resolve(cwd, target.file), () =>
    writeSsoUserCreated(cwd, target.file, user.login_name, new Date().toISOString()),
  );
  await journal.recordWritten(intent.intent_id, target.file);
}

const fileTurns = new Map<string, Promise<unknown>>();

/** Users of one file are created concurrently; their write-backs (read, splice, rename) go one at a time. */
async function writeInTurn<T>(file: string, write: () => Promise<T>): Promise<T> {
  const previous = fileTurns.get(file) ?? Promise.resolve();
  const turn = previous.catch(() => undefined).then(write);
  fileTurns.set(file, turn);
  try {
    return await turn;
  } finally {
    if (fileTurns.get(file) === turn) fileTurns.delete(file);
  }
}

/** The re-post that settles an unknown outcome: `re-post` (201), `exists` (409), or null when unknown again. */
async function repostSsoUser(
  client: SsoUserClient,
  journal: Journal,
  intentId: string,
  id: string,
  user: SsoUser,
): Promise<SsoCreatedRecord['how'] | null> {
  try {
    await client.createSsoUser(id, user);
    return 're-post';
  } catch (error) {
    if (error instanceof SsoUserOutcomeUnknownError) return null;
    if (error instanceof CtctApiError && error.status === 409) return 'exists';
    // A definite refusal of the same body: the first attempt was refused likewise.
    if (error instanceof CtctApiError) await journal.recordAbandoned(intentId, error.message);
    throw error;
  }
}

/** A first POST answered 409: CTCT cannot say by whom, and a person must decide. */
function explainRefusal(error: unknown, id: string, user: SsoUser): unknown {
  if (!(error instanceof CtctApiError) || error.status !== 409) return error;
  return new OperationalError(
    `${error.message}; account ${id} already has a user with login_name ${user.login_name} or ` +
      `contact_email ${user.contact_email}, and CTCT cannot list SSO users to tell whether it is this one: ` +
      'if it is, write created_at into its entry in the file; otherwise change its login_name or ' +
      'contact_email',
  );
}

export interface SsoRecovery {
  resolved: { sso_user: string; encoded_account_id: string; file: string }[];
  unresolved: { sso_user: string; encoded_account_id: string; file: string; reason: string }[];
  files_written: string[];
}

/**
 * Finishes the SSO user creates an earlier run left open: writes `created_at` where CTCT had
 * accepted the user, and settles an unknown outcome with one re-post of the user as the file
 * still describes it. A user the file no longer lists is not posted again.
 */
export async function recoverSsoIntents(
  journal: Journal,
  client: SsoUserClient,
  context: { cwd: string; accounts: readonly DesiredAccount[] },
): Promise<SsoRecovery> {
  const result: SsoRecovery = { resolved: [], unresolved: [], files_written: [] };
  for (const open of journal.openSsoIntents()) {
    const { intent } = open;
    const item = { sso_user: intent.login_name, encoded_account_id: intent.encoded_account_id, file: intent.file };
    try {
      const written = await recoverSsoIntent(open, journal, client, context);
      if (written !== null) {
        result.resolved.push({ ...item, file: written });
        if (!result.files_written.includes(written)) result.files_written.push(written);
      }
    } catch (error) {
      result.unresolved.push({ ...item, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  result.files_written.sort();
  return result;
}

/** The file written, or null when the intent was closed without writing. */
async function recoverSsoIntent(
  { intent, created }: OpenSsoIntent,
  journal: Journal,
  client: SsoUserClient,
  context: { cwd: string; accounts: readonly DesiredAccount[] },
): Promise<string | null> {
  const login = intent.login_name.toLowerCase();
  const account = context.accounts.find((candidate) => candidate.encoded_account_id === intent.encoded_account_id);
  const user = account?.sso_users?.find((candidate) => candidate.login_name.toLowerCase() === login);
  if (account === undefined || user === undefined) {
    const reason =
      `${intent.file} no longer lists SSO user ${intent.login_name} ` +
      `of ${intent.encoded_account_id}; ${created ? 'CTCT has it' : 'CTCT may have it'} and cannot remove it`;
    await journal.recordAbandoned(intent.intent_id, reason);
    throw new OperationalError(reason);
  }
  if (user.created_at !== undefined) {
    await journal.recordWritten(intent.intent_id, account.file);
    return null;
  }
  if (created === undefined) {
    const { created_at: _none, ...body } = user;
    const how = await repostSsoUser(client, journal, intent.intent_id, intent.encoded_account_id, body);
    if (how === null)
      throw new OperationalError(
        `the outcome of creating SSO user ${intent.login_name} in ${intent.encoded_account_id} ` +
          'is still unknown after one more re-post; run apply again later',
      );
    await journal.recordSsoCreated(intent.intent_id, how);
  }
  await writeSsoUserCreated(context.cwd, account.file, user.login_name, new Date().toISOString());
  await journal.recordWritten(intent.intent_id, account.file);
  return account.file;
}
