import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../src/commands/run-import.js';
import { runPlan } from '../../src/commands/run-plan.js';
import type { DesiredAccount } from '../../src/model.js';
import { readStateFile } from '../../src/simulator/account-store.js';
import { computeMirrorAccounts } from '../../src/simulator/compute-mirror-accounts.js';
import { createSimulatorCommand } from '../../src/simulator/simulator-command.js';
import { startSimulator, type Simulator } from '../../src/simulator/simulator.js';
import { simulatorEnv } from '../helpers/simulator-env.js';

const temps: string[] = [];
async function tempRepo(settings = 'requests_per_second: 50\n'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ctct-rehearsal-'));
  temps.push(dir);
  await writeFile(path.join(dir, 'ctct-gitops.yaml'), settings);
  return dir;
}
afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

const desired = (fields: Partial<DesiredAccount>): DesiredAccount => ({
  file: 'accounts/a.yaml',
  positions: {},
  plan: { plan_type: 'TRIAL' },
  status: 'active',
  protect: false,
  ...fields,
});

describe('computeMirrorAccounts', () => {
  const now = '2026-06-01T00:00:00.000Z';

  it('makes one live account per file that names an id, with its plan, status and managed flag', () => {
    const accounts = computeMirrorAccounts(
      [
        desired({ file: 'accounts/new.yaml', login_name: 'to_be_created' }),
        desired({
          file: 'accounts/gold.yaml',
          encoded_account_id: 'a07e1gold001',
          organization_name: 'Gold',
          plan: { plan_type: 'GOLD', billing_day_of_month: 9, plan_group_id: 3 },
          managed_site_owner: true,
        }),
        desired({ file: 'accounts/trial.yaml', encoded_account_id: 'a07e1trial01', login_name: 'trial_owner' }),
        desired({
          file: 'accounts/gone.yaml',
          encoded_account_id: 'a07e1gone001',
          plan: { plan_type: 'SILVER' },
          status: 'cancelled',
          cancel: { reason_id: 12 },
        }),
        desired({
          file: 'accounts/later.yaml',
          encoded_account_id: 'a07e1later01',
          plan: { plan_type: 'BRONZE' },
          status: 'cancelled',
          cancel: { reason_id: 1, effective_date: '2026-07-01T00:00:00Z', requested_at: '2026-05-01T00:00:00Z' },
        }),
        desired({
          file: 'accounts/asked.yaml',
          encoded_account_id: 'a07e1asked01',
          plan: { plan_type: 'BRONZE' },
          status: 'cancelled',
          cancel: { reason_id: 1, effective_date: '2026-07-01T00:00:00Z' },
        }),
      ],
      { now, accountType: 'all' },
    );
    expect(
      accounts.map((a) => [
        a.encoded_account_id,
        a.login_name,
        a.plan_type,
        a.billing_status,
        a.billing_day_of_month,
        a.managed_site_owner,
        a.cancellation?.effective_date ?? null,
      ]),
    ).toEqual([
      ['a07e1gold001', 'a07e1gold001', 'GOLD', 'Open', 9, true, null],
      ['a07e1trial01', 'trial_owner', 'TRIAL', 'Trial', null, false, null],
      ['a07e1gone001', 'a07e1gone001', 'SILVER', 'Canceled', 1, false, now],
      // Requested for a later date: open until then.
      ['a07e1later01', 'a07e1later01', 'BRONZE', 'Open', 1, false, '2026-07-01T00:00:00Z'],
      // Not yet requested (no requested_at): open, and the plan proposes the cancel.
      ['a07e1asked01', 'a07e1asked01', 'BRONZE', 'Open', 1, false, null],
    ]);
    expect(accounts[0]).toMatchObject({ organization_name: 'Gold', plan_group_id: 3, created_seq: 1 });
    expect(new Set(accounts.map((a) => a.provision_uuid)).size).toBe(5);
  });

  it('holds the SSO users apply created, not those still to be posted', () => {
    const user = {
      login_name: 'josie.lang',
      first_name: 'Josie',
      last_name: 'Lang',
      contact_email: 'josie@example.com',
      role_name: 'campaign_creator',
      external_id: '1',
      external_provider: 'Yahoo',
    };
    const [account] = computeMirrorAccounts(
      [
        desired({
          encoded_account_id: 'a07e1sso0001',
          sso_users: [
            { ...user, created_at: '2026-05-01T00:00:00Z' },
            { ...user, login_name: 'not.yet', contact_email: 'not@example.com' },
          ],
        }),
      ],
      { now, accountType: 'all' },
    );
    expect(account?.sso_users).toEqual([user]);
  });

  it('lists a file without managed_site_owner as managed when the settings read managed accounts only', () => {
    const [account] = computeMirrorAccounts([desired({ encoded_account_id: 'a07e1mngd001' })], {
      now,
      accountType: 'managed',
    });
    expect(account?.managed_site_owner).toBe(true);
  });

  it('turns SSO on where the file declares SSO users', () => {
    const user = {
      login_name: 'josie.lang',
      first_name: 'Josie',
      last_name: 'Lang',
      contact_email: 'josie@example.com',
      role_name: 'campaign_creator',
      external_id: '1',
      external_provider: 'Yahoo',
    };
    const [withUsers, without] = computeMirrorAccounts(
      [
        desired({ encoded_account_id: 'a07e1sso0001', sso_users: [user] }),
        desired({ encoded_account_id: 'a07e1nosso01' }),
      ],
      { now, accountType: 'all' },
    );
    expect([withUsers?.sso_enabled, without?.sso_enabled]).toEqual([true, false]);
  });
});

