import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAccounts } from '../../src/accounts/validate-accounts.js';
import { computeImportFiles, slugOf } from '../../src/import/compute-import-files.js';
import { startSimulator, type Simulator } from '../../src/simulator/simulator.js';
import { runCli } from '../helpers/run-cli.js';
import { simulatorEnv } from '../helpers/simulator-env.js';

const envFor = (sim: Simulator): NodeJS.ProcessEnv => simulatorEnv(sim);

const tempRepo = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ctct-import-'));
  await writeFile(path.join(dir, 'ctct-gitops.yaml'), 'requests_per_second: 50\n');
  return dir;
};

describe('import against a simulator seeded with every plan and status', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ requestsPerSecond: 0, dailyQuota: 0, seed: 120 });
  });
  afterAll(() => sim.close());

  it('has seeded every status the import must handle', () => {
    const statuses = new Set(sim.accounts().map((account) => account.billing_status));
    expect([...statuses].sort()).toEqual(['Canceled', 'Open', 'Trial', 'Trial End']);
  });

  it('writes one valid file per account, after which the plan is empty', async () => {
    const cwd = await tempRepo();
    const before = { ...sim.stats.byOperation };
    const imported = await runCli(['import'], { cwd, env: envFor(sim) });
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);

    const files = await readdir(path.join(cwd, 'accounts'));
    expect(files).toHaveLength(120);
    const nonTrial = sim.accounts().filter((account) => account.billing_status !== 'Trial').length;
    const managed = sim.accounts().filter((account) => account.managed_site_owner);
    const summaries = managed.filter((account) => account.billing_status !== 'Canceled').length;
    const lists = Math.ceil(120 / 50) + Math.ceil(managed.length / 50);
    expect((sim.stats.byOperation['listAccounts'] ?? 0) - (before['listAccounts'] ?? 0)).toBe(lists);
    expect((sim.stats.byOperation['getPlan'] ?? 0) - (before['getPlan'] ?? 0)).toBe(nonTrial);
    expect((sim.stats.byOperation['accountOperationsSync'] ?? 0) - (before['accountOperationsSync'] ?? 0)).toBe(
      summaries,
    );
    expect(imported.stdout).toContain(
      `Import: wrote 120 files using ${lists} list calls, ${nonTrial} ` +
        `plan calls and ${summaries} account-summary calls.`,
    );
    const managedFile = await readFile(
      path.join(
        cwd,
        'accounts',
        `${slugOf(managed.find((a) => a.billing_status !== 'Canceled')!.organization_name)}.yaml`,
      ),
      'utf8',
    );
    expect(managedFile).toMatch(
      /^managed_site_owner: true\ncontact_email: "owner\d+@example\.com"\ncountry_code: (US|CA|GB)\n/m,
    );

    const validate = await runCli(['validate'], { cwd, env: envFor(sim) });
    expect(validate.stdout).toBe('✓ 120 account files valid\n');
    expect(validate.code).toBe(0);

    const plan = await runCli(['plan', '--detailed-exitcode'], { cwd, env: envFor(sim) });
    expect(plan.stdout).toContain('Plan: no changes.');
    expect(plan.code).toBe(0);

    const again = await runCli(['import'], { cwd, env: envFor(sim) });
    expect(again.stdout).toContain('Import: wrote 0 files');
    expect(await readdir(path.join(cwd, 'accounts'))).toHaveLength(120);
  });

  it('writes a cancelled account with a placeholder reason and says the real one is unknown', async () => {
    const cwd = await tempRepo();
    const cancelled = sim.accounts().find((account) => account.billing_status === 'Canceled')!;
    const result = await runCli(['import', '--account', cancelled.encoded_account_id], { cwd, env: envFor(sim) });
    expect(result.code).toBe(0);
    const [file] = await readdir(path.join(cwd, 'accounts'));
    const text = await readFile(path.join(cwd, 'accounts', file!), 'utf8');
    expect(text).toContain(`encoded_account_id: ${cancelled.encoded_account_id}\n`);
    expect(text).toContain('status: cancelled\ncancel:\n  # The real reason is unknown: CTCT does not return it.');
    expect(text).toContain('  reason_id: 27\n');
    expect(text).toContain(`  plan_type: ${cancelled.plan_type}\n`);
    // The temporary repository has no schema (init copies one): a modeline would point nowhere.
    expect(text.startsWith('# Imported by ctct-gitops import')).toBe(true);
    expect(text).toContain('fill those fields in by hand');
  });

  it('never overwrites a file: a taken name gets a suffix, and --dry-run writes nothing', async () => {
    const cwd = await tempRepo();
    const target = sim.accounts().find((account) => account.billing_status === 'Open')!;
    const slug = slugOf(target.organization_name);
    await mkdir(path.join(cwd, 'accounts'));
    const mine =
      '# mine, not an account of the simulator\nlogin_name: someone_else\n' +
      'contact_email: a@example.com\ncountry_code: GB\n';
    await writeFile(path.join(cwd, 'accounts', `${slug}.yaml`), mine);

    const dry = await runCli(['import', '--dry-run', '--account', target.encoded_account_id], {
      cwd,
      env: envFor(sim),
    });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`+++ accounts/${slug}-2.yaml`);
    expect(dry.stdout).toContain(`+encoded_account_id: ${target.encoded_account_id}`);
    expect(dry.stdout).toContain('Import: would write 1 file');
    expect(await readdir(path.join(cwd, 'accounts'))).toEqual([`${slug}.yaml`]);

    const real = await runCli(['import', '--account', target.encoded_account_id], { cwd, env: envFor(sim) });
    expect(real.stdout).toContain(`wrote accounts/${slug}-2.yaml`);
    expect(await readFile(path.join(cwd, 'accounts', `${slug}.yaml`), 'utf8')).toBe(mine);
  });

  it('names ids it cannot import and exits 1', async () => {
    const cwd = await tempRepo();
    const result = await runCli(['import', '--account', 'a07e1nosuchid'], { cwd, env: envFor(sim) });
    expect(result.stdout).toContain('not imported: a07e1nosuchid: not a live account of this partner');
    expect(result.code).toBe(1);
  });
});

