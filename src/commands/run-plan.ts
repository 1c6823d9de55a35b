import { readAccounts } from '../accounts/read-accounts.js';
import type { CtctClient } from '../ctct/ctct-client.js';
import { readChangedFiles } from '../git/read-changed-files.js';
import type { DesiredAccount, LiveState, Plan } from '../model.js';
import { computePlan } from '../plan/compute-plan.js';
import { fetchLiveState } from '../plan/fetch-live-state.js';
import { readSettings, type SettingsOverrides } from '../settings/read-settings.js';
import type { Settings } from '../settings/settings.js';
import { openCtct } from './open-ctct.js';

export interface WorkspaceOptions {
  cwd: string;
  /** Accounts folder (--dir); beats the settings file. */
  dir?: string;
  /** Settings file (--config). */
  config?: string;
  overrides?: SettingsOverrides;
}

export interface Workspace {
  settings: Settings;
  accounts: DesiredAccount[];
}

/** Settings and validated account files; throws every problem at once (exit 3). */
export async function readWorkspace(options: WorkspaceOptions): Promise<Workspace> {
  const settings = await readSettings(options.cwd, options.config, { ...options.overrides, ...(options.dir !== undefined && { accounts_dir: options.dir }) });
  const accounts = await readAccounts(options.cwd, settings.accounts_dir);
  return { settings, accounts };
}

export interface PlanRunOptions extends WorkspaceOptions {
  changedSince?: string;
  force: boolean;
  simulator: boolean;
  env: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/** Reads live state through `client` and computes the plan of the workspace. */
export async function computeWorkspacePlan(client: CtctClient, workspace: Workspace, options: Pick<PlanRunOptions, 'cwd' | 'changedSince' | 'force'>): Promise<{ plan: Plan; live: LiveState }> {
  const changedFiles = options.changedSince !== undefined ? await readChangedFiles(options.cwd, options.changedSince) : undefined;
  const live = await fetchLiveState(client, workspace.accounts, { accountType: workspace.settings.account_type, ...(changedFiles && { changedFiles }) });
  return { plan: computePlan(workspace.accounts, live, { settings: workspace.settings, force: options.force, now: new Date().toISOString() }), live };
}

/** `plan`: reads files and live state, returns the plan; changes nothing. */
export async function runPlan(options: PlanRunOptions): Promise<{ plan: Plan; workspace: Workspace }> {
  const workspace = await readWorkspace(options);
  const connection = await openCtct({ cwd: options.cwd, simulator: options.simulator, settings: workspace.settings, env: options.env, ...(options.log && { log: options.log }) });
  try {
    const { plan } = await computeWorkspacePlan(connection.client, workspace, options);
    return { plan, workspace };
  } finally {
    await connection.close();
  }
}
