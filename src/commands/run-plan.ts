import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readAccounts } from '../accounts/read-accounts.js';
import type { CtctClient } from '../ctct/ctct-client.js';
import { readChangedFiles } from '../git/read-changed-files.js';
import type { DesiredAccount, DesiredSsoUser, LiveState, Plan, ProfileValues } from '../model.js';
import { computePlan } from '../plan/compute-plan.js';
import { readFilesAtBase } from '../git/read-files-at-base.js';
import { computeFileDetails, PROFILE_FIELDS } from '../plan/compute-profile-changes.js';
import { fetchLiveProfiles } from '../plan/fetch-live-profiles.js';
import { fetchLiveState, type ReadProgress, type RemovedAccount } from '../plan/fetch-live-state.js';
import { selectTargets } from '../plan/select-targets.js';
import { computeVerificationTimes, readVerificationTimes, writeVerificationTimes } from '../plan/verification-times.js';
import { InvalidInputError } from '../errors.js';
import { readSettings, type SettingsOverrides } from '../settings/read-settings.js';
import type { Settings } from '../settings/settings.js';
import { computePasswordProblems } from '../settings/compute-password-env.js';
import { openCtct, STATE_DIR } from './open-ctct.js';
import { readPasswordEnv } from './read-password-env.js';

export interface WorkspaceOptions {
  cwd: string;
  /** Accounts folder (--dir); beats the settings file. */
  dir?: string;
  /** Settings file (--config). */
  config?: string;
  /** Accept an accounts folder outside the repository (--allow-outside-repo). */
  allowOutsideRepo?: boolean;
  overrides?: SettingsOverrides;
  /** `--target`: login names, encoded_account_ids or file paths of the only accounts to plan. */
  targets?: readonly string[];
  /** Told what the run does beyond its result, such as what a new simulator state starts with. */
  notice?: (line: string) => void;
}

export interface Workspace {
  settings: Settings;
  accounts: DesiredAccount[];
  /** The accounts `--target` selected; undefined without it. */
  targeted?: DesiredAccount[];
}

/** Settings and validated account files; throws every problem at once (exit 3), or a target that names no account. */
export async function readWorkspace(options: WorkspaceOptions): Promise<Workspace> {
  const settings = await readSettings(options.cwd, options.config, {
    ...options.overrides,
    ...(options.dir !== undefined && { accounts_dir: options.dir }),
  });
  const accounts = await readAccounts(options.cwd, settings.accounts_dir, {
    allowOutsideRepo: options.allowOutsideRepo ?? false,
  });
  if (options.targets === undefined) return { settings, accounts };
  const { selected, unknown } = selectTargets(accounts, options.targets, options.cwd);
  if (unknown.length > 0) {
    throw new InvalidInputError(
      [],
      unknown
        .map((target) => `--target ${target}: no account file has this login_name, encoded_account_id or path`)
        .join('\n'),
    );
  }
  return { settings, accounts, targeted: selected };
}

export interface PlanRunOptions extends WorkspaceOptions {
  changedSince?: string;
  /** `--refresh-only`: report where live state differs from the files; propose nothing. */
  refreshOnly?: boolean;
  /** Most partner API calls for reading (`--max-api-calls`); beats `max_api_calls` of the settings. */
  maxApiCalls?: number;
  force: boolean;
  simulator: boolean;
  env: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Told as live state is read (list pages, plan reads, details); the CLI draws it on a terminal. */
  onReadProgress?: (progress: ReadProgress) => void;
}

/**
 * Reads live state through `client` and computes the plan of the workspace. With `changedSince`
 * only the files changed since that ref are read (and the files removed, by the id they had);
 * with a budget at most that many reads are made. Records which accounts were verified.
 */
