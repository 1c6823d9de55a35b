/**
 * SSO users end to end: the real CLI against the simulator over loopback, real files in a
 * temporary folder. CTCT cannot read SSO users back, so convergence is checked on the simulator's
 * stored users (each once) and on `created_at` in the files (re-plan empty).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ApplyReport } from '../../src/apply/apply-plan.js';
import type { Plan } from '../../src/model.js';
import type { Simulator } from '../../src/simulator/simulator.js';
import {
  createFileText,
  exists,
  journalPath,
  liveAccount,
  makeWorkspace,
  planDetailed,
  readText,
  runAgainst,
  startTestSim,
} from './apply-harness.js';

const SETTINGS = 'requests_per_second: 50\n';
const SSO_PATH = '/v3/partner/accounts/{id}/users/sso';

/** One `sso_users` entry as a person writes it, with a comment that write-back must keep. */
const userEntry = (login: string, role = 'campaign_creator', createdAt?: string) =>
  [
    `  - login_name: ${login}   # signs in through the IdP`,
    `    first_name: First`,
    `    last_name: Last`,
    `    contact_email: ${login}@example.com`,
    `    role_name: ${role}`,
    `    external_id: "ext-${login}"`,
    `    external_provider: Yahoo`,
    ...(createdAt !== undefined ? [`    created_at: "${createdAt}"`] : []),
  ].join('\n');

const existingFile = (id: string, login: string, users: string[], extra = '') =>
  `# ${login}\nencoded_account_id: ${id}\nlogin_name: ${login}\n${extra}sso_users:\n${users.join('\n')}\n# end\n`;

function storedLogins(sim: Simulator, login: string): string[] {
  return (sim.findByLogin(login)?.sso_users ?? []).map((user) => user.login_name).sort();
}

function createdAtOf(text: string): Record<string, string | undefined> {
  const users = (parse(text) as { sso_users?: { login_name: string; created_at?: string }[] }).sso_users ?? [];
  return Object.fromEntries(users.map((user) => [user.login_name, user.created_at]));
}

/** The file with every `created_at` line removed: what write-back added must be only those lines. */
const withoutCreatedAt = (text: string) =>
  text.replace(/^ {4}created_at: ".*"\n/gm, '').replace(/, created_at: "[^"]*"/g, '');

