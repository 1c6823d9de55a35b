import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { writeStateFile } from '../../src/simulator/account-store.js';
import {
  startSimulator,
  type SimAccount,
  type Simulator,
  type SimulatorOptions,
} from '../../src/simulator/simulator.js';
import { CLI_PATH, runCli, type RunCliResult } from '../helpers/run-cli.js';
import { assertNoLeakedSecrets } from '../helpers/find-leaked-secrets.js';
import { simulatorEnv } from '../helpers/simulator-env.js';

export { CLI_PATH };

/**
 * Registers cleanup for the end of the current test. Concurrent tests pass their own context's
 * `onTestFinished`; the global one is for tests that run one at a time.
 */
export type Finished = (cleanup: () => unknown) => void;
const globalFinished: Finished = (cleanup) =>
  onTestFinished(async () => {
    await cleanup();
  });

/** A temporary folder removed when the current test ends. */
export async function makeTempDir(prefix = 'ctct-apply-', finished: Finished = globalFinished): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  finished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A working folder holding `files` (relative path → text), e.g. `accounts/a.yaml`, `ctct-gitops.yaml`. */
export async function makeWorkspace(
  files: Record<string, string>,
  finished: Finished = globalFinished,
): Promise<string> {
  const cwd = await makeTempDir('ctct-apply-', finished);
  for (const [relative, text] of Object.entries(files)) {
    const absolute = path.join(cwd, ...relative.split('/'));
    await mkdir(path.dirname(absolute), { recursive: true });
    await writeFile(absolute, text);
  }
  return cwd;
}

/**
 * A simulator in this process (so its state outlives a killed CLI), closed when the test ends.
 * `accounts` are live before the test starts (loaded through a state file in a temporary folder).
 */
export async function startTestSim(
  options: SimulatorOptions & { accounts?: SimAccount[] } = {},
  finished: Finished = globalFinished,
): Promise<Simulator> {
  const { accounts, ...rest } = options;
  let stateFile: string | undefined;
  if (accounts !== undefined) {
    stateFile = path.join(await makeTempDir('ctct-apply-sim-', finished), 'simulator.json');
    writeStateFile(stateFile, { format_version: 1, accounts, pending_provisions: [] });
  }
  const sim = await startSimulator({
    requestsPerSecond: 0,
    dailyQuota: 0,
    provisionDelayMs: 300,
    ...rest,
    ...(stateFile !== undefined && { stateFile }),
  });
  finished(() => sim.close());
  return sim;
}

let seq = 0;
/** A live account as the simulator stores it. */
export function liveAccount(id: string, login: string, fields: Partial<SimAccount> = {}): SimAccount {
  seq++;
  return {
    encoded_account_id: id,
    provision_uuid: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    login_name: login,
    contact_email: `${login.replace(/[^a-z0-9]/gi, '')}@example.com`,
    country_code: 'US',
    state_code: 'MA',
    organization_name: `Org ${login}`,
    has_password: false,
    managed_site_owner: false,
    plan_type: 'TRIAL',
    billing_status: 'Trial',
    billing_day_of_month: null,
    subscriber_count: 10,
    sso_users: [],
    created_seq: seq,
    created_at: '2026-01-15T12:00:00.000Z',
    ...fields,
  };
}

/** The environment of a CLI run against `sim`: credentials and URLs only, plus `extra`. */
export function cliEnv(sim: Simulator, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return simulatorEnv(sim, extra);
}

/** Runs the built CLI in `cwd` against `sim`. */
export function runAgainst(
  sim: Simulator,
  cwd: string,
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunCliResult> {
  return runCli(args, { cwd, env: cliEnv(sim, options.env), timeoutMs: options.timeoutMs ?? 60_000 });
}

/** `plan --detailed-exitcode`: 0 when the live accounts match the files. */
export function planDetailed(sim: Simulator, cwd: string, timeoutMs = 60_000): Promise<RunCliResult> {
  return runAgainst(sim, cwd, ['plan', '--detailed-exitcode'], { timeoutMs });
}

/** A CLI child process that the test may kill; `done` settles when it exits. */
export function spawnCli(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
  finished: Finished = globalFinished,
): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin?.end();
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        try {
          assertNoLeakedSecrets(options.env, args, stdout, stderr);
          resolve({ code, signal, stdout, stderr });
        } catch (leak) {
          reject(leak);
        }
      });
    },
  );
  finished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, done };
}

export interface CreateFileOptions {
  plan?: string;
  day?: number;
  country?: string;
  state?: string | null;
  organization?: string;
  passwordEnv?: string;
}

/**
 * The text of an account file to create, with the comments, blank lines, quoting and key order a
 * person writes, so that write-back can be checked byte for byte.
 */
export function createFileText(login: string, options: CreateFileOptions = {}): string {
  const country = options.country ?? 'US';
  const state = options.state === undefined ? (country === 'US' ? 'MA' : null) : options.state;
  const lines = [
    '# yaml-language-server: $schema=../schema/account.schema.json',
    `# ${login}: created by apply`,
    '',
    `login_name: ${login}   # the identity until CTCT assigns an id`,
    `contact_email: "${login.replace(/[^a-z0-9]/gi, '')}@example.com"`,
    `country_code: '${country}'`,
    ...(state !== null ? [`state_code: ${state}`] : []),
    `organization_name: ${options.organization ?? `Org ${login}`}`,
    'first_name: Hank # owner',
    '',
    ...(options.passwordEnv !== undefined ? [`password_env: ${options.passwordEnv}`] : []),
    ...(options.plan !== undefined
      ? [
          'plan:',
          `  # plan comment`,
          `  plan_type: ${options.plan}`,
          ...(options.day !== undefined ? [`  billing_day_of_month: ${options.day}`] : []),
        ]
      : []),
    '# trailing comment',
  ];
  return `${lines.join('\n')}\n`;
}

/** The encoded_account_id lines of a file's text. */
export function idLines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => /^\s*encoded_account_id\s*:/.test(line));
}

/** The text with its one `encoded_account_id: ID` line (and that line's end) removed. */
export function withoutIdLine(text: string, id: string): string {
  return text.replace(new RegExp(`^[ \\t]*encoded_account_id: ${id}[ \\t]*\\r?\\n`, 'm'), '');
}

export async function readText(cwd: string, relative: string): Promise<string> {
  return readFile(path.join(cwd, ...relative.split('/')), 'utf8');
}

export function journalPath(cwd: string): string {
  return path.join(cwd, '.ctct-gitops', 'journal.jsonl');
}

export function lockPath(cwd: string): string {
  return path.join(cwd, '.ctct-gitops', 'apply.lock');
}

export function exists(file: string): boolean {
  return existsSync(file);
}

/** Number of write requests (POST create, PUT plan, PUT cancel) the simulator received. */
export function writeRequests(sim: Simulator): number {
  const ops = sim.stats.byOperation;
  return (ops['createAccount'] ?? 0) + (ops['setPlan'] ?? 0) + (ops['cancelAccount'] ?? 0);
}

/** Live accounts by login name (lower case), to find duplicates. */
export function accountsByLogin(sim: Simulator): Map<string, SimAccount[]> {
  const map = new Map<string, SimAccount[]>();
  for (const account of sim.accounts()) {
    const key = account.login_name.toLowerCase();
    map.set(key, [...(map.get(key) ?? []), account]);
  }
  return map;
}

/** Waits until `condition` holds, polling every `everyMs`; rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
