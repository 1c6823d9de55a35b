import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { computeWorkspacePlan, readWorkspace } from '../../src/commands/run-plan.js';
import { CtctClient } from '../../src/ctct/ctct-client.js';
import type { Plan } from '../../src/model.js';
import { computeSeedAccounts } from '../../src/simulator/compute-seed-accounts.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/simulator.js';
import { writeStateFile } from '../../src/simulator/account-store.js';
import { runCli } from '../helpers/run-cli.js';
import { simulatorEnv } from '../helpers/simulator-env.js';

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ctct-read-budget-'));
  temps.push(dir);
  return dir;
}

/**
 * `count` accounts; with `paid`, every one on a paid plan (so every one needs its own GET …/plan in a full refresh).
 */
function liveAccounts(count: number, paid: boolean): SimAccount[] {
  return computeSeedAccounts(count, 1).map(({ cancellation, ...account }, i) =>
    paid
      ? {
          ...account,
          plan_type: ['BRONZE', 'SILVER', 'GOLD'][i % 3]!,
          billing_status: 'Open',
          billing_day_of_month: 1 + (i % 28),
        }
      : { ...account, ...(cancellation && { cancellation }) },
  );
}

/** One converged account file per account, committed to a new git repository. */
function writeWorkspace(accounts: readonly SimAccount[]): { cwd: string; files: Map<string, string> } {
  const cwd = tempDir();
  const files = new Map<string, string>();
  mkdirSync(path.join(cwd, 'accounts'), { recursive: true });
  for (const account of accounts) {
    const file = `accounts/${account.login_name}.yaml`;
    const lines = [
      `encoded_account_id: ${account.encoded_account_id}`,
      `login_name: ${account.login_name}`,
      'plan:',
      `  plan_type: ${account.plan_type}`,
    ];
    if (account.billing_day_of_month !== null) lines.push(`  billing_day_of_month: ${account.billing_day_of_month}`);
    if (account.billing_status === 'Canceled') lines.push('status: cancelled', 'cancel:', '  reason_id: 27');
    writeFileSync(path.join(cwd, file), `${lines.join('\n')}\n`);
    files.set(account.encoded_account_id, file);
  }
  writeFileSync(path.join(cwd, '.gitignore'), '.ctct-gitops/\n');
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'commit.gpgsign=false', ...args],
      { cwd, stdio: 'pipe' },
    );
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'accounts');
  return { cwd, files };
}

async function simulatorWith(accounts: SimAccount[]): Promise<Simulator> {
  const stateFile = path.join(tempDir(), 'sim.json');
  writeStateFile(stateFile, { format_version: 1, accounts, pending_provisions: [] });
  return startSimulator({ stateFile, requestsPerSecond: 0, dailyQuota: 0 });
}

const partnerCalls = (s: Simulator) =>
  (s.stats.byOperation['listAccounts'] ?? 0) + (s.stats.byOperation['getPlan'] ?? 0);

