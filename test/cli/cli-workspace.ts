import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { STARTER_ACCOUNTS } from '../../src/commands/simulator-starter-state.js';
import { writeStateFile } from '../../src/simulator/account-store.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const temps: string[] = [];
afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

/** An empty temporary folder, removed after the test file. */
export async function tempWorkspace(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ctct-cli-'));
  temps.push(dir);
  return dir;
}

/**
 * A copy of the shipped example accounts whose `--simulator` state holds the three example live
 * accounts: riverside_dental matches its file, old_town_cycles is to be cancelled (a07e1demo0002),
 * lakeside_florist is an orphan.
 */
export async function exampleWorkspace(): Promise<string> {
  const dir = await tempWorkspace();
  await cp(path.join(ROOT, 'accounts'), path.join(dir, 'accounts'), { recursive: true });
  writeStateFile(path.join(dir, '.ctct-gitops/simulator.json'), {
    format_version: 1,
    accounts: [...STARTER_ACCOUNTS],
    pending_provisions: [],
  });
  return dir;
}

/** A CLI environment with nothing inherited but PATH, and no colour. */
export const PLAIN_ENV: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NO_COLOR: '1' };

/** What a --simulator run of the examples prints on stderr: hanks-fresh-fruit.yaml's password variable is not set. */
export const THROWAWAY_NOTICE =
  'ctct-gitops: --simulator: a throwaway initial password stands ' +
  'in for HANKS_INITIAL_PASSWORD, which is not set or unfit\n';
