import { readAccounts } from '../accounts/read-accounts.js';
import type { CtctClient } from '../ctct/ctct-client.js';
import { readChangedFiles } from '../git/read-changed-files.js';
import type { DesiredAccount, LiveState, Plan, ProfileValues } from '../model.js';
import { computePlan } from '../plan/compute-plan.js';
import { readFilesAtBase } from '../git/read-files-at-base.js';
import { computeFileDetails } from '../plan/compute-profile-changes.js';
import { fetchLiveProfiles } from '../plan/fetch-live-profiles.js';
import { fetchLiveState } from '../plan/fetch-live-state.js';
import { selectTargets } from '../plan/select-targets.js';
import { InvalidInputError } from '../errors.js';
import { readSettings, type SettingsOverrides } from '../settings/read-settings.js';
import type { Settings } from '../settings/settings.js';
import { computePasswordProblems } from '../settings/compute-password-env.js';
import { openCtct } from './open-ctct.js';
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
  const settings = await readSettings(options.cwd, options.config, { ...options.overrides, ...(options.dir !== undefined && { accounts_dir: options.dir }) });
  const accounts = await readAccounts(options.cwd, settings.accounts_dir, { allowOutsideRepo: options.allowOutsideRepo ?? false });
  if (options.targets === undefined) return { settings, accounts };
  const { selected, unknown } = selectTargets(accounts, options.targets, options.cwd);
  if (unknown.length > 0) {
    throw new InvalidInputError([], unknown.map((target) => `--target ${target}: no account file has this login_name, encoded_account_id or path`).join('\n'));
  }
  return { settings, accounts, targeted: selected };
}

export interface PlanRunOptions extends WorkspaceOptions {
  changedSince?: string;
  /** `--refresh-only`: report where live state differs from the files; propose nothing. */
  refreshOnly?: boolean;
  force: boolean;
  simulator: boolean;
  env: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/** Reads live state through `client` and computes the plan of the workspace. */
export async function computeWorkspacePlan(client: CtctClient, workspace: Workspace, options: Pick<PlanRunOptions, 'cwd' | 'changedSince' | 'force' | 'refreshOnly' | 'env'>): Promise<{ plan: Plan; live: LiveState }> {
  const selected = workspace.targeted;
  const changedFiles = options.changedSince !== undefined ? await readChangedFiles(options.cwd, options.changedSince) : undefined;
  const planned = selected ?? workspace.accounts;
  const listed = await fetchLiveState(client, planned, { accountType: workspace.settings.account_type, ...(changedFiles && { changedFiles }) });
  const live = await fetchLiveProfiles(client, planned, listed, { accountType: workspace.settings.account_type });
  const detailBaselines = options.changedSince !== undefined && changedFiles !== undefined ? await readDetailBaselines(options.cwd, options.changedSince, planned, live, changedFiles) : undefined;
  const plan = computePlan(workspace.accounts, live, {
    ...(detailBaselines !== undefined && { detailBaselines }),
    settings: workspace.settings,
    force: options.force,
    ...(options.refreshOnly && { refreshOnly: true }),
    now: new Date().toISOString(),
    passwordProblems: computePasswordProblems(workspace.accounts, options.env),
    ...(selected !== undefined && { targets: new Set(selected.map((account) => account.file)) }),
  });
  return { plan, live };
}

/**
 * The details that the changed files of unmanaged accounts declared at the base of
 * `--changed-since`: CTCT cannot show those accounts' details, so an edit is seen against the file
 * as it was.
 */
async function readDetailBaselines(cwd: string, ref: string, planned: readonly DesiredAccount[], live: LiveState, changedFiles: ReadonlySet<string>): Promise<Map<string, ProfileValues>> {
  const unmanaged = new Set(live.accounts.filter((account) => account.managed === false).map((account) => account.encoded_account_id));
  const files = planned.filter((account) => account.encoded_account_id !== undefined && unmanaged.has(account.encoded_account_id) && changedFiles.has(account.file)).map((account) => account.file);
  const texts = await readFilesAtBase(cwd, ref, files);
  return new Map([...texts].map(([file, text]) => [file, computeFileDetails(text)]));
}

/** `plan`: reads files and live state, returns the plan; changes nothing. */
export async function runPlan(options: PlanRunOptions): Promise<{ plan: Plan; workspace: Workspace }> {
  const workspace = await readWorkspace(options);
  const connection = await openCtct({ cwd: options.cwd, simulator: options.simulator, settings: workspace.settings, env: options.env, accounts: workspace.accounts, ...(options.log && { log: options.log }), ...(options.notice && { notice: options.notice }) });
  try {
    const env = readPasswordEnv({ env: options.env, simulator: options.simulator, accounts: workspace.accounts, ...(options.notice && { notice: options.notice }) });
    const { plan } = await computeWorkspacePlan(connection.client, workspace, { ...options, env });
    return { plan, workspace };
  } finally {
    await connection.close();
  }
}
