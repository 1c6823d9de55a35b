import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model.js';
import { runCli } from '../helpers/run-cli.js';
import { exampleWorkspace, PLAIN_ENV } from './cli-workspace.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, stdio: 'pipe' });

describe('an account file removed in a pull request', () => {
  it('is shown as a removed file that stays live, in every format, never as an older orphan or a cancel', async () => {
    const dir = await exampleWorkspace();
    git(dir, 'init', '-q');
    git(dir, 'add', 'accounts');
    git(dir, 'commit', '-q', '-m', 'accounts');
    git(dir, 'rm', '-q', 'accounts/us/riverside-dental.yaml');

    const plan = async (format: string) => {
      const result = await runCli(['plan', '--simulator', '--changed-since', 'HEAD', '--format', format], {
        cwd: dir,
        env: PLAIN_ENV,
      });
      expect(result.code).toBe(0);
      return result.stdout;
    };
    const json = JSON.parse(await plan('json')) as Plan;
    // The removed file's account is read by the id the file had; lakeside_florist (never named) is not listed.
    // (The example creates need no read, so they are planned whatever changed.)
    expect(json.changes.filter((change) => change.action !== 'create')).toEqual([
      expect.objectContaining({
        action: 'orphan',
        encoded_account_id: 'a07e1demo0001',
        organization_name: 'Riverside Dental',
        removed_file: 'accounts/us/riverside-dental.yaml',
      }),
    ]);
    expect(json.api).toMatchObject({ list_calls: 0, plan_calls: 1 });

    const text = await plan('text');
    expect(text).toContain(
      '? orphan     Riverside Dental (a07e1demo0001)  accounts/us/riverside-dental.yaml (removed)\n' +
        '      billing_status: Open\n      file removed: the account ' +
        'stays live; to cancel, keep the file and set status: cancelled\n',
    );
    expect(text).toMatch(/\nPlan: 4 to create; 1 removed file \(account kept live\) reported\.\n/);

    const markdown = await plan('markdown');
    expect(markdown).toContain(
      '> **1 account file removed**: the account stays live; to cancel, keep the file and set `status: ' +
        'cancelled`\n> - `accounts/us/riverside-dental.yaml`: `Riverside Dental (a07e1demo0001)`, `Open`\n',
    );
    expect(markdown).not.toContain('<b>1 orphan</b>');
  });
});