describe('computeImportFiles', () => {
  const owner = (id: string, organization_name: string | undefined, billing_status = 'Trial') => ({
    owner: { encoded_account_id: id, billing_status, ...(organization_name !== undefined && { organization_name }) },
    plan: null,
  });

  it('makes safe, unique file names from organization names', () => {
    const files = computeImportFiles(
      [
        owner('a07e1one', '../../etc/passwd'),
        owner('a07e1two', 'Café Crème / Ltd.'),
        owner('a07e1three', 'Café Crème  Ltd'),
        owner('a07e1four', '***'),
        owner('a07e1five', undefined),
      ],
      { accountsDir: 'accounts', schemaPath: '../schema/account.schema.json', takenNames: new Set() },
    );
    expect(files.map((file) => file.file)).toEqual([
      'accounts/etc-passwd.yaml',
      'accounts/cafe-creme-ltd.yaml',
      'accounts/cafe-creme-ltd-2.yaml',
      'accounts/a07e1four.yaml',
      'accounts/a07e1five.yaml',
    ]);
  });

  it(
    'writes the details and address of a managed account as ' + 'a valid file, leaving out what the file rules refuse',
    () => {
      const profile = {
        encoded_account_id: 'a07e1gb',
        contact_email: 'owner@example.co.uk',
        country_code: 'GB',
        state_code: '',
        organization_name: 'Thames Tea Rooms',
        first_name: 'A',
        contact_phone: '',
        physical_address: {
          address_line1: '1 High Street',
          address_line2: '',
          city: 'London',
          state_name: 'Greater London',
          postal_code: 'EC1A 1BB',
          country_code: 'GB',
        },
      };
      const [file] = computeImportFiles([{ ...owner('a07e1gb', 'Thames Tea Rooms'), profile }], {
        accountsDir: 'accounts',
        schemaPath: null,
        takenNames: new Set(),
      });
      expect(file!.text).toContain(
        [
          'encoded_account_id: a07e1gb',
          'managed_site_owner: true',
          'contact_email: "owner@example.co.uk"',
          'country_code: GB',
          'organization_name: Thames Tea Rooms',
          '# first_name is left out: the live value "A" does not fit the account file\'s rules',
          'physical_address:',
          '  address_line1: "1 High Street"',
          '  city: London',
          '  state_name: Greater London',
          '  postal_code: EC1A 1BB',
          '  country_code: GB',
          'plan:',
        ].join('\n'),
      );
      const { accounts, problems } = validateAccounts([{ file: 'accounts/thames-tea-rooms.yaml', text: file!.text }]);
      expect(problems).toEqual([]);
      expect(accounts[0]?.physical_address).toEqual({
        address_line1: '1 High Street',
        city: 'London',
        state_name: 'Greater London',
        postal_code: 'EC1A 1BB',
        country_code: 'GB',
      });
    },
  );

  it('quotes organization names YAML would read as something else', () => {
    const [file] = computeImportFiles([owner('a07e1yes', 'yes')], {
      accountsDir: 'accounts',
      schemaPath: 's.json',
      takenNames: new Set(),
    });
    expect(file!.text).toContain('organization_name: "yes"\n');
  });
});