describe('SSO users end to end (CLI against the simulator)', () => {
  it(
    'creates two users on an existing account and one on a new ' +
      'account in one apply, writes created_at, and re-plans empty',
    async () => {
      const sim = await startTestSim({
        ssoForNewAccounts: true,
        accounts: [liveAccount('a07e1ssoex01', 'riverside_dental', { sso_enabled: true })],
      });
      const files = {
        'ctct-gitops.yaml': SETTINGS,
        'accounts/riverside.yaml': existingFile('a07e1ssoex01', 'riverside_dental', [
          userEntry('josie.lang'),
          userEntry('sam.ortiz', 'account_manager'),
        ]),
        'accounts/maple.yaml': `${createFileText('maple_leaf_yoga')}sso_users:\n${userEntry('ann.lee')}\n`,
      };
      const cwd = await makeWorkspace(files);

      const apply = await runAgainst(sim, cwd, ['apply', '--yes', '--report', 'report.json']);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      expect(storedLogins(sim, 'riverside_dental')).toEqual(['josie.lang', 'sam.ortiz']);
      expect(storedLogins(sim, 'maple_leaf_yoga')).toEqual(['ann.lee']);
      expect(sim.stats.byOperation['createSSOUser']).toBe(3);

      const report = JSON.parse(await readText(cwd, 'report.json')) as ApplyReport;
      expect(
        report.outcomes
          .filter((o) => o.action === 'create_sso_user')
          .map((o) => [o.sso_user, o.status, o.encoded_account_id])
          .sort(),
      ).toEqual([
        ['ann.lee', 'applied', sim.findByLogin('maple_leaf_yoga')?.encoded_account_id],
        ['josie.lang', 'applied', 'a07e1ssoex01'],
        ['sam.ortiz', 'applied', 'a07e1ssoex01'],
      ]);
      expect(report.files_written).toEqual(['accounts/maple.yaml', 'accounts/riverside.yaml']);
      const riverside = await readText(cwd, 'accounts/riverside.yaml');
      expect(createdAtOf(riverside)).toEqual({
        'josie.lang': expect.stringMatching(/^2\d{3}-/),
        'sam.ortiz': expect.stringMatching(/^2\d{3}-/),
      });
      expect(withoutCreatedAt(riverside)).toBe(files['accounts/riverside.yaml']);
      expect(createdAtOf(await readText(cwd, 'accounts/maple.yaml'))['ann.lee']).toBeDefined();
      expect(exists(journalPath(cwd))).toBe(false);

      const replan = await planDetailed(sim, cwd);
      expect(replan.code, replan.stdout).toBe(0);
      expect(sim.stats.byOperation['createSSOUser']).toBe(3);
    },
  );

  it(
    'a dropped connection after the simulator stored a user converges ' +
      'with no duplicate: the one re-post gets 409, the user exists',
    async () => {
      const sim = await startTestSim({
        accounts: [liveAccount('a07e1ssodr01', 'dropped_conn', { sso_enabled: true })],
      });
      const cwd = await makeWorkspace({
        'ctct-gitops.yaml': SETTINGS,
        'accounts/a.yaml': existingFile('a07e1ssodr01', 'dropped_conn', [userEntry('josie.lang')]),
      });
      sim.faults.add({ method: 'POST', path: SSO_PATH, kind: 'drop-after-store' });

      const apply = await runAgainst(sim, cwd, ['apply', '--yes']);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      expect(storedLogins(sim, 'dropped_conn')).toEqual(['josie.lang']);
      expect(sim.stats.byOperation['createSSOUser']).toBe(2);
      expect(createdAtOf(await readText(cwd, 'accounts/a.yaml'))['josie.lang']).toBeDefined();
      expect((await planDetailed(sim, cwd)).code).toBe(0);
    },
  );

  it(
    'when even the re-post is lost, the journal keeps the intent ' +
      'and the next apply settles it once, never a duplicate',
    async () => {
      const sim = await startTestSim({
        accounts: [liveAccount('a07e1ssodr02', 'twice_dropped', { sso_enabled: true })],
      });
      const cwd = await makeWorkspace({
        'ctct-gitops.yaml': SETTINGS,
        'accounts/a.yaml': existingFile('a07e1ssodr02', 'twice_dropped', [userEntry('josie.lang')]),
      });
      sim.faults.add({ method: 'POST', path: SSO_PATH, kind: 'drop-after-store', times: 2 });

      const first = await runAgainst(sim, cwd, ['apply', '--yes']);
      expect(first.code).toBe(1);
      expect(first.stdout).toContain('the next apply re-posts once more');
      expect(exists(journalPath(cwd))).toBe(true);
      expect(createdAtOf(await readText(cwd, 'accounts/a.yaml'))['josie.lang']).toBeUndefined();

      const second = await runAgainst(sim, cwd, ['apply', '--yes']);
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(second.stdout).toContain('recovered: finished the create of SSO user josie.lang in a07e1ssodr02');
      expect(storedLogins(sim, 'twice_dropped')).toEqual(['josie.lang']);
      // POST, re-post, and the recovery's re-post (409): never a fourth, never a second user.
      expect(sim.stats.byOperation['createSSOUser']).toBe(3);
      expect(exists(journalPath(cwd))).toBe(false);
      expect((await planDetailed(sim, cwd)).code).toBe(0);
    },
  );

  it('a 403 account (SSO not enabled) fails only its users; its plan update and the other account go on', async () => {
    const sim = await startTestSim({
      accounts: [
        liveAccount('a07e1nosso01', 'no_sso_here', { sso_enabled: false }),
        liveAccount('a07e1yessso1', 'sso_here', { sso_enabled: true }),
      ],
    });
    const cwd = await makeWorkspace({
      'ctct-gitops.yaml': SETTINGS,
      'accounts/no-sso.yaml': existingFile(
        'a07e1nosso01',
        'no_sso_here',
        [userEntry('ann.lee'), userEntry('bob.ray')],
        'plan:\n  plan_type: SILVER\n',
      ),
      'accounts/sso.yaml': existingFile('a07e1yessso1', 'sso_here', [userEntry('josie.lang')]),
    });

    const apply = await runAgainst(sim, cwd, ['apply', '--yes', '--report', 'report.json']);
    expect(apply.code).toBe(1);
    const report = JSON.parse(await readText(cwd, 'report.json')) as ApplyReport;
    const failed = report.outcomes.filter((o) => o.status === 'failed');
    expect(failed.map((o) => o.sso_user).sort()).toEqual(['ann.lee', 'bob.ray']);
    for (const outcome of failed)
      expect(outcome.error).toContain('SSO for all users is not enabled on account a07e1nosso01');
    expect(
      report.outcomes
        .filter((o) => o.status === 'applied')
        .map((o) => o.action)
        .sort(),
    ).toEqual(['create_sso_user', 'update']);
    expect(sim.findByLogin('no_sso_here')).toMatchObject({ plan_type: 'SILVER', sso_users: [] });
    expect(storedLogins(sim, 'sso_here')).toEqual(['josie.lang']);
    expect(Object.values(createdAtOf(await readText(cwd, 'accounts/no-sso.yaml')))).toEqual([undefined, undefined]);
    // Refused for certain: nothing is left open for a later run to settle.
    expect(exists(journalPath(cwd))).toBe(false);

    const replan = await runAgainst(sim, cwd, ['plan', '--format', 'json']);
    expect((JSON.parse(replan.stdout) as Plan).changes.map((c) => c.action)).toEqual([
      'create_sso_user',
      'create_sso_user',
    ]);
  });

  it(
    'a first POST answered 409 (the user exists, but the journal ' +
      'that knew it is gone) fails with what to do and writes nothing',
    async () => {
      const existing = {
        first_name: 'First',
        last_name: 'Last',
        role_name: 'campaign_creator',
        contact_email: 'josie.lang@example.com',
        login_name: 'josie.lang',
        external_id: 'ext-josie.lang',
        external_provider: 'Yahoo',
      };
      const sim = await startTestSim({
        accounts: [liveAccount('a07e1ssocf01', 'conflicted', { sso_enabled: true, sso_users: [existing] })],
      });
      const cwd = await makeWorkspace({
        'ctct-gitops.yaml': SETTINGS,
        'accounts/a.yaml': existingFile('a07e1ssocf01', 'conflicted', [userEntry('josie.lang')]),
      });

      const apply = await runAgainst(sim, cwd, ['apply', '--yes']);
      expect(apply.code).toBe(1);
      expect(apply.stdout).toContain(
        'CTCT cannot list SSO users to tell whether it is this one: if it is, write created_at into its entry',
      );
      expect(storedLogins(sim, 'conflicted')).toEqual(['josie.lang']);
      expect(createdAtOf(await readText(cwd, 'accounts/a.yaml'))['josie.lang']).toBeUndefined();
    },
  );

  it(
    'with --changed-since, an edit and a removal of users ' + 'apply created are reported as drift and never sent',
    async () => {
      const sim = await startTestSim({ accounts: [liveAccount('a07e1ssogit1', 'git_history', { sso_enabled: true })] });
      const at = '2026-11-02T10:00:00.000Z';
      const cwd = await makeWorkspace({
        'ctct-gitops.yaml': SETTINGS,
        'accounts/a.yaml': existingFile('a07e1ssogit1', 'git_history', [
          userEntry('josie.lang', 'campaign_creator', at),
          userEntry('sam.ortiz', 'campaign_creator', at),
        ]),
      });
      const git = (...args: string[]) => execFileSync('git', args, { cwd, stdio: 'pipe' });
      git('init', '-q');
      git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'empty');
      git('add', '-A');
      git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'users');
      const base = git('rev-parse', 'HEAD').toString().trim();
      const { writeFile } = await import('node:fs/promises');
      await writeFile(
        `${cwd}/accounts/a.yaml`,
        existingFile('a07e1ssogit1', 'git_history', [userEntry('josie.lang', 'account_manager', at)]),
      );

      const plan = await runAgainst(sim, cwd, ['plan', '--format', 'json', '--changed-since', base]);
      const drifts = (JSON.parse(plan.stdout) as Plan).changes.filter((c) => c.action === 'drift');
      expect(drifts.map((c) => [c.action === 'drift' && c.sso_user, c.before, c.after])).toEqual([
        ['josie.lang', { role_name: 'campaign_creator' }, { role_name: 'account_manager' }],
        [
          'sam.ortiz',
          { login_name: 'sam.ortiz', contact_email: 'sam.ortiz@example.com', role_name: 'campaign_creator' },
          {},
        ],
      ]);
      const apply = await runAgainst(sim, cwd, ['apply', '--yes', '--changed-since', base]);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      expect(sim.stats.byOperation['createSSOUser'] ?? 0).toBe(0);
    },
  );
});
