import { existsSync } from 'node:fs';
import path from 'node:path';
import { CtctClient, readCtctClientOptions } from '../ctct/ctct-client.js';
import type { Settings } from '../settings/settings.js';
import { writeStateFile } from '../simulator/account-store.js';
import { startSimulator } from '../simulator/simulator.js';
import { STARTER_ACCOUNTS } from './simulator-starter-state.js';

/** Where ctct-gitops keeps its own files (journal, lock, simulator state); ignored by git. */
export const STATE_DIR = '.ctct-gitops';

export interface CtctConnection {
  client: CtctClient;
  /** Set when running against the in-process simulator. */
  simulatorStateFile: string | null;
  close(): Promise<void>;
}

/**
 * The CTCT client of one run: against CTCT with credentials from the environment, or with
 * `--simulator` against an in-process simulator whose state lives in `.ctct-gitops/simulator.json`.
 */
export async function openCtct(options: { cwd: string; simulator: boolean; settings: Settings; env: NodeJS.ProcessEnv; log?: (line: string) => void }): Promise<CtctConnection> {
  const clientSettings = {
    requests_per_second: options.settings.requests_per_second,
    concurrency: options.settings.concurrency,
    authorization_scheme: options.settings.authorization_scheme,
  };
  if (!options.simulator) {
    const client = new CtctClient({ ...readCtctClientOptions(options.env, clientSettings), ...(options.log && { log: options.log }) });
    return { client, simulatorStateFile: null, close: () => client.close() };
  }
  const stateFile = path.join(options.cwd, STATE_DIR, 'simulator.json');
  if (!existsSync(stateFile)) writeStateFile(stateFile, { format_version: 1, accounts: [...STARTER_ACCOUNTS], pending_provisions: [] });
  const simulator = await startSimulator({ stateFile, requestsPerSecond: options.settings.requests_per_second });
  const client = new CtctClient({
    baseUrl: simulator.baseUrl,
    tokenUrl: simulator.tokenUrl,
    apiKey: simulator.credentials.apiKey,
    clientId: simulator.credentials.clientId,
    clientSecret: simulator.credentials.clientSecret,
    requestsPerSecond: options.settings.requests_per_second,
    concurrency: options.settings.concurrency,
    authorizationScheme: options.settings.authorization_scheme,
    ...(options.log && { log: options.log }),
  });
  return {
    client,
    simulatorStateFile: stateFile,
    close: async () => {
      await client.close();
      await simulator.close();
    },
  };
}
