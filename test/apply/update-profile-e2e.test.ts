/**
 * Account details of managed accounts, end to end: the real CLI against the simulator, whose
 * account_operations/sync runs GET/PUT /account/summary and POST/PUT the physical address.
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CtctClient } from '../../src/ctct/ctct-client.js';
import type { Plan } from '../../src/model.js';
import { liveAccount, makeWorkspace, runAgainst, startTestSim } from './apply-harness.js';

const TIMEOUT = 60_000;
const ADDRESS = [
  'physical_address:',
  '  address_line1: 12 Harbor Road',
  '  address_line2: Suite 4',
  '  city: Portland',
  '  state_code: ME',
  '  postal_code: "04101"',
  '  country_code: US',
];

/** A file for an existing account: its id, its details as `details` gives them, and an active TRIAL plan. */
function fileText(id: string, details: string[]): string {
  return [`encoded_account_id: ${id}`, ...details, 'plan:', '  plan_type: TRIAL', ''].join('\n');
}

async function planJson(
  sim: Parameters<typeof runAgainst>[0],
  cwd: string,
): Promise<{ code: number | null; plan: Plan }> {
  const result = await runAgainst(sim, cwd, ['plan', '--format', 'json', '--detailed-exitcode']);
  expect(result.stderr).toBe('');
  return { code: result.code, plan: JSON.parse(result.stdout) as Plan };
}

