import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApplyReport } from '../../src/apply/apply-plan.js';
import type { Simulator } from '../../src/simulator/simulator.js';
import { runCli } from '../helpers/run-cli.js';
import {
  accountsByLogin,
  cliEnv,
  createFileText,
  exists,
  idLines,
  journalPath,
  liveAccount,
  lockPath,
  makeWorkspace,
  planDetailed,
  readText,
  runAgainst,
  startTestSim,
  withoutIdLine,
  writeRequests,
} from './apply-harness.js';

const FAST_SETTINGS = 'requests_per_second: 50\n';

/** Files of accounts that exist, as a person writes them. */
const existingFile = (id: string, login: string, plan: string, extra = '') =>
  `# ${login}: an existing client\nencoded_account_id: ${id}\n` +
  `login_name: ${login}\nplan:\n  plan_type: ${plan}\n${extra}`;

async function readReport(cwd: string, file = 'report.json'): Promise<ApplyReport> {
  return JSON.parse(await readFile(path.join(cwd, file), 'utf8')) as ApplyReport;
}

/**
 * Every created file has its account's id once, and nothing else of the file changed; every other
 * file is exactly as written.
 */
async function expectWrittenBack(
  sim: Simulator,
  cwd: string,
  original: Record<string, string>,
  created: Record<string, string>,
): Promise<void> {
  for (const [file, text] of Object.entries(original)) {
    const now = await readText(cwd, file);
    const login = created[file];
    if (login === undefined) {
      expect(now, file).toBe(text);
      continue;
    }
    const id = sim.findByLogin(login)?.encoded_account_id;
    expect(id, `${login} is live`).toBeDefined();
    expect(idLines(now), file).toEqual([`encoded_account_id: ${id}`]);
    expect(withoutIdLine(now, id!), file).toBe(text);
  }
}

function expectOneAccountEach(sim: Simulator, logins: string[]): void {
  const byLogin = accountsByLogin(sim);
  for (const login of logins) expect(byLogin.get(login.toLowerCase())?.length ?? 0, login).toBe(1);
}

