import { existsSync } from 'node:fs';
import path from 'node:path';
import { countApiCalls, readDailyCalls, writeDailyCalls } from '../apply/daily-calls.js';
import { CtctClient, readCtctClientOptions } from '../ctct/ctct-client.js';
import type { DesiredAccount } from '../model.js';
import type { Settings } from '../settings/settings.js';
import { writeStateFile } from '../simulator/account-store.js';
import { computeMirrorAccounts } from '../simulator/compute-mirror-accounts.js';
import { startSimulator } from '../simulator/simulator.js';
import { STARTER_ACCOUNTS } from './simulator-starter-state.js';

/** Where ctct-gitops keeps its own files (journal, lock, simulator state); ignored by git. */
export const STATE_DIR = '.ctct-gitops';

export interface CtctConnection {
  client: CtctClient;
  /**
   * Partner API calls this tool made today (UTC) with this API key before this run, as `.ctct-gitops/` records them.
   */
  callsToday: number;
  /** Set when running against the in-process simulator. */
  simulatorStateFile: string | null;
  close(): Promise<void>;
}

export interface OpenCtctOptions {
  cwd: string;
  simulator: boolean;
  settings: Settings;
  env: NodeJS.ProcessEnv;
  /** The account files: a new simulator state mirrors the live accounts they name. */
  accounts: readonly DesiredAccount[];
  log?: (line: string) => void;
  /** Told what a new simulator state starts with. */
  notice?: (line: string) => void;
}

/**
 * The CTCT client of one run: against CTCT with credentials from the environment, or with
 * `--simulator` against an in-process simulator whose state lives in `.ctct-gitops/simulator.json`.
 */
export async function openCtct(options: OpenCtctOptions): Promise<CtctConnection> {
  const stateDir = path.join(options.cwd, STATE_DIR);
  if (!options.simulator) {
    const clientOptions = readCtctClientOptions(options.env, options.settings);
    const client = new CtctClient({ ...clientOptions, ...(options.log && { log: options.log }) });
    return {
      client,
      simulatorStateFile: null,
      callsToday: await readDailyCalls(stateDir, clientOptions.apiKey),
      close: () => closeCounting(client, stateDir, clientOptions.apiKey),
    };
  }
  const stateFile = path.join(options.cwd, STATE_DIR, 'simulator.json');
  if (!existsSync(stateFile)) {
    const accounts = computeNewSimulatorAccounts(options.accounts, options.settings);
    writeStateFile(stateFile, { format_version: 1, accounts, pending_provisions: [] });
    const relative = path.relative(options.cwd, stateFile).split(path.sep).join('/');
    options.notice?.(
      options.accounts.length === 0
        ? `new simulator state ${relative}: ${accounts.length} example accounts, ` +
            `as there are no account files yet (import --simulator adopts them)`
        : `new simulator state ${relative}: ${accounts.length} live account${accounts.length === 1 ? '' : 's'} ` +
            `as the account files describe them; delete it to start again from the files`,
    );
  }
  // A rehearsal assumes the partner's SSO arrangement covers the accounts it creates.
  const simulator = await startSimulator({
    stateFile,
    requestsPerSecond: options.settings.requests_per_second,
    ssoForNewAccounts: true,
  });
  const client = new CtctClient({
    baseUrl: simulator.baseUrl,
    tokenUrl: simulator.tokenUrl,
    apiKey: simulator.credentials.apiKey,
    clientId: simulator.credentials.clientId,
    clientSecret: simulator.credentials.clientSecret,
    requestsPerSecond: options.settings.requests_per_second,
    concurrency: options.settings.concurrency,
    authorizationScheme: options.settings.authorization_scheme,
    tokenScope: options.settings.token_scope,
    ...(options.log && { log: options.log }),
  });
  return {
    client,
    simulatorStateFile: stateFile,
    callsToday: await readDailyCalls(stateDir, simulator.credentials.apiKey),
    close: async () => {
      try {
        await closeCounting(client, stateDir, simulator.credentials.apiKey);
      } finally {
        await simulator.close();
      }
    },
  };
}

/** Closes the client and adds its partner calls to today's count of the key, whatever the run's outcome. */
async function closeCounting(client: CtctClient, stateDir: string, apiKey: string): Promise<void> {
  try {
    await client.close();
  } finally {
    await writeDailyCalls(stateDir, apiKey, countApiCalls(client.calls));
  }
}

/**
 * What a new simulator state starts with: the live accounts the files name, as they describe
 * them, so an existing estate is rehearsed as it is; with no account files yet, the examples.
 */
export function computeNewSimulatorAccounts(
  accounts: readonly DesiredAccount[],
  settings: Pick<Settings, 'account_type'>,
  now = new Date().toISOString(),
) {
  if (accounts.length === 0) return [...STARTER_ACCOUNTS];
  return computeMirrorAccounts(accounts, { now, accountType: settings.account_type });
}