describe('update_profile through the CLI', () => {
  it('changes two fields and adds an address of a managed account, then plans ' +
    'empty; the same edit of an unmanaged account is reported and sends nothing', {
    timeout: TIMEOUT,
  }, async () => {
    const requests: string[] = [];
    const sim = await startTestSim({
      accounts: [
        liveAccount('a07e1managed1', 'harbor_books', {
          managed_site_owner: true,
          organization_name: 'Harbor Books',
          contact_phone: '207-555-0199',
        }),
        liveAccount('a07e1unmanag1', 'pine_deli', { organization_name: 'Pine St Deli', contact_phone: '207-555-0199' }),
      ],
      log: (line) => requests.push(line),
    });
    const cwd = await makeWorkspace({
      'accounts/harbor-books.yaml': fileText('a07e1managed1', [
        'managed_site_owner: true',
        'organization_name: Harbor Books',
        'contact_phone: 207-555-0199',
      ]),
      'accounts/pine-deli.yaml': fileText('a07e1unmanag1', [
        'organization_name: Pine St Deli',
        'contact_phone: 207-555-0199',
      ]),
    });
    expect((await planJson(sim, cwd)).code).toBe(0);

    await writeFile(
      path.join(cwd, 'accounts/harbor-books.yaml'),
      fileText('a07e1managed1', [
        'managed_site_owner: true',
        'organization_name: Harbor Books & Maps',
        'contact_phone: 207-555-0100',
        ...ADDRESS,
      ]),
    );
    await writeFile(
      path.join(cwd, 'accounts/pine-deli.yaml'),
      fileText('a07e1unmanag1', ['organization_name: Pine Street Deli', 'contact_phone: 207-555-0100']),
    );
    const { code, plan } = await planJson(sim, cwd);
    expect(code).toBe(2);
    expect(plan.changes.map((change) => [change.action, change.encoded_account_id])).toEqual([
      ['update_profile', 'a07e1managed1'],
      ['drift', 'a07e1unmanag1'],
    ]);
    expect(plan.changes[0]).toMatchObject({
      before: { contact_phone: '207-555-0199', organization_name: 'Harbor Books', physical_address: null },
      after: {
        contact_phone: '207-555-0100',
        organization_name: 'Harbor Books & Maps',
        physical_address: { address_line1: '12 Harbor Road', postal_code: '04101' },
      },
    });
    expect(plan.changes[1]).toMatchObject({
      before: { organization_name: 'Pine St Deli' },
      after: { organization_name: 'Pine Street Deli' },
      reason: expect.stringContaining('only of managed accounts'),
    });
    expect(plan.api).toMatchObject({ managed_list_calls: 1, summary_calls: 1, apply_calls: 2 });

    const applied = await runAgainst(sim, cwd, ['apply', '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Apply: 1 applied, 0 failed, 0 skipped.');
    const [managed, unmanaged] = sim.accounts();
    expect(managed).toMatchObject({
      organization_name: 'Harbor Books & Maps',
      contact_phone: '207-555-0100',
      physical_address: {
        address_line1: '12 Harbor Road',
        address_line2: 'Suite 4',
        city: 'Portland',
        state_code: 'ME',
        postal_code: '04101',
        country_code: 'US',
      },
    });
    expect(unmanaged).toMatchObject({ organization_name: 'Pine St Deli', contact_phone: '207-555-0199' });
    expect(requests.filter((line) => line.includes('a07e1unmanag1') && !line.startsWith('GET '))).toEqual([]);

    const again = await planJson(sim, cwd);
    expect(again.code).toBe(0);
    expect(again.plan.changes.map((change) => change.action)).toEqual(['drift']);
  });

  it('a failed inner call fails only that account; the others are applied, and the next apply finishes it', {
    timeout: TIMEOUT,
  }, async () => {
    const ids = ['a07e1managed1', 'a07e1managed2', 'a07e1managed3'];
    let faulted = false;
    const sim = await startTestSim({
      accounts: ids.map((id, i) =>
        liveAccount(id, `client_${i}`, { managed_site_owner: true, organization_name: `Old ${i}` }),
      ),
      // After apply's own plan read the summary of the second account, its next sync call, the PUT, fails as CTCT would
      // fail the inner request.
      log: (line) => {
        if (!faulted && line.startsWith(`POST /v3/partner/accounts/${ids[1]}/account_operations/sync 200`)) {
          faulted = true;
          sim.faults.add({
            method: 'POST',
            path: `/v3/partner/accounts/${ids[1]}/account_operations/sync`,
            kind: 'status',
            status: 400,
            body: [{ error_key: 'account.api.validation.error', error_message: 'contact_email is not confirmed' }],
          });
        }
      },
    });
    const cwd = await makeWorkspace(
      Object.fromEntries(
        ids.map((id, i) => [
          `accounts/c${i}.yaml`,
          fileText(id, ['managed_site_owner: true', `organization_name: New ${i}`]),
        ]),
      ),
    );

    const first = await runAgainst(sim, cwd, ['apply', '--yes']);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('Apply: 2 applied, 1 failed, 0 skipped.');
    expect(first.stdout).toMatch(
      new RegExp(
        `✗ update profile .*${ids[1]}.*failed: POST ` +
          `/partner/accounts/${ids[1]}/account_operations/sync \\(PUT /account/summary\\) → 400: ` +
          'contact_email is not confirmed',
      ),
    );
    expect(sim.accounts().map((a) => a.organization_name)).toEqual(['New 0', 'Old 1', 'New 2']);

    const second = await runAgainst(sim, cwd, ['apply', '--yes']);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(sim.accounts().map((a) => a.organization_name)).toEqual(['New 0', 'New 1', 'New 2']);
  });

  it('applies a saved plan while the details it assumed hold, and refuses it (exit 4, nothing sent) once they moved', {
    timeout: TIMEOUT,
  }, async () => {
    const sim = await startTestSim({
      accounts: [
        liveAccount('a07e1managed1', 'harbor_books', { managed_site_owner: true, organization_name: 'Harbor Books' }),
      ],
    });
    const cwd = await makeWorkspace({
      'accounts/harbor-books.yaml': fileText('a07e1managed1', [
        'managed_site_owner: true',
        'organization_name: Harbor Books & Maps',
        ...ADDRESS,
      ]),
    });
    expect((await runAgainst(sim, cwd, ['plan', '--out', 'plan.json'])).code).toBe(0);

    // Someone renames the account in Constant Contact after the plan was saved.
    const client = new CtctClient({
      baseUrl: sim.baseUrl,
      tokenUrl: sim.tokenUrl,
      ...sim.credentials,
      requestsPerSecond: 0,
    });
    onTestFinished(() => client.close());
    await client.updateAccountSummary('a07e1managed1', { organization_name: 'Harbor Books Ltd' });
    const refused = await runAgainst(sim, cwd, ['apply', 'plan.json', '--yes']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(
      'update_profile a07e1managed1 (accounts/harbor-books.yaml): ' +
        'organization_name is "Harbor Books Ltd", the plan assumed "Harbor Books"',
    );
    expect(sim.accounts()[0]).toMatchObject({ organization_name: 'Harbor Books Ltd' });
    expect(sim.accounts()[0]).not.toHaveProperty('physical_address');

    await client.updateAccountSummary('a07e1managed1', { organization_name: 'Harbor Books' });
    const applied = await runAgainst(sim, cwd, ['apply', 'plan.json', '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(sim.accounts()[0]).toMatchObject({
      organization_name: 'Harbor Books & Maps',
      physical_address: { city: 'Portland' },
    });
  });

  it('in a pull request (--changed-since), an edit of an unmanaged ' +
    "account's details is reported field by field, and apply sends nothing", {
    timeout: TIMEOUT,
  }, async () => {
    const requests: string[] = [];
    const sim = await startTestSim({
      accounts: [
        liveAccount('a07e1unmanag1', 'pine_deli', { organization_name: 'Pine St Deli', contact_phone: '207-555-0199' }),
      ],
      log: (line) => requests.push(line),
    });
    const cwd = await makeWorkspace({
      'accounts/pine-deli.yaml': fileText('a07e1unmanag1', [
        'organization_name: Pine St Deli',
        'contact_phone: 207-555-0199',
        'first_name: Ada',
      ]),
    });
    const git = (...args: string[]) =>
      execFileSync(
        'git',
        ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'commit.gpgsign=false', ...args],
        { cwd },
      );
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'files');
    await writeFile(
      path.join(cwd, 'accounts/pine-deli.yaml'),
      fileText('a07e1unmanag1', [
        'organization_name: Pine Street Deli',
        'contact_phone: 207-555-0100',
        'first_name: Ada',
      ]),
    );

    const text = await runAgainst(sim, cwd, ['plan', '--changed-since', 'HEAD']);
    expect(text.code, text.stderr).toBe(0);
    // A pull-request plan reads the account by its own GET …/plan and no list, so the live organization name is not
    // known either.
    expect(text.stdout).toContain(
      '      contact_phone: file 207-555-0100 (CTCT cannot show the live value)\n' +
        '      organization_name: file Pine Street Deli (CTCT cannot show the live value)\n',
    );
    expect(text.stdout).not.toContain('first_name');

    const applied = await runAgainst(sim, cwd, ['apply', '--yes', '--changed-since', 'HEAD']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(requests.filter((line) => line.includes('a07e1unmanag1') && !line.startsWith('GET '))).toEqual([]);
    expect(sim.accounts()[0]).toMatchObject({ organization_name: 'Pine St Deli', contact_phone: '207-555-0199' });
  });
});
