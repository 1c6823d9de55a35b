import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { CtctClient } from '../../src/ctct/ctct-client.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/simulator.js';
import { CLI_PATH, runCli, type RunCliResult } from '../helpers/run-cli.js';
import { simulatorEnv } from '../helpers/simulator-env.js';
import { expect } from 'vitest';

/**
 * Shared harness of the reliability suite: a simulator with canary credentials, a temporary
 * repository of account files, the real CLI as a child process, and the convergence checks.
 */

export const CANARY = {
  apiKey: 'CANARY-KEY-7d1f',
  clientId: 'canary-client',
  clientSecret: 'CANARY-SECRET-93ab',
  wrongSecret: 'CANARY-WRONGSECRET-4c1e',
  wrongApiKey: 'CANARY-WRONGKEY-60d2',
  passwords: { RELY_PW_1: 'Hidden-PW-5e2c-xq', RELY_PW_2: 'Hidden-PW-81fa-xq' } as Record<string, string>,
} as const;

/** Every value that must never leave the process: the credentials, passwords and the Basic credential. */
export function canarySecrets(): string[] {
  return [
    CANARY.apiKey,
    CANARY.clientSecret,
    CANARY.wrongSecret,
    CANARY.wrongApiKey,
    ...Object.values(CANARY.passwords),
    Buffer.from(`${CANARY.clientId}:${CANARY.clientSecret}`).toString('base64'),
    Buffer.from(`${CANARY.clientId}:${CANARY.wrongSecret}`).toString('base64'),
  ];
}

export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;

/** Where a canary secret or a JWT appeared; every CLI output of the suite is checked. */
export const leaks: string[] = [];
/** Bytes of CLI output and files checked for secrets. */
export const scanned = { outputs: 0, files: 0, bytes: 0 };

/** The canary secrets and JWTs in `text`, each described with `where`. */
export function findLeaks(text: string, where: string): string[] {
  const found: string[] = [];
  for (const secret of canarySecrets())
    if (text.includes(secret)) found.push(`${where}: contains the canary ${secret.slice(0, 10)}…`);
  const jwt = JWT_PATTERN.exec(text);
  if (jwt) found.push(`${where}: contains a JWT ${jwt[0].slice(0, 16)}…`);
  return found;
}

function scanOutput(args: string[], result: { stdout: string; stderr: string }): void {
  scanned.outputs++;
  scanned.bytes += Buffer.byteLength(result.stdout) + Buffer.byteLength(result.stderr);
  leaks.push(
    ...findLeaks(result.stdout, `stdout of ${args.join(' ')}`),
    ...findLeaks(result.stderr, `stderr of ${args.join(' ')}`),
  );
}

/** Checks every file under `dir` (but `except`) for the canary secrets; returns what it found. */
export async function scanFiles(dir: string, except: readonly string[] = []): Promise<string[]> {
  const found: string[] = [];
  for (const { file, bytes } of await readAllFiles(dir)) {
    if (except.includes(file.split(path.sep).join('/'))) continue;
    scanned.files++;
    scanned.bytes += bytes.length;
    found.push(...findLeaks(bytes.toString('latin1'), file));
  }
  leaks.push(...found);
  return found;
}

const cleanups: Array<() => Promise<void>> = [];

/** Closes every simulator and removes every temporary repository (call from afterAll / afterEach). */
export async function cleanupAll(): Promise<void> {
  while (cleanups.length > 0)
    await cleanups
      .pop()?.()
      .catch(() => undefined);
}

/** Counters a simulator's request log gives about the faults it injected. */
export interface FaultCounter {
  injected: number;
}

