import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPasswordEnv } from '../../src/commands/read-password-env.js';
import type { DesiredAccount } from '../../src/model.js';
import {
  computePasswordEnv,
  computePasswordProblems,
  findPasswordProblem,
} from '../../src/settings/compute-password-env.js';
import { createFileText, liveAccount, makeWorkspace, readText, runAgainst, startTestSim } from './apply-harness.js';

const desired = (fields: Partial<DesiredAccount>): DesiredAccount => ({
  file: 'accounts/a.yaml',
  positions: {},
  plan: { plan_type: 'TRIAL' },
  status: 'active',
  protect: false,
  ...fields,
});

describe('initial passwords from the environment', () => {
  it(
    'a password must be set, 8-80 characters and hold no ' + 'part of the login name; the value is never in the reason',
    () => {
      expect(findPasswordProblem('PW', undefined)).toBe('the environment variable PW is not set');
      expect(findPasswordProblem('PW', '')).toBe('the environment variable PW is not set');
      expect(findPasswordProblem('PW', '1234567')).toBe(
        "the password in PW must be 8-80 characters long (it has 7) (CTCT's rule for a new account's password)",
      );
      expect(findPasswordProblem('PW', 'x'.repeat(81))).toMatch(/8-80 characters long \(it has 81\)/);
      expect(findPasswordProblem('PW', '12345678')).toBeNull();
      expect(findPasswordProblem('PW', 'y'.repeat(80))).toBeNull();
      expect(findPasswordProblem('PW', 'My Yoga Studio 1', 'maple-leaf.yoga')).toBe(
        'the password in PW must not contain any part of the login ' +
          'name ("yoga") (CTCT\'s rule for a new account\'s password)',
      );
      expect(findPasswordProblem('PW', 'correct horse battery', 'spaced_login')).toBeNull();
    },
  );

  it('creates whose password is unset or unfit are blocked, by file', () => {
    const accounts = [
      desired({ file: 'accounts/needs.yaml', login_name: 'needs_one', password_env: 'MISSING_PW' }),
      desired({ file: 'accounts/has.yaml', login_name: 'has_one', password_env: 'GOOD_PW' }),
      desired({ file: 'accounts/login.yaml', login_name: 'horse_login', password_env: 'GOOD_PW' }),
      desired({ file: 'accounts/none.yaml', login_name: 'none_needed' }),
      desired({ file: 'accounts/old.yaml', encoded_account_id: 'a07e1exists', password_env: 'OLD_PW' }),
    ];
    expect([...computePasswordProblems(accounts, { GOOD_PW: 'Correct-Horse-9' })]).toEqual([
      ['accounts/needs.yaml', 'the environment variable MISSING_PW is not set'],
      [
        'accounts/login.yaml',
        'the password in GOOD_PW must not contain any part of the login ' +
          'name ("horse") (CTCT\'s rule for a new account\'s password)',
      ],
    ]);
  });

  it('CTCT_INITIAL_PASSWORDS expands a JSON or YAML map; a variable set on its own wins', () => {
    expect(
      computePasswordEnv({
        CTCT_INITIAL_PASSWORDS: '{"A_PW": "first-password", "B_PW": "second-password"}',
        B_PW: 'own-value-wins',
      }),
    ).toMatchObject({ A_PW: 'first-password', B_PW: 'own-value-wins' });
    expect(
      computePasswordEnv({ CTCT_INITIAL_PASSWORDS: 'A_PW: first-password\nB_PW: "second: password"\n' }),
    ).toMatchObject({ A_PW: 'first-password', B_PW: 'second: password' });
    expect(computePasswordEnv({ CTCT_INITIAL_PASSWORDS: '  ', X: '1' })).toEqual({
      CTCT_INITIAL_PASSWORDS: '  ',
      X: '1',
    });
  });

  it('a CTCT_INITIAL_PASSWORDS that is not a map of names to strings is invalid input that shows no value', () => {
    const secret = 'sEcReT-do-not-print';
    for (const text of [
      `{"A_PW": "${secret}"`,
      `- ${secret}`,
      secret,
      `A_PW: [${secret}]`,
      `"not a name": ${secret}`,
    ]) {
      let error: unknown;
      try {
        computePasswordEnv({ CTCT_INITIAL_PASSWORDS: text });
      } catch (caught) {
        error = caught;
      }
      expect(error, text).toMatchObject({ exitCode: 3, message: expect.stringContaining('CTCT_INITIAL_PASSWORDS') });
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it(
    'under --simulator a throwaway password stands in for ' + 'each missing one, and the notice names the variables',
    () => {
      const notices: string[] = [];
      const accounts = [
        desired({ login_name: 'one_account', password_env: 'B_PW' }),
        desired({ login_name: 'two_account', password_env: 'A_PW' }),
        desired({ login_name: 'three_acct', password_env: 'GOOD_PW' }),
      ];
      const env = readPasswordEnv({
        env: { GOOD_PW: 'Correct-Horse-9' },
        simulator: true,
        accounts,
        notice: (line) => notices.push(line),
      });
      expect(env['GOOD_PW']).toBe('Correct-Horse-9');
      for (const name of ['A_PW', 'B_PW']) expect(findPasswordProblem(name, env[name])).toBeNull();
      expect(notices).toEqual([
        '--simulator: a throwaway initial password stands in for A_PW, B_PW, which are not set or unfit',
      ]);
      expect(readPasswordEnv({ env: {}, simulator: false, accounts, notice: (line) => notices.push(line) })).toEqual(
        {},
      );
      expect(notices).toHaveLength(1);
    },
  );
});

describe('apply with a create whose initial password is missing', () => {
  const files = {
    'ctct-gitops.yaml': 'requests_per_second: 50\n',
    'accounts/needs-pw.yaml': createFileText('needs_password', { passwordEnv: 'NEEDS_PW', plan: 'GOLD', day: 3 }),
    'accounts/no-pw.yaml': createFileText('no_password_needed'),
    'accounts/existing.yaml':
      'encoded_account_id: a07e1exist01\nplan:\n  plan_type: BRONZE\n  billing_day_of_month: 9\n',
  };

  it('plan marks it, apply skips it with the reason, carries ' +
    'out the rest and exits 1; with the password it is created', {
    timeout: 60_000,
  }, async () => {
    const sim = await startTestSim({ accounts: [liveAccount('a07e1exist01', 'existing_account')] });
    const cwd = await makeWorkspace(files);

    const plan = await runAgainst(sim, cwd, ['plan', '--detailed-exitcode']);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain(
      '      blocked: the environment variable NEEDS_PW is not set; apply ' +
        'skips this create (exit 1) and carries out the rest of the plan\n',
    );
    expect(plan.stdout).toContain('Plan: 2 to create (1 blocked: no initial password), 1 to update.');

    const apply = await runAgainst(sim, cwd, ['apply', '--yes', '--report', 'report.json']);
    expect(apply.code).toBe(1);
    const report = JSON.parse(await readFile(path.join(cwd, 'report.json'), 'utf8')) as {
      summary: object;
      outcomes: { login_name: string | null; status: string; error?: string }[];
    };
    expect(report.summary).toEqual({ applied: 2, failed: 0, skipped: 1 });
    expect(report.outcomes.find((o) => o.login_name === 'needs_password')).toMatchObject({
      status: 'skipped',
      error: expect.stringMatching(
        new RegExp(
          String.raw`^not created: the environment variable NEEDS_PW is not set\. Set NEEDS_PW \(or ` +
            String.raw`add it to CTCT_INITIAL_PASSWORDS\)`,
        ),
      ),
    });
    expect(sim.findByLogin('needs_password')).toBeUndefined();
    expect(sim.findByLogin('no_password_needed')).toBeDefined();
    expect(sim.accounts().find((a) => a.encoded_account_id === 'a07e1exist01')?.plan_type).toBe('BRONZE');
    expect(apply.stdout).toContain('Apply: 2 applied, 0 failed, 1 skipped.');

    // One secret holding every initial password, as the workflows pass it.
    const password = 'Initial-Passw0rd-42';
    const second = await runAgainst(sim, cwd, ['apply', '--yes'], {
      env: { CTCT_INITIAL_PASSWORDS: JSON.stringify({ NEEDS_PW: password, UNUSED_PW: 'another-password' }) },
    });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Apply: 1 applied, 0 failed, 0 skipped.');
    expect(sim.findByLogin('needs_password')).toMatchObject({
      has_password: true,
      plan_type: 'GOLD',
      billing_day_of_month: 3,
    });
    expect(await readText(cwd, 'accounts/needs-pw.yaml')).toContain(
      `encoded_account_id: ${sim.findByLogin('needs_password')?.encoded_account_id}`,
    );
  });

  it('a saved plan that marked the create blocked is held to it, even once the password is there', {
    timeout: 60_000,
  }, async () => {
    const sim = await startTestSim({ accounts: [liveAccount('a07e1exist01', 'existing_account')] });
    const cwd = await makeWorkspace(files);
    expect((await runAgainst(sim, cwd, ['plan', '--out', 'plan.json'])).code).toBe(0);
    const apply = await runAgainst(sim, cwd, ['apply', 'plan.json', '--yes'], {
      env: { NEEDS_PW: 'Initial-Passw0rd-42' },
    });
    expect(apply.code).toBe(1);
    expect(apply.stdout).toMatch(
      new RegExp(
        'needs_password skipped: not created: the environment variable NEEDS_PW is not ' +
          String.raw`set \(as the saved plan says; plan again to include it\)`,
      ),
    );
    expect(sim.findByLogin('needs_password')).toBeUndefined();
    expect(sim.findByLogin('no_password_needed')).toBeDefined();
  });
});