export async function computeWorkspacePlan(
  client: CtctClient,
  workspace: Workspace,
  options: Pick<
    PlanRunOptions,
    'cwd' | 'changedSince' | 'maxApiCalls' | 'force' | 'refreshOnly' | 'env' | 'onReadProgress'
  >,
): Promise<{ plan: Plan; live: LiveState }> {
  const stateDir = path.join(options.cwd, STATE_DIR);
  const changes =
    options.changedSince !== undefined ? await readChangedFiles(options.cwd, options.changedSince) : undefined;
  const planned = workspace.targeted ?? workspace.accounts;
  const targets = workspace.targeted && new Set(workspace.targeted.map((account) => account.file));
  // --target and --changed-since each narrow what is read; together, to the targets that changed.
  const scope =
    targets && changes ? new Set([...targets].filter((file) => changes.files.has(file))) : (targets ?? changes?.files);
  const maxCalls = options.maxApiCalls ?? workspace.settings.max_api_calls ?? undefined;
  const times = await readVerificationTimes(stateDir);
  const detailBaselines =
    options.changedSince !== undefined && changes !== undefined
      ? await readDetailBaselines(options.cwd, options.changedSince, planned, changes.files)
      : undefined;
  let live: LiveState;
  client.limitReads(maxCalls);
  try {
    const listed = await fetchLiveState(client, planned, {
      accountType: workspace.settings.account_type,
      ...(scope && { scope }),
      ...(changes && !targets && { removed: readRemovedAccounts(changes.removed, workspace.settings.accounts_dir) }),
      ...(maxCalls !== undefined && { maxCalls }),
      verifiedAt: new Map(Object.entries(times.accounts)),
      ...(times.list_pages !== null && { lastListPages: times.list_pages }),
      ...(options.onReadProgress && { onProgress: options.onReadProgress }),
    });
    // A pull request that leaves an account's details as they were needs no read of them.
    const settled =
      changes && options.changedSince !== undefined
        ? await readSettledDetails(options.cwd, options.changedSince, planned, changes.files)
        : undefined;
    live = await fetchLiveProfiles(
      client,
      settled ? planned.filter((account) => !settled.has(account.file)) : planned,
      listed,
      {
        accountType: workspace.settings.account_type,
        ...(detailBaselines !== undefined && { detailBaselines }),
        ...(options.onReadProgress && { onProgress: options.onReadProgress }),
      },
    );
  } finally {
    // The budget is for reading live state; apply's own reads (resolving a create) are part of its writes.
    client.limitReads(undefined);
  }
  const now = new Date().toISOString();
  await writeVerificationTimes(stateDir, computeVerificationTimes(times, live, now));
  const baseSsoUsers =
    options.changedSince !== undefined && changes !== undefined
      ? await readBaseSsoUsers(options.cwd, options.changedSince, planned, changes.files)
      : undefined;
  const plan = computePlan(workspace.accounts, live, {
    ...(detailBaselines !== undefined && { detailBaselines }),
    ...(baseSsoUsers !== undefined && { baseSsoUsers }),
    settings: workspace.settings,
    force: options.force,
    ...(options.refreshOnly && { refreshOnly: true }),
    now,
    passwordProblems: computePasswordProblems(workspace.accounts, options.env),
    ...(targets && { targets }),
    ...(maxCalls !== undefined && { maxCalls }),
  });
  return { plan, live };
}

/**
 * The details each changed file of an existing account declared at the base of `--changed-since`:
 * CTCT cannot show an unmanaged account's details, so an edit is seen against the file as it was.
 */
async function readDetailBaselines(
  cwd: string,
  ref: string,
  planned: readonly DesiredAccount[],
  changedFiles: ReadonlySet<string>,
): Promise<Map<string, ProfileValues>> {
  const files = planned
    .filter((account) => account.encoded_account_id !== undefined && changedFiles.has(account.file))
    .map((account) => account.file);
  const texts = await readFilesAtBase(cwd, ref, files);
  return new Map([...texts].map(([file, text]) => [file, computeFileDetails(text)]));
}

/**
 * The changed files of existing accounts whose details (PROFILE_FIELDS, physical_address) are the same as at the base
 * of `ref`.
 */