/** A simulator on loopback with the canary credentials; its injected faults are counted. */
export async function startCanarySim(options: SimulatorOptions = {}, counter?: FaultCounter): Promise<Simulator> {
  const sim = await startSimulator({
    requestsPerSecond: 0,
    dailyQuota: 0,
    credentials: { apiKey: CANARY.apiKey, clientId: CANARY.clientId, clientSecret: CANARY.clientSecret },
    ...options,
    log: (line) => {
      if (counter && /\(fault\)|dropped \(fault|\(provision later\)/.test(line)) counter.injected++;
      options.log?.(line);
    },
  });
  cleanups.push(() => sim.close());
  return sim;
}

/** One account file of a test repository. */
export interface AccountSpec {
  file: string;
  login: string;
  /** Set for an account that exists before the run. */
  id?: string;
  country: string;
  state?: string;
  planType?: string;
  billingDay?: number;
  passwordEnv?: string;
  cancelled?: boolean;
  org?: string;
  /** The plan a seeded account is put on before the run (default TRIAL, as created). */
  livePlan?: string;
}

export interface Repo {
  dir: string;
  specs: AccountSpec[];
  sim: Simulator;
  env: NodeJS.ProcessEnv;
}

/** The environment of the CLI: nothing inherited but PATH; the canary credentials and passwords. */
export function cliEnv(sim: Simulator, overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return simulatorEnv(sim, { ...CANARY.passwords, ...overrides });
}

/** Creates the live accounts that files name by id, straight through the API (not through the CLI). */
async function seedExisting(sim: Simulator, specs: AccountSpec[]): Promise<void> {
  const client = new CtctClient({
    baseUrl: sim.baseUrl,
    tokenUrl: sim.tokenUrl,
    ...sim.credentials,
    requestsPerSecond: 0,
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
  });
  try {
    for (const spec of specs) {
      if (spec.id !== 'seed') continue;
      const created = await client.createAccount({
        login_name: spec.login,
        contact_email: `${spec.login}@example.com`,
        country_code: spec.country,
        state_code: spec.state ?? '',
        organization_name: spec.org ?? `Org ${spec.login}`,
      });
      spec.id = created.encoded_account_id;
    }
  } finally {
    await client.close();
  }
}

/** Sets the live plan of seeded accounts (before the files are written). */
async function seedPlans(sim: Simulator, plans: Array<{ id: string; planType: string }>): Promise<void> {
  const client = new CtctClient({
    baseUrl: sim.baseUrl,
    tokenUrl: sim.tokenUrl,
    ...sim.credentials,
    requestsPerSecond: 0,
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
  });
  try {
    for (const plan of plans) await client.setPlan(plan.id, { plan_type: plan.planType, billing_day_of_month: 10 });
  } finally {
    await client.close();
  }
}

/**
 * The standard scenario repository: 3 accounts that exist (a TRIAL and a BRONZE account to
 * upgrade, a BRONZE one to cancel) and 7 to
 * create (TRIAL and paid, US, CA and elsewhere, two with a password from the environment).
 */
export function standardSpecs(prefix = 'rely'): AccountSpec[] {
  return [
    {
      file: 'existing/upgrade.yaml',
      login: `${prefix}_ex_upgrade`,
      id: 'seed',
      country: 'US',
      state: 'MA',
      planType: 'GOLD',
      billingDay: 5,
    },
    {
      file: 'existing/bronze-to-silver.yaml',
      login: `${prefix}_ex_silver`,
      id: 'seed',
      livePlan: 'BRONZE',
      country: 'US',
      state: 'NY',
      planType: 'SILVER',
    },
    {
      file: 'existing/leaving.yaml',
      login: `${prefix}_ex_leaving`,
      id: 'seed',
      livePlan: 'BRONZE',
      country: 'GB',
      cancelled: true,
    },
    { file: 'new/trial-one.yaml', login: `${prefix}_trial_one`, country: 'US', state: 'MA', passwordEnv: 'RELY_PW_1' },
    {
      file: 'new/gold-two.yaml',
      login: `${prefix}_gold_two`,
      country: 'US',
      state: 'TX',
      planType: 'GOLD',
      billingDay: 1,
      passwordEnv: 'RELY_PW_2',
    },
    {
      file: 'new/silver-three.yaml',
      login: `${prefix}_silver_three`,
      country: 'CA',
      state: 'ON',
      planType: 'SILVER',
      billingDay: 15,
    },
    { file: 'new/trial-four.yaml', login: `${prefix}_trial_four`, country: 'GB' },
    {
      file: 'new/bronze-five.yaml',
      login: `${prefix}_bronze_five`,
      country: 'US',
      state: 'CA',
      planType: 'BRONZE',
      billingDay: 28,
    },
    { file: 'new/trial-six.yaml', login: `${prefix}_trial_six`, country: 'DE' },
    {
      file: 'new/gold-seven.yaml',
      login: `${prefix}_gold_seven`,
      country: 'US',
      state: 'WA',
      planType: 'GOLD',
      billingDay: 20,
    },
  ];
}

export function renderAccountFile(spec: AccountSpec): string {
  const lines = ['# a reliability-suite account', `login_name: ${spec.login}`];
  if (spec.id !== undefined && spec.id !== 'seed') lines.push(`encoded_account_id: ${spec.id}`);
  if (spec.id === undefined) {
    lines.push(`contact_email: ${spec.login.replaceAll('_', '.')}@example.com`, `country_code: ${spec.country}`);
    if (spec.state !== undefined) lines.push(`state_code: ${spec.state}`);
    if (spec.passwordEnv !== undefined) lines.push(`password_env: ${spec.passwordEnv}`);
  }
  lines.push(`organization_name: ${spec.org ?? `Org ${spec.login}`}`);
  if (spec.planType !== undefined) {
    lines.push('plan:', `  plan_type: ${spec.planType}`);
    if (spec.billingDay !== undefined) lines.push(`  billing_day_of_month: ${spec.billingDay}`);
  }
  if (spec.cancelled) lines.push('status: cancelled', 'cancel:', '  reason_id: 12 # Doing It In-House');
  return `${lines.join('\n')}\n`;
}

/**
 * A fresh temporary repository against `sim`: seeds the existing accounts (on `livePlan`), then
 * writes the files and a ctct-gitops.yaml.
 */
export async function makeRepo(
  sim: Simulator,
  specs: AccountSpec[] = standardSpecs(),
  settings: Record<string, unknown> = {},
): Promise<Repo> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ctct-reliability-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await seedExisting(sim, specs);
  await seedPlans(
    sim,
    specs
      .filter((spec) => spec.id !== undefined && spec.livePlan !== undefined && spec.livePlan !== 'TRIAL')
      .map((spec) => ({ id: spec.id!, planType: spec.livePlan! })),
  );
  for (const spec of specs) {
    const file = path.join(dir, 'accounts', spec.file);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, renderAccountFile(spec));
  }
  // The default safety gates stay on: a re-run after a cut-short apply finishes its creates' plans from
  // the journal, so they never come back as updates that the share gate would count.
  const merged = { requests_per_second: 20, ...settings };
  const settingsText = `${Object.entries(merged)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join('\n')}\n`;
  await writeFile(path.join(dir, 'ctct-gitops.yaml'), settingsText);
  return { dir, specs, sim, env: cliEnv(sim) };
}