describe('apply end to end (CLI against the simulator)', () => {
  it('a fresh apply of creates (TRIAL and paid), an update, a reactivate and a cancel converges', async () => {
    const requests: string[] = [];
    const sim = await startTestSim({
      log: (line) => requests.push(line),
      accounts: [
        liveAccount('a07e1upd0001', 'trial_to_silver'),
        liveAccount('a07e1upd0002', 'bronze_to_gold', {
          plan_type: 'BRONZE',
          billing_status: 'Open',
          billing_day_of_month: 5,
        }),
        liveAccount('a07e1rea0001', 'came_back', {
          plan_type: 'SILVER',
          billing_status: 'Canceled',
          billing_day_of_month: 9,
          cancellation: {
            reason_id: 2,
            effective_date: '2026-01-20T00:00:00.000Z',
            requested_at: '2026-01-20T00:00:00.000Z',
          },
        }),
        liveAccount('a07e1can0001', 'leaving_now', {
          plan_type: 'SILVER',
          billing_status: 'Open',
          billing_day_of_month: 3,
        }),
        liveAccount('a07e1same001', 'unchanged_one', {
          plan_type: 'BRONZE',
          billing_status: 'Open',
          billing_day_of_month: 15,
        }),
      ],
    });
    const files: Record<string, string> = {
      'accounts/new/trial.yaml': createFileText('new_trial_one'),
      'accounts/new/gold.yaml': createFileText('new_gold_paid', { plan: 'GOLD', day: 1, passwordEnv: 'NEW_GOLD_PW' }),
      'accounts/new/gb.yml': createFileText('new_bronze_gb', { plan: 'BRONZE', day: 28, country: 'GB' }),
      'accounts/new/ca.yaml': createFileText('new_silver_ca', { plan: 'SILVER', country: 'CA', state: 'ON' }).replace(
        /\n/g,
        '\r\n',
      ),
      'accounts/old/trial-to-silver.yaml': existingFile(
        'a07e1upd0001',
        'trial_to_silver',
        'SILVER',
        '  billing_day_of_month: 10\n',
      ),
      'accounts/old/bronze-to-gold.yaml': existingFile(
        'a07e1upd0002',
        'bronze_to_gold',
        'GOLD',
        '  billing_day_of_month: 5\n',
      ),
      'accounts/old/came-back.yaml': existingFile('a07e1rea0001', 'came_back', 'BRONZE'),
      'accounts/old/leaving.yaml': existingFile(
        'a07e1can0001',
        'leaving_now',
        'SILVER',
        'status: cancelled\ncancel:\n  reason_id: 12 # in-house\n',
      ),
      'accounts/old/unchanged.yaml': existingFile(
        'a07e1same001',
        'unchanged_one',
        'BRONZE',
        '  billing_day_of_month: 15\n',
      ),
    };
    const cwd = await makeWorkspace({ ...files, 'ctct-gitops.yaml': FAST_SETTINGS });

    const result = await runAgainst(sim, cwd, ['apply', '--yes', '--report', 'report.json'], {
      env: { NEW_GOLD_PW: 'Correct-Horse-9' },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Apply: 8 applied, 0 failed, 0 skipped\./);
    // Without a terminal, one log line per change.
    expect(result.stdout.match(/^✓ .* applied$/gm)).toHaveLength(8);
    expect(result.stdout).toMatch(/^✓ create new_gold_paid \(a07e1\w+\) applied$/m);
    expect(result.stdout).toMatch(/^✓ cancel leaving_now \(a07e1can0001\) applied$/m);
    expect(result.stdout).toContain(
      'Written into 4 account files (commit them):\n  accounts/new/ca.yaml: encoded_account_id\n',
    );

    // Creates (POST, then PUT plan) first, then plan changes, then cancels.
    const writes = requests.filter((line) => /^(POST|PUT) \/v3\//.test(line));
    const lastIndex = (test: (line: string) => boolean) =>
      writes.reduce((found, line, i) => (test(line) ? i : found), -1);
    const firstIndex = (test: (line: string) => boolean) => writes.findIndex(test);
    const isPlanChange = (line: string) =>
      /^PUT \/v3\/partner\/accounts\/a07e1(upd0001|upd0002|rea0001)\/plan /.test(line);
    const isCreatePhase = (line: string) =>
      line.startsWith('POST /v3/partner/accounts ') || (/^PUT .*\/plan /.test(line) && !isPlanChange(line));
    const isCancel = (line: string) => line.startsWith('PUT /v3/partner/accounts/a07e1can0001/status/cancel ');
    expect(writes).toHaveLength(4 + 3 + 3 + 1);
    expect(lastIndex(isCreatePhase)).toBeLessThan(firstIndex(isPlanChange));
    expect(lastIndex(isPlanChange)).toBeLessThan(firstIndex(isCancel));

    const report = await readReport(cwd);
    expect(report.format_version).toBe(1);
    expect(report.summary).toEqual({ applied: 8, failed: 0, skipped: 0 });
    expect(report.outcomes.every((outcome) => outcome.status === 'applied')).toBe(true);
    expect(report.outcomes.map((o) => o.action).sort()).toEqual([
      'cancel',
      'create',
      'create',
      'create',
      'create',
      'reactivate',
      'update',
      'update',
    ]);
    expect(report.files_written).toEqual([
      'accounts/new/ca.yaml',
      'accounts/new/gb.yml',
      'accounts/new/gold.yaml',
      'accounts/new/trial.yaml',
    ]);
    for (const outcome of report.outcomes.filter((o) => o.action === 'create')) {
      expect(outcome.encoded_account_id).toBe(sim.findByLogin(outcome.login_name!)?.encoded_account_id);
    }

    await expectWrittenBack(sim, cwd, files, {
      'accounts/new/trial.yaml': 'new_trial_one',
      'accounts/new/gold.yaml': 'new_gold_paid',
      'accounts/new/gb.yml': 'new_bronze_gb',
      'accounts/new/ca.yaml': 'new_silver_ca',
    });
    expect(await readText(cwd, 'accounts/new/ca.yaml')).not.toMatch(/[^\r]\n/);

    expect(sim.findByLogin('new_trial_one')).toMatchObject({
      plan_type: 'TRIAL',
      billing_status: 'Trial',
      has_password: false,
    });
    expect(sim.findByLogin('new_gold_paid')).toMatchObject({
      plan_type: 'GOLD',
      billing_status: 'Open',
      billing_day_of_month: 1,
      has_password: true,
    });
    expect(sim.findByLogin('new_bronze_gb')).toMatchObject({
      plan_type: 'BRONZE',
      billing_day_of_month: 28,
      country_code: 'GB',
      state_code: '',
    });
    expect(sim.findByLogin('new_silver_ca')).toMatchObject({ plan_type: 'SILVER', state_code: 'ON' });
    expect(sim.findByLogin('trial_to_silver')).toMatchObject({
      plan_type: 'SILVER',
      billing_status: 'Open',
      billing_day_of_month: 10,
    });
    expect(sim.findByLogin('bronze_to_gold')).toMatchObject({ plan_type: 'GOLD', billing_day_of_month: 5 });
    expect(sim.findByLogin('came_back')).toMatchObject({ plan_type: 'BRONZE', billing_status: 'Open' });
    expect(sim.findByLogin('leaving_now')).toMatchObject({
      billing_status: 'Canceled',
      cancellation: { reason_id: 12 },
    });
    expect(sim.findByLogin('unchanged_one')).toMatchObject({ plan_type: 'BRONZE', billing_status: 'Open' });
    expect(sim.accounts()).toHaveLength(9);
    // A TRIAL create is one POST; each paid create is POST then PUT plan.
    expect(sim.stats.byOperation['createAccount']).toBe(4);
    expect(sim.stats.byOperation['setPlan']).toBe(3 + 3);
    expect(sim.stats.byOperation['cancelAccount']).toBe(1);

    expect(exists(journalPath(cwd))).toBe(false);
    expect(exists(lockPath(cwd))).toBe(false);

    const plan = await planDetailed(sim, cwd);
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);

    // Applying again changes nothing.
    const writesBefore = writeRequests(sim);
    const again = await runAgainst(sim, cwd, ['apply', '--yes']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/No changes/);
    expect(writeRequests(sim)).toBe(writesBefore);
  }, 60_000);

  it('absorbs 500s on PUT plan and on a create: exit 0, one account each, converged', async () => {
    const sim = await startTestSim({ accounts: [liveAccount('a07e1upd0001', 'trial_to_gold')] });
    const files: Record<string, string> = {
      'accounts/a.yaml': createFileText('paid_after_500', { plan: 'GOLD', day: 2 }),
      'accounts/b.yaml': createFileText('second_paid_500', { plan: 'SILVER', day: 3 }),
      'accounts/c.yaml': existingFile('a07e1upd0001', 'trial_to_gold', 'GOLD'),
    };
    const cwd = await makeWorkspace({ ...files, 'ctct-gitops.yaml': FAST_SETTINGS });
    sim.faults.add({ method: 'PUT', path: /\/plan$/, kind: 'status', status: 500, times: 3 });
    sim.faults.add({ method: 'POST', path: '/v3/partner/accounts', kind: 'status', status: 500, times: 1 });

    const result = await runAgainst(sim, cwd, ['apply', '--yes', '--report', 'report.json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((await readReport(cwd)).summary).toEqual({ applied: 3, failed: 0, skipped: 0 });
    // The three 500s were met and retried: three PUTs succeeded after them.
    expect(sim.stats.byOperation['setPlan']).toBe(3 + 3);
    expectOneAccountEach(sim, ['paid_after_500', 'second_paid_500', 'trial_to_gold']);
    expect(sim.accounts()).toHaveLength(3);
    await expectWrittenBack(sim, cwd, files, {
      'accounts/a.yaml': 'paid_after_500',
      'accounts/b.yaml': 'second_paid_500',
    });
    expect(sim.findByLogin('paid_after_500')).toMatchObject({ plan_type: 'GOLD', billing_day_of_month: 2 });
    expect(sim.findByLogin('trial_to_gold')).toMatchObject({ plan_type: 'GOLD' });
    expect((await planDetailed(sim, cwd)).code).toBe(0);
  }, 60_000);

  it('absorbs throttling: simulator and client both at 4 requests/s, with injected 429s on POST and PUT', async () => {
    const sim = await startTestSim({ requestsPerSecond: 4 });
    const logins = ['throttle_01', 'throttle_02', 'throttle_03', 'throttle_04', 'throttle_05', 'throttle_06'];
    const files = Object.fromEntries(
      logins.map((login, i) => [
        `accounts/${login}.yaml`,
        createFileText(login, i % 2 === 0 ? { plan: 'BRONZE', day: 10 } : {}),
      ]),
    );
    const cwd = await makeWorkspace(files);
    sim.faults.add({ method: 'POST', path: '/v3/partner/accounts', kind: 'status', status: 429, times: 2 });
    sim.faults.add({ method: 'PUT', path: /\/plan$/, kind: 'status', status: 429, times: 2 });

    const result = await runAgainst(sim, cwd, ['apply', '--yes', '--rps', '4', '--report', 'report.json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((await readReport(cwd)).summary).toEqual({ applied: 6, failed: 0, skipped: 0 });
    // Six POSTs and three PUTs succeeded, after two throttled answers each.
    expect(sim.stats.byOperation['createAccount']).toBe(6 + 2);
    expect(sim.stats.byOperation['setPlan']).toBe(3 + 2);
    expectOneAccountEach(sim, logins);
    expect(sim.accounts()).toHaveLength(6);
    await expectWrittenBack(
      sim,
      cwd,
      files,
      Object.fromEntries(logins.map((login) => [`accounts/${login}.yaml`, login])),
    );
    expect((await runAgainst(sim, cwd, ['plan', '--detailed-exitcode', '--rps', '4'])).code).toBe(0);
  }, 90_000);

  it('a dropped connection after CTCT stored the create ends with exactly one account and its id written', async () => {
    const sim = await startTestSim({
      accounts: [liveAccount('a07e1old0001', 'someone_else', { organization_name: 'Org dropped_create' })],
    });
    const files = {
      'accounts/dropped.yaml': createFileText('dropped_create', { plan: 'GOLD', day: 7 }),
      'accounts/other.yaml': existingFile('a07e1old0001', 'someone_else', 'TRIAL'),
    };
    const cwd = await makeWorkspace({ ...files, 'ctct-gitops.yaml': FAST_SETTINGS });
    sim.faults.add({ method: 'POST', path: '/v3/partner/accounts', kind: 'drop-after-store' });

    const result = await runAgainst(sim, cwd, ['apply', '--yes', '--report', 'report.json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = await readReport(cwd);
    expect(report.summary).toEqual({ applied: 1, failed: 0, skipped: 0 });
    expect(report.files_written).toEqual(['accounts/dropped.yaml']);
    expect(sim.accounts().filter((a) => a.login_name === 'dropped_create')).toHaveLength(1);
    // The lost answer was resolved by listing again (the plan's listing, then one after the POST), not by a second
    // POST.
    expect(sim.stats.byOperation['listAccounts']).toBeGreaterThanOrEqual(2);
    expect(sim.stats.byOperation['createAccount']).toBe(1);
    expect(sim.accounts()).toHaveLength(2);
    await expectWrittenBack(sim, cwd, files, { 'accounts/dropped.yaml': 'dropped_create' });
    expect(sim.findByLogin('dropped_create')).toMatchObject({ plan_type: 'GOLD', billing_day_of_month: 7 });
    expect(exists(journalPath(cwd))).toBe(false);
    expect((await planDetailed(sim, cwd)).code).toBe(0);
  }, 60_000);

  it('a 503 create that CTCT provisions later ends with exactly one account and its id written', async () => {
    const sim = await startTestSim({ provisionDelayMs: 500 });
    const files = {
      'accounts/later.yaml': createFileText('provisioned_later', { plan: 'SILVER', day: 12 }),
      'accounts/now.yaml': createFileText('created_now'),
    };
    const cwd = await makeWorkspace({ ...files, 'ctct-gitops.yaml': `${FAST_SETTINGS}concurrency: 1\n` });
    sim.faults.add({ method: 'POST', path: '/v3/partner/accounts', kind: 'provision-later' });

    const result = await runAgainst(sim, cwd, ['apply', '--yes', '--report', 'report.json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((await readReport(cwd)).summary).toEqual({ applied: 2, failed: 0, skipped: 0 });
    expect(sim.accounts().filter((a) => a.login_name === 'provisioned_later')).toHaveLength(1);
    // The 503 POST (never posted again: CTCT stored it) and the other account's POST.
    expect(sim.stats.byOperation['createAccount']).toBe(2);
    expect(result.stdout).toMatch(
      /waiting up to 30 s for CTCT to list (provisioned_later|created_now) \(answered 503: stored, provisioned later\)/,
    );
    expect(sim.accounts()).toHaveLength(2);
    await expectWrittenBack(sim, cwd, files, {
      'accounts/later.yaml': 'provisioned_later',
      'accounts/now.yaml': 'created_now',
    });
    expect(sim.findByLogin('provisioned_later')).toMatchObject({ plan_type: 'SILVER', billing_day_of_month: 12 });
    expect((await planDetailed(sim, cwd)).code).toBe(0);
  }, 60_000);

  it('finishes the creates a crashed run left open in the ' +
    'journal, without a second POST for one that exists', async () => {
    const sim = await startTestSim({
      accounts: [liveAccount('a07e1crash01', 'stored_before_crash', { organization_name: 'Org stored_before_crash' })],
    });
    const files = {
      'accounts/stored.yaml': createFileText('stored_before_crash', { plan: 'GOLD', day: 6 }),
      'accounts/unsent.yaml': createFileText('unsent_before_crash', { plan: 'SILVER', day: 8 }),
    };
    const cwd = await makeWorkspace({ ...files, 'ctct-gitops.yaml': FAST_SETTINGS });
    const at = '2026-01-15T12:00:00.000Z';
    const journal = [
      { type: 'run', run_id: 'r1', started_at: at, known_ids: [] },
      {
        type: 'intent',
        run_id: 'r1',
        intent_id: 'i1',
        login_name: 'stored_before_crash',
        file: 'accounts/stored.yaml',
        organization_name: 'Org stored_before_crash',
        at,
      },
      {
        type: 'intent',
        run_id: 'r1',
        intent_id: 'i2',
        login_name: 'unsent_before_crash',
        file: 'accounts/unsent.yaml',
        organization_name: 'Org unsent_before_crash',
        at,
      },
    ];
    await mkdir(path.join(cwd, '.ctct-gitops'), { recursive: true });
    await writeFile(journalPath(cwd), journal.map((record) => `${JSON.stringify(record)}\n`).join(''));

    const result = await runAgainst(sim, cwd, ['apply', '--yes', '--report', 'report.json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'recovered: finished the create of stored_before_crash ' +
        '(a07e1crash01, accounts/stored.yaml) that an earlier run left open',
    );
    expect(result.stdout).toMatch(
      new RegExp(
        String.raw`recovered: finished the create of unsent_before_crash \(a07e1\w+, ` +
          String.raw`accounts\/unsent\.yaml\) that an earlier run left open`,
      ),
    );
    // Only the create that never reached CTCT was POSTed, once.
    expect(sim.stats.byOperation['createAccount']).toBe(1);
    expectOneAccountEach(sim, ['stored_before_crash', 'unsent_before_crash']);
    expect(sim.accounts()).toHaveLength(2);
    await expectWrittenBack(sim, cwd, files, {
      'accounts/stored.yaml': 'stored_before_crash',
      'accounts/unsent.yaml': 'unsent_before_crash',
    });
    const report = await readReport(cwd);
    expect(report.files_written).toEqual(['accounts/stored.yaml', 'accounts/unsent.yaml']);
    // Their paid plans were then set as updates.
    expect(sim.findByLogin('stored_before_crash')).toMatchObject({ plan_type: 'GOLD', billing_day_of_month: 6 });
    expect(sim.findByLogin('unsent_before_crash')).toMatchObject({ plan_type: 'SILVER', billing_day_of_month: 8 });
    expect(exists(journalPath(cwd))).toBe(false);
    expect((await planDetailed(sim, cwd)).code).toBe(0);
  }, 60_000);

  it('one failing change exits 1 and is reported failed; the other accounts are applied', async () => {
    const sim = await startTestSim({
      accounts: [liveAccount('a07e1fail001', 'refused_plan'), liveAccount('a07e1okay001', 'accepted_plan')],
    });
    const files = {
      'accounts/refused.yaml': existingFile('a07e1fail001', 'refused_plan', 'GOLD'),
      'accounts/accepted.yaml': existingFile('a07e1okay001', 'accepted_plan', 'SILVER'),
      'accounts/new.yaml': createFileText('created_anyway', { plan: 'BRONZE' }),
    };
    const cwd = await makeWorkspace({ ...files, 'ctct-gitops.yaml': FAST_SETTINGS });
    sim.faults.add({
      method: 'PUT',
      path: '/v3/partner/accounts/a07e1fail001/plan',
      kind: 'status',
      status: 400,
      times: Infinity,
    });

    const result = await runAgainst(sim, cwd, ['apply', '--yes', '--report', 'report.json']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Apply: 2 applied, 1 failed, 0 skipped\./);
    expect(result.stdout).toMatch(/refused_plan/);
    const report = await readReport(cwd);
    expect(report.summary).toEqual({ applied: 2, failed: 1, skipped: 0 });
    const failed = report.outcomes.filter((o) => o.status === 'failed');
    expect(failed).toEqual([
      expect.objectContaining({
        action: 'update',
        encoded_account_id: 'a07e1fail001',
        file: 'accounts/refused.yaml',
        error: expect.stringMatching(/400/),
      }),
    ]);
    expect(report.files_written).toEqual(['accounts/new.yaml']);

    expect(sim.findByLogin('refused_plan')).toMatchObject({ plan_type: 'TRIAL' });
    expect(sim.findByLogin('accepted_plan')).toMatchObject({ plan_type: 'SILVER' });
    expect(sim.findByLogin('created_anyway')).toMatchObject({ plan_type: 'BRONZE' });
    await expectWrittenBack(sim, cwd, files, { 'accounts/new.yaml': 'created_anyway' });
    expect(exists(lockPath(cwd))).toBe(false);
    // Only the failed change is left.
    expect((await planDetailed(sim, cwd)).code).toBe(2);
  }, 60_000);

  it('a create whose plan cannot be set is reported failed ' +
    'with its id written; the next apply sets the plan', async () => {
    const sim = await startTestSim();
    const files = { 'accounts/paid.yaml': createFileText('plan_refused', { plan: 'GOLD', day: 3 }) };
    const cwd = await makeWorkspace({ ...files, 'ctct-gitops.yaml': FAST_SETTINGS });
    sim.faults.add({ method: 'PUT', path: /\/plan$/, kind: 'status', status: 400, times: Infinity });

    const result = await runAgainst(sim, cwd, ['apply', '--yes', '--report', 'report.json']);
    expect(result.code).toBe(1);
    const id = sim.findByLogin('plan_refused')?.encoded_account_id;
    const report = await readReport(cwd);
    expect(report.summary).toEqual({ applied: 0, failed: 1, skipped: 0 });
    expect(report.outcomes).toEqual([
      expect.objectContaining({
        action: 'create',
        status: 'failed',
        encoded_account_id: id,
        error: expect.stringMatching(/setting its plan failed/),
      }),
    ]);
    expect(report.files_written).toEqual(['accounts/paid.yaml']);
    await expectWrittenBack(sim, cwd, files, { 'accounts/paid.yaml': 'plan_refused' });
    // The journal keeps the create open until its plan is set: the next run finishes it first.
    expect(exists(journalPath(cwd))).toBe(true);

    sim.faults.clear();
    const again = await runAgainst(sim, cwd, ['apply', '--yes']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`recovered: finished the create of plan_refused (${id}, accounts/paid.yaml)`);
    expect(again.stdout).toContain('No changes');
    expect(exists(journalPath(cwd))).toBe(false);
    expect(sim.accounts()).toHaveLength(1);
    expect(sim.findByLogin('plan_refused')).toMatchObject({ plan_type: 'GOLD', billing_day_of_month: 3 });
    await expectWrittenBack(sim, cwd, files, { 'accounts/paid.yaml': 'plan_refused' });
    expect((await planDetailed(sim, cwd)).code).toBe(0);
  }, 60_000);

  it('a spent daily quota stops the run: the rest is skipped, exit 1, nothing duplicated', async () => {
    const sim = await startTestSim({ dailyQuota: 3 });
    const logins = ['quota_aaaa', 'quota_bbbb', 'quota_cccc', 'quota_dddd'];
    const files = Object.fromEntries(logins.map((login) => [`accounts/${login}.yaml`, createFileText(login)]));
    const cwd = await makeWorkspace({ ...files, 'ctct-gitops.yaml': `${FAST_SETTINGS}concurrency: 1\n` });

    const result = await runAgainst(sim, cwd, ['apply', '--yes', '--report', 'report.json']);
    expect(result.code).toBe(1);
    // One listing and two POSTs use the quota of 3; the third POST meets quota_exceeded.
    const report = await readReport(cwd);
    expect(report.summary).toEqual({ applied: 2, failed: 1, skipped: 1 });
    expect(report.outcomes.map((o) => [o.login_name, o.status])).toEqual([
      ['quota_aaaa', 'applied'],
      ['quota_bbbb', 'applied'],
      ['quota_cccc', 'failed'],
      ['quota_dddd', 'skipped'],
    ]);
    expect(report.outcomes[2]?.error).toMatch(/quota_exceeded/);
    expect(report.outcomes[3]?.error).toMatch(/^not attempted: /);
    expect(sim.stats.byOperation['createAccount']).toBe(2);
    expect(sim.accounts().map((a) => a.login_name)).toEqual(['quota_aaaa', 'quota_bbbb']);
    await expectWrittenBack(sim, cwd, files, {
      'accounts/quota_aaaa.yaml': 'quota_aaaa',
      'accounts/quota_bbbb.yaml': 'quota_bbbb',
    });
    // The refused create is closed in the journal: nothing is left for the next run to resolve.
    expect(exists(journalPath(cwd))).toBe(false);
  }, 60_000);

  it('without --yes and without a terminal: exit 4 and no write request', async () => {
    const sim = await startTestSim({ accounts: [liveAccount('a07e1upd0001', 'would_update')] });
    const files = {
      'accounts/new.yaml': createFileText('would_create', { plan: 'GOLD' }),
      'accounts/old.yaml': existingFile('a07e1upd0001', 'would_update', 'GOLD'),
    };
    const cwd = await makeWorkspace(files);

    const result = await runAgainst(sim, cwd, ['apply']);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/--yes/);
    // "yes" typed into a pipe is not a terminal's confirmation either.
    const piped = await runCli(['apply'], { cwd, env: cliEnv(sim), input: 'yes\n' });
    expect(piped.code).toBe(4);
    expect(writeRequests(sim)).toBe(0);
    expect(sim.accounts()).toHaveLength(1);
    for (const [file, text] of Object.entries(files)) expect(await readText(cwd, file)).toBe(text);
    expect(exists(lockPath(cwd))).toBe(false);
    expect(exists(journalPath(cwd))).toBe(false);
  }, 60_000);
});