describe('a pull-request plan reads only what the changed files need', () => {
  it(
    'N = 120 files, 3 changed files with ids → exactly 3 calls; ' +
      'a create needs none; a removed file is read by its old id',
    async () => {
      const accounts = liveAccounts(120, true);
      sim = await simulatorWith(accounts);
      const { cwd, files } = writeWorkspace(accounts);
      const [a, b, c, removed] = accounts;
      for (const account of [a!, b!, c!]) {
        const file = path.join(cwd, files.get(account.encoded_account_id)!);
        writeFileSync(
          file,
          readFileSync(file, 'utf8').replace(
            `plan_type: ${account.plan_type}`,
            `plan_type: ${account.plan_type === 'GOLD' ? 'SILVER' : 'GOLD'}`,
          ),
        );
      }
      writeFileSync(
        path.join(cwd, 'accounts/new-client.yaml'),
        'login_name: new_client_01\ncontact_email: new@example.com\ncountry_code: GB\n',
      );

      const plan = await planWith(cwd, { changedSince: 'HEAD' });
      expect(partnerCalls(sim)).toBe(3);
      expect(sim.stats.byOperation['listAccounts'] ?? 0).toBe(0);
      expect(plan.summary).toMatchObject({ create: 1, update: 3, orphan: 0 });
      expect(plan.problems).toEqual([]);
      expect(plan.api).toMatchObject({ list_calls: 0, plan_calls: 3, refreshed: 3, not_refreshed: 117 });

      unlinkSync(path.join(cwd, files.get(removed!.encoded_account_id)!));
      const afterRemoval = await planWith(cwd, { changedSince: 'HEAD' });
      expect(partnerCalls(sim)).toBe(3 + 4);
      expect(
        afterRemoval.changes.filter((change) => change.action === 'orphan').map((change) => change.encoded_account_id),
      ).toEqual([removed!.encoded_account_id]);
    },
  );

  it('a changed file whose id is not live is a problem from its own 404, not from a list', async () => {
    const accounts = liveAccounts(60, true);
    sim = await simulatorWith(accounts);
    const { cwd } = writeWorkspace(accounts);
    writeFileSync(
      path.join(cwd, 'accounts/ghost.yaml'),
      'encoded_account_id: a07e1ghost99\nplan:\n  plan_type: GOLD\n',
    );
    const plan = await planWith(cwd, { changedSince: 'HEAD' });
    expect(partnerCalls(sim)).toBe(1);
    expect(plan.problems.map((problem) => `${problem.file}:${problem.line}`)).toEqual(['accounts/ghost.yaml:1']);
  });

  async function planWith(cwd: string, options: { changedSince?: string; maxApiCalls?: number }): Promise<Plan> {
    const client = new CtctClient({
      baseUrl: sim!.baseUrl,
      tokenUrl: sim!.tokenUrl,
      ...sim!.credentials,
      requestsPerSecond: 0,
    });
    try {
      const workspace = await readWorkspace({ cwd });
      return (await computeWorkspacePlan(client, workspace, { cwd, force: false, env: {}, ...options })).plan;
    } finally {
      await client.close();
    }
  }
});

describe('--max-api-calls', () => {
  it('over 1,500 paid accounts makes at most 100 calls, and two successive runs refresh disjoint sets', async () => {
    const accounts = liveAccounts(1500, true);
    const reads: string[][] = [[], []];
    let run = 0;
    const stateFile = path.join(tempDir(), 'sim.json');
    writeStateFile(stateFile, { format_version: 1, accounts, pending_provisions: [] });
    sim = await startSimulator({
      stateFile,
      requestsPerSecond: 0,
      dailyQuota: 0,
      log: (line) => {
        const id = /GET \/v3\/partner\/accounts\/([^/]+)\/plan/.exec(line)?.[1];
        if (id !== undefined) reads[run]!.push(id);
      },
    });
    const { cwd } = writeWorkspace(accounts);

    const plans: Plan[] = [];
    for (run = 0; run < 2; run++) {
      const before = partnerCalls(sim);
      const result = await runCli(['plan', '--max-api-calls', '100', '--rps', '100', '--format', 'json'], {
        cwd,
        env: simulatorEnv(sim),
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(partnerCalls(sim) - before).toBeLessThanOrEqual(100);
      plans.push(JSON.parse(result.stdout) as Plan);
    }
    const [first, second] = plans as [Plan, Plan];
    // 30 list pages, then every call left reads a different account.
    for (const [i, plan] of plans.entries()) {
      expect(plan.api).toMatchObject({
        list_calls: 30,
        plan_calls: 70,
        max_calls: 100,
        refreshed: 70,
        not_refreshed: 1430,
      });
      expect(new Set(reads[i]).size).toBe(70);
      expect(plan.over_budget).toHaveLength(1430);
    }
    expect(reads[0]!.filter((id) => reads[1]!.includes(id))).toEqual([]);
    // The second run names when the first verified what it left unread, and left what it read.
    const verifiedByFirst = new Set(reads[0]);
    expect(
      second.over_budget
        .filter((item) => verifiedByFirst.has(item.encoded_account_id))
        .every((item) => item.last_verified !== null),
    ).toBe(true);
    expect(first.over_budget.every((item) => item.last_verified === null)).toBe(true);
    expect(new Set(second.over_budget.map((item) => item.encoded_account_id))).toEqual(
      new Set(
        accounts
          .map((account) => account.encoded_account_id)
          .filter((id) => !reads[0]!.includes(id) && !reads[1]!.includes(id))
          .concat(reads[0]!),
      ),
    );
  }, 60_000);
});