/** Every CLI invocation and its output, for the secrets canary and the figures. */
export interface Transcript {
  runs: Array<{ args: string[]; code: number | null; stdout: string; stderr: string }>;
}

export const transcript: Transcript = { runs: [] };

/** Runs the CLI in `repo`; every run is kept in {@link transcript}. */
export async function cli(
  repo: Pick<Repo, 'dir' | 'env'>,
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunCliResult> {
  const result = await runCli(args, {
    cwd: repo.dir,
    env: { ...repo.env, ...options.env },
    timeoutMs: options.timeoutMs ?? 90_000,
  });
  transcript.runs.push({ args, ...result });
  scanOutput(args, result);
  return result;
}

/** A CLI child process whose pid is known, that the test may kill. */
export function startCli(
  repo: Pick<Repo, 'dir' | 'env'>,
  args: string[],
): { pid: number; kill(): void; done: Promise<RunCliResult> } {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    cwd: repo.dir,
    env: repo.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<RunCliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const result = { code, stdout, stderr };
      transcript.runs.push({ args, ...result });
      scanOutput(args, result);
      resolve(result);
    });
  });
  return { pid: child.pid ?? -1, kill: () => child.kill('SIGKILL'), done };
}

/** Re-runs `apply --yes` until it exits 0, at most `maxRuns` times; returns every run. */
export async function converge(repo: Repo, maxRuns = 6): Promise<RunCliResult[]> {
  const runs: RunCliResult[] = [];
  for (let i = 0; i < maxRuns; i++) {
    const result = await cli(repo, ['apply', '--yes', '--report', `report-converge-${i}.json`]);
    runs.push(result);
    if (result.code === 0) break;
  }
  return runs;
}

/** What the convergence checks found; every list should be empty. */
export interface ConvergenceFindings {
  planExit: number | null;
  planOutput: string;
  duplicates: string[];
  lost: string[];
  idProblems: string[];
  openIntents: string[];
  /** Canary secrets or JWTs in any CLI output so far, or in any file of the repository. */
  leaks: string[];
}

/**
 * The checks after every scenario: live state equals the files (`plan --detailed-exitcode` 0),
 * one live account per login, every file's plan and status live, each created file carrying
 * its live encoded_account_id exactly once, and no intent left open in the journal.
 */
