import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STARTER_ACCOUNTS } from '../../src/commands/simulator-starter-state.js';
import type { Plan } from '../../src/model.js';
import { writeStateFile } from '../../src/simulator/account-store.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/simulator.js';
import { assertNoLeakedSecrets } from '../helpers/find-leaked-secrets.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const EXAMPLES = path.join(ROOT, 'accounts');
const ANSI = /\u001b\[[0-9;]*m/;
const TIMEOUT = 60_000;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of the test process without anything that would change the CLI's behaviour. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('CTCT_') || key === 'NO_COLOR' || key === 'FORCE_COLOR' || key.startsWith('GIT_')) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs the built CLI as a child process; resolves with its exit code and output whatever the code. */
function runCli(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: cleanEnv(env), maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        try {
          assertNoLeakedSecrets(cleanEnv(env), args, stdout, stderr);
        } catch (leak) {
          return reject(leak);
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ctct-plan-cli-'));
  temps.push(dir);
  return dir;
}

/**
 * A working folder holding a copy of the shipped example accounts and, unless told otherwise, a
 * simulator state of the starter accounts (as the demo has), so the examples show every kind of change.
 */
async function exampleWorkspace(options: { starterState?: boolean } = {}): Promise<string> {
  const dir = await tempDir();
  await cp(EXAMPLES, path.join(dir, 'accounts'), { recursive: true });
  if (options.starterState ?? true) writeStarterState(dir);
  return dir;
}

function writeStarterState(dir: string): void {
  writeStateFile(path.join(dir, '.ctct-gitops/simulator.json'), {
    format_version: 1,
    accounts: [...STARTER_ACCOUNTS],
    pending_provisions: [],
  });
}

async function writeAccount(dir: string, file: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
  await writeFile(path.join(dir, file), text);
}

/** A live account in the simulator's state format, shaped like the starter accounts. */
function simAccount(seq: number, id: string, login: string, fields: Partial<SimAccount> = {}): SimAccount {
  return {
    ...(STARTER_ACCOUNTS[0] as SimAccount),
    encoded_account_id: id,
    provision_uuid: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    login_name: login,
    contact_email: `${login.replace(/[^a-z]/g, '')}@example.com`,
    organization_name: login,
    created_seq: seq,
    ...fields,
  };
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build the CLI first (npx tsc -p tsconfig.build.json)`);
});

afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

describe('plan --simulator on the shipped examples', () => {
  it('exits 0 and lists 4 creates, 1 cancel and 1 orphan', { timeout: TIMEOUT }, async () => {
    const dir = await exampleWorkspace();
    const result = await runCli(dir, ['plan', '--simulator']);
    // hanks-fresh-fruit.yaml names HANKS_INITIAL_PASSWORD, which the rehearsal does without.
    expect(result.stderr).toBe(
      'ctct-gitops: --simulator: a throwaway initial password stands ' +
        'in for HANKS_INITIAL_PASSWORD, which is not set or unfit\n',
    );
    expect(result.code).toBe(0);
    const heads = result.stdout.split('\n').filter((line) => /^[+~↺\-!?] /.test(line));
    expect(heads.map((line) => line.split(/\s+/).slice(0, 3).join(' '))).toEqual([
      '+ create blue.harbor.bakery',
      '+ create hanks_fresh_fruit',
      '+ create maple-leaf-yoga',
      '+ create thames_tea_rooms',
      '- cancel Old',
      '? orphan Lakeside',
    ]);
    expect(result.stdout).toContain('Plan: 4 to create, 1 to cancel; 1 orphan reported.');
    // riverside_dental matches its file: no change, but its plan was read (Open, paid).
    expect(result.stdout).not.toContain('riverside_dental');
    expect(result.stdout).toContain('API: read live state with 1 list call and 1 plan call; apply will make 8 calls');
    expect(existsSync(path.join(dir, '.ctct-gitops/simulator.json'))).toBe(true);
  });

  it('exits 2 with --detailed-exitcode', { timeout: TIMEOUT }, async () => {
    const dir = await exampleWorkspace();
    const result = await runCli(dir, ['plan', '--simulator', '--detailed-exitcode']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('Plan: 4 to create, 1 to cancel; 1 orphan reported.');
  });

  it('exits 0 with --detailed-exitcode when only drift and orphans remain', { timeout: TIMEOUT }, async () => {
    const dir = await tempDir();
    await writeAccount(
      dir,
      'accounts/riverside.yaml',
      'encoded_account_id: a07e1demo0001\nplan:\n  plan_type: BRONZE\n  billing_day_of_month: 1\n',
    );
    await writeAccount(
      dir,
      'accounts/old-town.yaml',
      'encoded_account_id: a07e1demo0002\nplan:\n  plan_type: SILVER\n',
    );
    writeStarterState(dir);
    const result = await runCli(dir, ['plan', '--simulator', '--detailed-exitcode']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Plan: no changes; 1 drift, 1 orphan reported.');
  });

  it('--format json is format_version 1 with a fingerprint, summary counts and the changes', {
    timeout: TIMEOUT,
  }, async () => {
    const dir = await exampleWorkspace();
    const result = await runCli(dir, ['plan', '--simulator', '--format', 'json']);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as Plan;
    expect(plan.format_version).toBe(1);
    expect(plan.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(plan.summary).toEqual({
      create: 4,
      update: 0,
      update_profile: 0,
      reactivate: 0,
      cancel: 1,
      create_sso_user: 0,
      drift: 0,
      orphan: 1,
    });
    expect(plan.changes.map((c) => [c.action, c.login_name, c.encoded_account_id, c.file])).toEqual([
      ['create', 'blue.harbor.bakery', null, 'accounts/us/blue-harbor-bakery.yaml'],
      ['create', 'hanks_fresh_fruit', null, 'accounts/us/hanks-fresh-fruit.yaml'],
      ['create', 'maple-leaf-yoga', null, 'accounts/international/maple-leaf-yoga.yaml'],
      ['create', 'thames_tea_rooms', null, 'accounts/international/thames-tea-rooms.yaml'],
      ['cancel', null, 'a07e1demo0002', 'accounts/us/old-town-cycles.yaml'],
      ['orphan', null, 'a07e1demo0003', null],
    ]);
    expect(plan.changes[4]).toMatchObject({
      before: { billing_status: 'Open' },
      after: { reason_id: 12 },
      assumed: { billing_status: 'Open' },
    });
    expect(plan.changes[1]?.after).toMatchObject({
      plan_type: 'GOLD',
      billing_day_of_month: 1,
      password_env: 'HANKS_INITIAL_PASSWORD',
    });
    expect(plan.problems).toEqual([]);
    expect(plan.refusals).toEqual([]);
  });

  it('gives byte-identical JSON on two runs, and in another folder with the same files', {
    timeout: TIMEOUT,
  }, async () => {
    const dir = await exampleWorkspace();
    const first = await runCli(dir, ['plan', '--simulator', '--format', 'json']);
    const second = await runCli(dir, ['plan', '--simulator', '--format', 'json']);
    const elsewhere = await runCli(await exampleWorkspace(), ['plan', '--simulator', '--format', 'json']);
    expect([first.code, second.code, elsewhere.code]).toEqual([0, 0, 0]);
    expect(second.stdout).toBe(first.stdout);
    expect(elsewhere.stdout).toBe(first.stdout);
  });

  it('--format markdown starts with the plan heading and the summary table', { timeout: TIMEOUT }, async () => {
    const dir = await exampleWorkspace();
    const result = await runCli(dir, ['plan', '--simulator', '--format', 'markdown']);
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith('### ctct-gitops plan')).toBe(true);
    expect(result.stdout.split('\n').slice(2, 4)).toEqual(['| action | count |', '|---|---:|']);
    expect(result.stdout.match(/<details>/g)).toHaveLength(6);
    expect(result.stdout).toContain('**This plan cancels 1 account:**');
  });

  it('--out writes the same JSON as --format json', { timeout: TIMEOUT }, async () => {
    const dir = await exampleWorkspace();
    const json = await runCli(dir, ['plan', '--simulator', '--format', 'json']);
    const saved = await runCli(dir, ['plan', '--simulator', '--out', 'plan.json']);
    expect(saved.code).toBe(0);
    expect(saved.stdout).toContain('Plan: 4 to create, 1 to cancel; 1 orphan reported.');
    expect(await readFile(path.join(dir, 'plan.json'), 'utf8')).toBe(json.stdout);
  });
});

describe('plan: invalid desired state (exit 3)', () => {
  it('a TRIAL file naming a paid live account is a problem at FILE:LINE:COL', { timeout: TIMEOUT }, async () => {
    const dir = await exampleWorkspace();
    const file = path.join(dir, 'accounts/us/riverside-dental.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(
      file,
      text.replace('plan_type: BRONZE', 'plan_type: TRIAL').replace(/\n\s+billing_day_of_month: 15/, ''),
    );
    const result = await runCli(dir, ['plan', '--simulator', '--detailed-exitcode']);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^ {2}accounts\/us\/riverside-dental\.yaml:7:14: plan_type TRIAL is out of reach/m);
    const json = await runCli(dir, ['plan', '--simulator', '--format', 'json']);
    expect(json.code).toBe(3);
    expect((JSON.parse(json.stdout) as Plan).problems).toEqual([
      { file: 'accounts/us/riverside-dental.yaml', line: 7, col: 14, message: expect.stringContaining('TRIAL') },
    ]);
  });

  it('an encoded_account_id that is not live is a problem at its position', { timeout: TIMEOUT }, async () => {
    const dir = await exampleWorkspace();
    await writeAccount(
      dir,
      'accounts/us/ghost.yaml',
      '# not a live account\nencoded_account_id: a07e1nosuch99\nplan:\n  plan_type: BRONZE\n',
    );
    const result = await runCli(dir, ['plan', '--simulator']);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain(
      'accounts/us/ghost.yaml:2:21: encoded_account_id "a07e1nosuch99" is not a live account',
    );
  });

  it('an encoded_account_id of the wrong shape is refused before any API call', { timeout: TIMEOUT }, async () => {
    const dir = await exampleWorkspace({ starterState: false });
    await writeAccount(dir, 'accounts/us/ghost.yaml', 'encoded_account_id: "not an id!"\nplan:\n  plan_type: BRONZE\n');
    const result = await runCli(dir, ['plan', '--simulator']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/accounts\/us\/ghost\.yaml:1:\d+: /);
    expect(existsSync(path.join(dir, '.ctct-gitops/simulator.json'))).toBe(false);
  });

  it('missing credentials without --simulator name the variable, never a value', { timeout: TIMEOUT }, async () => {
    const dir = await exampleWorkspace();
    const result = await runCli(dir, ['plan'], {
      CTCT_API_KEY: 'key-VALUE-must-not-show-1234',
      CTCT_PARTNER_CLIENT_ID: 'client-VALUE-must-not-show-5678',
      CTCT_BASE_URL: 'http://127.0.0.1:9/v3',
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('CTCT_PARTNER_SECRET');
    expect(result.stderr).not.toContain('CTCT_API_KEY,');
    expect(result.stderr + result.stdout).not.toMatch(/VALUE-must-not-show/);
    expect(result.stdout).toBe('');
  });
});

describe('plan: safety gates (exit 4)', () => {
  async function sixCancels(): Promise<string> {
    const dir = await tempDir();
    const accounts = Array.from({ length: 6 }, (_, i) => simAccount(i + 1, `a07e1gate000${i}`, `gate_account_${i}`));
    writeStateFile(path.join(dir, '.ctct-gitops/simulator.json'), {
      format_version: 1,
      accounts,
      pending_provisions: [],
    });
    for (const [i, account] of accounts.entries()) {
      await writeAccount(
        dir,
        `accounts/gate-${i}.yaml`,
        `encoded_account_id: ${account.encoded_account_id}\nstatus: cancelled\ncancel:\n  reason_id: 1\n`,
      );
    }
    return dir;
  }

  it('6 cancels are refused by max_cancels, saying how to pass', { timeout: TIMEOUT }, async () => {
    const dir = await sixCancels();
    const result = await runCli(dir, ['plan', '--simulator']);
    expect(result.code).toBe(4);
    expect(result.stdout).toContain('max_cancels: the plan cancels 6 accounts; the limit is 5 in one run');
    expect(result.stdout).toContain(
      'to pass: set safety.max_cancels: 6 in ctct-gitops.yaml (from a pull request: in the same ' +
        'pull request, so its plan and the apply after the merge both pass), or rerun with --force',
    );
    expect(result.stdout).toContain('Plan: refused by safety gates, nothing will be applied (it would: 6 to cancel).');
  });

  it('--force passes max_cancels, and says so', { timeout: TIMEOUT }, async () => {
    const dir = await sixCancels();
    const result = await runCli(dir, ['plan', '--simulator', '--force']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Passed with --force:\n  max_cancels: ');
    const detailed = await runCli(dir, ['plan', '--simulator', '--force', '--detailed-exitcode']);
    expect(detailed.code).toBe(2);
  });

  it('a raised limit in ctct-gitops.yaml passes it too', { timeout: TIMEOUT }, async () => {
    const dir = await sixCancels();
    await writeFile(path.join(dir, 'ctct-gitops.yaml'), 'safety:\n  max_cancels: 6\n');
    const result = await runCli(dir, ['plan', '--simulator']);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('max_cancels');
  });

  it('a protected account is refused even with --force', { timeout: TIMEOUT }, async () => {
    const dir = await exampleWorkspace();
    const file = path.join(dir, 'accounts/us/riverside-dental.yaml');
    await writeFile(file, `${await readFile(file, 'utf8')}status: cancelled\ncancel:\n  reason_id: 1\n`);
    const result = await runCli(dir, ['plan', '--simulator', '--force']);
    expect(result.code).toBe(4);
    expect(result.stdout).toContain('protected: accounts/us/riverside-dental.yaml has protect: true');
  });
});

describe('plan against a simulator started by the test', () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  const git = (cwd: string, ...args: string[]) =>
    execFileSync(
      'git',
      [
        '-c',
        'user.name=ctct-gitops test',
        '-c',
        'user.email=test@example.com',
        '-c',
        'commit.gpgsign=false',
        '-c',
        'init.defaultBranch=main',
        ...args,
      ],
      {
        cwd,
        env: cleanEnv(),
        stdio: 'pipe',
      },
    );

  it('--changed-since reads the plan of the changed file only and counts the others as not refreshed', {
    timeout: TIMEOUT,
  }, async () => {
    const stateDir = await tempDir();
    const stateFile = path.join(stateDir, 'simulator.json');
    const accounts = Array.from({ length: 4 }, (_, i) =>
      simAccount(i + 1, `a07e1chg000${i}`, `changed_since_${i}`, { plan_type: 'BRONZE', billing_day_of_month: 10 }),
    );
    writeStateFile(stateFile, { format_version: 1, accounts, pending_provisions: [] });
    sim = await startSimulator({ stateFile, requestsPerSecond: 0, dailyQuota: 0 });
    const env = {
      CTCT_BASE_URL: sim.baseUrl,
      CTCT_TOKEN_URL: sim.tokenUrl,
      CTCT_API_KEY: sim.credentials.apiKey,
      CTCT_PARTNER_CLIENT_ID: sim.credentials.clientId,
      CTCT_PARTNER_SECRET: sim.credentials.clientSecret,
    };

    const repo = await tempDir();
    for (const [i, account] of accounts.entries()) {
      await writeAccount(
        repo,
        `accounts/account-${i}.yaml`,
        `encoded_account_id: ${account.encoded_account_id}\nplan:\n  plan_type: BRONZE\n  billing_day_of_month: 10\n`,
      );
    }
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'accounts');

    const plans = () => sim?.stats.byOperation['getPlan'] ?? 0;
    // Without --changed-since every paid account's plan is read.
    const full = await runCli(repo, ['plan', '--rps', '50'], env);
    expect(full.code).toBe(0);
    expect(plans()).toBe(4);
    expect(full.stdout).toContain('Plan: no changes.');

    // One file changes; a new (untracked) file is a create, which needs no plan read.
    await writeAccount(
      repo,
      'accounts/account-2.yaml',
      'encoded_account_id: a07e1chg0002\nplan:\n  plan_type: GOLD\n  billing_day_of_month: 10\n',
    );
    await writeAccount(
      repo,
      'accounts/new.yaml',
      'login_name: brand_new_account\ncontact_email: new@example.com\ncountry_code: GB\n',
    );
    const before = plans();
    const result = await runCli(repo, ['plan', '--changed-since', 'HEAD', '--rps', '50', '--format', 'json'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(plans() - before).toBe(1);
    const plan = JSON.parse(result.stdout) as Plan;
    expect(plan.changes.map((c) => [c.action, c.login_name ?? c.encoded_account_id])).toEqual([
      ['create', 'brand_new_account'],
      ['update', 'a07e1chg0002'],
    ]);
    expect(plan.api).toMatchObject({ list_calls: 0, plan_calls: 1, not_refreshed: 3 });

    const text = await runCli(repo, ['plan', '--changed-since', 'HEAD', '--rps', '50'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('read live state with 1 plan call (3 unchanged accounts not refreshed)');
    const markdown = await runCli(
      repo,
      ['plan', '--changed-since', 'HEAD', '--rps', '50', '--format', 'markdown'],
      env,
    );
    expect(markdown.stdout).toContain('(3 unchanged accounts not refreshed)');
  });

  it('--changed-since with a ref git does not know is invalid input', { timeout: TIMEOUT }, async () => {
    sim = await startSimulator({ requestsPerSecond: 0, dailyQuota: 0 });
    const repo = await tempDir();
    await writeAccount(
      repo,
      'accounts/a.yaml',
      'login_name: some_account\ncontact_email: a@example.com\ncountry_code: GB\n',
    );
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'accounts');
    const result = await runCli(repo, ['plan', '--changed-since', 'no-such-ref'], {
      CTCT_BASE_URL: sim.baseUrl,
      CTCT_TOKEN_URL: sim.tokenUrl,
      CTCT_API_KEY: sim.credentials.apiKey,
      CTCT_PARTNER_CLIENT_ID: sim.credentials.clientId,
      CTCT_PARTNER_SECRET: sim.credentials.clientSecret,
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('--changed-since no-such-ref');
  });

  it('an API failure while reading live state exits 1 and prints no plan', { timeout: TIMEOUT }, async () => {
    sim = await startSimulator({ requestsPerSecond: 0, dailyQuota: 0 });
    sim.faults.add({ method: 'GET', path: '/v3/partner/accounts', kind: 'status', status: 403, times: Infinity });
    const dir = await exampleWorkspace();
    const result = await runCli(dir, ['plan', '--rps', '50'], {
      CTCT_BASE_URL: sim.baseUrl,
      CTCT_TOKEN_URL: sim.tokenUrl,
      CTCT_API_KEY: sim.credentials.apiKey,
      CTCT_PARTNER_CLIENT_ID: sim.credentials.clientId,
      CTCT_PARTNER_SECRET: sim.credentials.clientSecret,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/403/);
  });
});

describe('plan output colour', () => {
  it('has no ANSI codes when stdout is not a terminal', { timeout: TIMEOUT }, async () => {
    const dir = await exampleWorkspace();
    const result = await runCli(dir, ['plan', '--simulator']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('+ create');
    expect(result.stdout).not.toMatch(ANSI);
  });

  const hasScript = (() => {
    try {
      execFileSync('script', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  /** Runs the CLI with stdout on a pseudo-terminal (util-linux `script`). */
  function runOnTerminal(cwd: string, env: Record<string, string>): string {
    const command = [process.execPath, CLI, 'plan', '--simulator']
      .map((word) => `'${word.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    return execFileSync('script', ['-qec', command, '/dev/null'], {
      cwd,
      env: cleanEnv({ TERM: 'xterm', ...env }),
      encoding: 'utf8',
    });
  }

  it.skipIf(!hasScript)('colours on a terminal, and never with NO_COLOR', { timeout: TIMEOUT }, async () => {
    const dir = await exampleWorkspace();
    const onTerminal = runOnTerminal(dir, {});
    expect(onTerminal).toContain('+ create');
    expect(onTerminal).toMatch(ANSI);
    const noColor = runOnTerminal(dir, { NO_COLOR: '1' });
    expect(noColor).toContain('+ create');
    expect(noColor).not.toMatch(ANSI);
  });
});