async function readSettledDetails(
  cwd: string,
  ref: string,
  planned: readonly DesiredAccount[],
  changedFiles: ReadonlySet<string>,
): Promise<Set<string>> {
  const candidates = planned.filter(
    (account) => account.encoded_account_id !== undefined && changedFiles.has(account.file),
  );
  const texts = await readFilesAtBase(
    cwd,
    ref,
    candidates.map((account) => account.file),
  );
  const detailsOf = (record: Record<string, unknown>) =>
    JSON.stringify([...PROFILE_FIELDS, 'physical_address'].map((field) => sortedKeys(record[field])));
  const settled = new Set<string>();
  for (const account of candidates) {
    const text = texts.get(account.file);
    if (text === undefined) continue;
    let before: unknown;
    try {
      before = parseYaml(text, { schema: 'core', maxAliasCount: 0 });
    } catch {
      continue;
    }
    if (
      typeof before === 'object' &&
      before !== null &&
      detailsOf(before as Record<string, unknown>) === detailsOf(account as unknown as Record<string, unknown>)
    )
      settled.add(account.file);
  }
  return settled;
}

function sortedKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value ?? null;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * The accounts named by removed account files, from their text at the base ref; a file that does not parse names none.
 */
function readRemovedAccounts(
  removed: readonly { file: string; text: string }[],
  accountsDir: string,
): RemovedAccount[] {
  const prefix = `${path.posix.normalize(accountsDir.split(path.sep).join('/')).replace(/\/$/, '')}/`;
  const accounts: RemovedAccount[] = [];
  for (const { file, text } of removed) {
    if (!file.startsWith(prefix)) continue;
    let value: unknown;
    try {
      value = parseYaml(text, { schema: 'core', maxAliasCount: 0 });
    } catch {
      continue;
    }
    const record = value as { encoded_account_id?: unknown; organization_name?: unknown } | null;
    if (typeof record?.encoded_account_id !== 'string') continue;
    accounts.push({
      encoded_account_id: record.encoded_account_id,
      file,
      ...(typeof record.organization_name === 'string' && { organization_name: record.organization_name }),
    });
  }
  return accounts;
}

/**
 * The SSO users with `created_at` that the changed files of existing accounts held at the base of
 * `--changed-since`: CTCT cannot list SSO users, so only the file as it was shows which users apply
 * created, and so an edit or a removal of one.
 */
async function readBaseSsoUsers(
  cwd: string,
  ref: string,
  planned: readonly DesiredAccount[],
  changedFiles: ReadonlySet<string>,
): Promise<Map<string, DesiredSsoUser[]>> {
  const files = planned
    .filter((account) => account.encoded_account_id !== undefined && changedFiles.has(account.file))
    .map((account) => account.file);
  const users = new Map<string, DesiredSsoUser[]>();
  for (const [file, text] of await readFilesAtBase(cwd, ref, files)) {
    let value: unknown;
    try {
      value = parseYaml(text, { schema: 'core', maxAliasCount: 0 });
    } catch {
      continue; // an unreadable base shows nothing; the file as it is now was validated
    }
    const list = (value as { sso_users?: unknown } | null)?.sso_users;
    if (!Array.isArray(list)) continue;
    const created = list.filter(
      (user): user is DesiredSsoUser =>
        typeof user === 'object' &&
        user !== null &&
        typeof user.login_name === 'string' &&
        typeof user.created_at === 'string',
    );
    if (created.length > 0) users.set(file, created);
  }
  return users;
}

/** `plan`: reads files and live state, returns the plan; changes nothing. */
export async function runPlan(options: PlanRunOptions): Promise<{ plan: Plan; workspace: Workspace }> {
  const workspace = await readWorkspace(options);
  const connection = await openCtct({
    cwd: options.cwd,
    simulator: options.simulator,
    settings: workspace.settings,
    env: options.env,
    accounts: workspace.accounts,
    ...(options.log && { log: options.log }),
    ...(options.notice && { notice: options.notice }),
  });
  try {
    const env = readPasswordEnv({
      env: options.env,
      simulator: options.simulator,
      accounts: workspace.accounts,
      ...(options.notice && { notice: options.notice }),
    });
    const { plan } = await computeWorkspacePlan(connection.client, workspace, { ...options, env });
    return { plan, workspace };
  } finally {
    await connection.close();
  }
}