export async function checkConverged(repo: Repo): Promise<ConvergenceFindings> {
  const plan = await cli(repo, ['plan', '--detailed-exitcode']);
  const live = repo.sim.accounts();
  const byLogin = new Map<string, number>();
  for (const account of live)
    byLogin.set(account.login_name.toLowerCase(), (byLogin.get(account.login_name.toLowerCase()) ?? 0) + 1);
  const duplicates = [...byLogin].filter(([, count]) => count > 1).map(([login, count]) => `${login} ×${count}`);

  const lost: string[] = [];
  const idProblems: string[] = [];
  for (const spec of repo.specs) {
    const text = await readFile(path.join(repo.dir, 'accounts', spec.file), 'utf8');
    const idLines = text.match(/^\s*encoded_account_id:.*$/gm) ?? [];
    const account = repo.sim.findByLogin(spec.login);
    if (account === undefined) {
      lost.push(`${spec.file}: no live account ${spec.login}`);
      continue;
    }
    if (idLines.length !== 1) idProblems.push(`${spec.file}: encoded_account_id appears ${idLines.length} times`);
    const fileId = (parse(text) as { encoded_account_id?: string }).encoded_account_id;
    if (fileId !== account.encoded_account_id)
      idProblems.push(
        `${spec.file}: file names ${String(fileId)}, live ${spec.login} is ${account.encoded_account_id}`,
      );
    if (spec.cancelled) {
      if (account.billing_status !== 'Canceled')
        lost.push(`${spec.file}: wants cancelled, live is ${account.billing_status}`);
      continue;
    }
    const wanted = spec.planType ?? 'TRIAL';
    if (account.plan_type !== wanted) lost.push(`${spec.file}: wants ${wanted}, live is ${account.plan_type}`);
    // The billing day is taken only when leaving TRIAL, which creates on a paid plan and the seeded TRIAL account do
    // through apply.
    const leavesTrialInApply = spec.id === undefined || (spec.livePlan ?? 'TRIAL') === 'TRIAL';
    if (leavesTrialInApply && spec.billingDay !== undefined && account.billing_day_of_month !== spec.billingDay) {
      lost.push(`${spec.file}: wants billing day ${spec.billingDay}, live is ${String(account.billing_day_of_month)}`);
    }
  }
  await scanFiles(repo.dir);
  return {
    planExit: plan.code,
    planOutput: plan.stdout + plan.stderr,
    duplicates,
    lost,
    idProblems,
    openIntents: await readOpenIntents(repo.dir),
    leaks: [...leaks],
  };
}

/** Intents of `.ctct-gitops/journal.jsonl` that no `written` or `abandoned` record closed. */
export async function readOpenIntents(dir: string): Promise<string[]> {
  const file = path.join(dir, '.ctct-gitops', 'journal.jsonl');
  if (!existsSync(file)) return [];
  const open = new Map<string, string>();
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (line.trim() === '') continue;
    let record: { type: string; intent_id?: string; login_name?: string };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      continue;
    }
    if (record.type === 'intent') open.set(record.intent_id!, record.login_name!);
    else if (record.type === 'written' || record.type === 'abandoned') open.delete(record.intent_id!);
  }
  return [...open.values()];
}

/** Every file under `dir`, recursively, with its bytes. */
export async function readAllFiles(dir: string): Promise<Array<{ file: string; bytes: Buffer }>> {
  const out: Array<{ file: string; bytes: Buffer }> = [];
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push({ file: path.relative(dir, full), bytes: await readFile(full) });
    }
  };
  await walk(dir);
  return out;
}

/** A small seeded PRNG (mulberry32), so a SIGKILL seed names the same kill time every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whether the built CLI has an `import` command (another engineer adds it). */
export async function hasImportCommand(): Promise<boolean> {
  const result = await runCli(['import', '--help'], {
    cwd: tmpdir(),
    env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1' },
  });
  return result.code === 0 && /Usage: ctct-gitops import/.test(result.stdout);
}

/** Checks that a repository converged and asserts every finding is empty; returns them for the tallies. */
export async function expectConverged(repo: Repo): Promise<ConvergenceFindings> {
  const findings = await checkConverged(repo);
  expect(findings.planExit, findings.planOutput).toBe(0);
  expect(findings.duplicates).toEqual([]);
  expect(findings.lost).toEqual([]);
  expect(findings.idProblems).toEqual([]);
  expect(findings.openIntents).toEqual([]);
  expect(findings.leaks).toEqual([]);
  expect(repo.sim.accounts()).toHaveLength(repo.specs.length);
  return findings;
}