describe('rehearsing an imported estate on the simulator', () => {
  let live: Simulator;
  beforeAll(async () => {
    live = await startSimulator({ requestsPerSecond: 0, dailyQuota: 0, seed: 40 });
  });
  afterAll(() => live.close());

  it('plan --simulator on the imported files plans nothing, and an edit plans exactly that edit', async () => {
    const cwd = await tempRepo();
    const imported = await runImport({ cwd, dryRun: false, simulator: false, env: simulatorEnv(live) });
    expect(imported.written).toHaveLength(40);

    const notices: string[] = [];
    const rehearse = () =>
      runPlan({ cwd, force: false, simulator: true, env: {}, notice: (line) => notices.push(line) });
    const converged = (await rehearse()).plan;
    expect(converged.problems).toEqual([]);
    expect(converged.changes).toEqual([]);
    expect(notices).toEqual([
      'new simulator state .ctct-gitops/simulator.json: 40 live accounts as ' +
        'the account files describe them; delete it to start again from the files',
    ]);
    const state = readStateFile(path.join(cwd, '.ctct-gitops/simulator.json'))!;
    const statusOf = (status: string) => (status === 'Trial End' ? 'Trial' : status);
    expect(
      Object.fromEntries(state.accounts.map((a) => [a.encoded_account_id, [a.plan_type, a.billing_status]])),
    ).toEqual(
      Object.fromEntries(live.accounts().map((a) => [a.encoded_account_id, [a.plan_type, statusOf(a.billing_status)]])),
    );

    // One paid, open account moves to another paid plan.
    const target = live.accounts().find((a) => a.billing_status === 'Open' && a.plan_type !== 'GOLD')!;
    const file = imported.files.find((f) => f.encoded_account_id === target.encoded_account_id)!.file;
    const text = await readFile(path.join(cwd, file), 'utf8');
    await writeFile(path.join(cwd, file), text.replace(`plan_type: ${target.plan_type}`, 'plan_type: GOLD'));
    const edited = (await rehearse()).plan;
    expect(notices).toHaveLength(1);
    expect(edited.changes).toEqual([
      expect.objectContaining({
        action: 'update',
        encoded_account_id: target.encoded_account_id,
        file,
        before: expect.objectContaining({ plan_type: target.plan_type }),
        after: expect.objectContaining({ plan_type: 'GOLD' }),
      }),
    ]);
  });

  it(
    'simulator --from-dir serves the estate the files ' + 'describe, and refuses to replace an existing state',
    async () => {
      const cwd = await tempRepo();
      await runImport({ cwd, dryRun: false, simulator: false, env: simulatorEnv(live) });
      await mkdir(path.join(cwd, 'accounts', 'new'), { recursive: true });
      await writeFile(
        path.join(cwd, 'accounts/new/fresh.yaml'),
        'login_name: fresh_account\ncontact_email: fresh@example.com\ncountry_code: GB\n',
      );
      const state = path.join(cwd, 'served.json');
      const out: string[] = [];
      let stop: (signal: string) => void = () => undefined;
      const command = createSimulatorCommand({
        write: (text) => out.push(text),
        waitForStop: () => new Promise((resolve) => (stop = resolve)),
      });
      const running = command.parseAsync(
        ['--from-dir', path.join(cwd, 'accounts'), '--state', state, '--rps', '0', '--quiet'],
        { from: 'user' },
      );
      while (!out.join('').includes('Press Ctrl-C')) await new Promise((resolve) => setTimeout(resolve, 5));
      try {
        expect(out.join('')).toContain('CTCT partner API simulator: 40 accounts');
        const env = Object.fromEntries([...out.join('').matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
        const { plan } = await runPlan({ cwd, force: false, simulator: false, env });
        expect(plan.changes.map((c) => [c.action, c.login_name])).toEqual([['create', 'fresh_account']]);
      } finally {
        stop('SIGTERM');
        await running;
      }
      expect(readStateFile(state)?.accounts).toHaveLength(40);
      await expect(
        createSimulatorCommand({ write: () => undefined }).parseAsync(
          ['--from-dir', path.join(cwd, 'accounts'), '--state', state],
          { from: 'user' },
        ),
      ).rejects.toThrow(/served\.json exists/);
    },
  );

  it('a new state with no account files at all starts with the example accounts, for import --simulator', async () => {
    const cwd = await tempRepo();
    await mkdir(path.join(cwd, 'accounts'));
    const notices: string[] = [];
    const result = await runImport({
      cwd,
      dryRun: false,
      simulator: true,
      env: {},
      notice: (line) => notices.push(line),
    });
    expect([...result.written].sort()).toEqual([
      'accounts/lakeside-florist.yaml',
      'accounts/old-town-cycles.yaml',
      'accounts/riverside-dental.yaml',
    ]);
    expect(notices[0]).toMatch(/3 example accounts, as there are no account files yet/);
    expect(await readdir(path.join(cwd, 'accounts'))).toHaveLength(3);
    const { plan } = await runPlan({ cwd, force: false, simulator: true, env: {} });
    expect(plan.changes).toEqual([]);
    expect(existsSync(path.join(cwd, '.ctct-gitops/simulator.json'))).toBe(true);
  });
});
