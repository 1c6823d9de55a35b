import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveAccount, makeWorkspace, runAgainst, startTestSim } from './apply-harness.js';

/**
 * Apply on merge, as `apply.yml` runs it: `apply --applied-ref REF` plans every file changed since
 * the last commit whose apply fully succeeded. GitHub cancels an older pending run of a concurrency
 * group when a newer one queues, and a run can fail part-way: neither may drop a merged change.
 */
const REF = 'refs/ctct-gitops/applied';
const fileText = (id: string, login: string, plan: string) =>
  `encoded_account_id: ${id}\nlogin_name: ${login}\nplan:\n  plan_type: ${plan}\n`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync(
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
    { cwd, stdio: 'pipe', encoding: 'utf8' },
  ).trim();
}

async function commit(cwd: string, files: Record<string, string>, message: string): Promise<string> {
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(cwd, file), text);
  git(cwd, 'add', '-A');
  git(cwd, 'commit', '-q', '-m', message);
  return git(cwd, 'rev-parse', 'HEAD');
}

describe('apply --applied-ref: nothing merged is left unapplied', () => {
  it('a merge whose run was cancelled, and a merge whose apply failed, are applied by the next run', async () => {
    const ids = ['a07e1merge01', 'a07e1merge02', 'a07e1merge03'];
    const sim = await startTestSim({ accounts: ids.map((id, i) => liveAccount(id, `merged_${i + 1}`)) });
    const files = (plans: string[]) =>
      Object.fromEntries(ids.map((id, i) => [`accounts/m${i + 1}.yaml`, fileText(id, `merged_${i + 1}`, plans[i]!)]));
    const cwd = await makeWorkspace({
      ...files(['TRIAL', 'TRIAL', 'TRIAL']),
      'ctct-gitops.yaml': 'requests_per_second: 50\n',
      '.gitignore': '.ctct-gitops/\n',
    });
    const planOf = (i: number) => sim.accounts().find((a) => a.encoded_account_id === ids[i])?.plan_type;
    git(cwd, 'init', '-q');
    const first = await commit(cwd, {}, 'accounts');
    const apply = () => runAgainst(sim, cwd, ['apply', '--yes', '--applied-ref', REF]);

    // No record yet: every account is planned, and the commit is recorded.
    let result = await apply();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toContain(`planning every account: ${REF} records no fully applied commit yet`);
    expect(git(cwd, 'rev-parse', REF)).toBe(first);

    // Two quick merges; the run of the first was cancelled while pending, so only the second runs.
    await commit(cwd, { 'accounts/m1.yaml': fileText(ids[0]!, 'merged_1', 'BRONZE') }, 'merge 1');
    const second = await commit(cwd, { 'accounts/m2.yaml': fileText(ids[1]!, 'merged_2', 'SILVER') }, 'merge 2');
    // The push's `before` (what apply.yml passed) misses the first merge for good.
    const byBefore = await runAgainst(sim, cwd, ['apply', '--yes', '--changed-since', 'HEAD~1']);
    expect(byBefore.code).toBe(0);
    expect([planOf(0), planOf(1)]).toEqual(['TRIAL', 'SILVER']);
    result = await apply();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toContain(`planning the files changed since ${first.slice(0, 12)}`);
    expect(planOf(0)).toBe('BRONZE');
    expect(result.stdout).toContain(`Recorded ${second.slice(0, 12)} as fully applied in ${REF}.`);

    // A merge whose update fails: the ref stays, and the next merge's run applies it.
    await commit(cwd, { 'accounts/m3.yaml': fileText(ids[2]!, 'merged_3', 'GOLD') }, 'merge 3');
    sim.faults.add({ method: 'PUT', path: /\/plan$/, kind: 'status', status: 400, times: 1 });
    result = await apply();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Not recorded as fully applied: the next apply plans these files again.');
    expect(git(cwd, 'rev-parse', REF)).toBe(second);
    expect(planOf(2)).toBe('TRIAL');

    const fourth = await commit(cwd, { 'accounts/m1.yaml': fileText(ids[0]!, 'merged_1', 'GOLD') }, 'merge 4');
    result = await apply();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect([planOf(0), planOf(1), planOf(2)]).toEqual(['GOLD', 'SILVER', 'GOLD']);
    expect(git(cwd, 'rev-parse', REF)).toBe(fourth);
  }, 60_000);

  it('a recorded commit that is not an ancestor of HEAD (rewritten history) plans every account', async () => {
    const sim = await startTestSim({ accounts: [liveAccount('a07e1rewr01', 'rewritten_1')] });
    const cwd = await makeWorkspace({
      'accounts/r.yaml': fileText('a07e1rewr01', 'rewritten_1', 'TRIAL'),
      'ctct-gitops.yaml': 'requests_per_second: 50\n',
      '.gitignore': '.ctct-gitops/\n',
    });
    git(cwd, 'init', '-q');
    await commit(cwd, {}, 'accounts');
    const orphanCommit = git(cwd, 'commit-tree', '-m', 'elsewhere', `${git(cwd, 'rev-parse', 'HEAD')}^{tree}`);
    git(cwd, 'update-ref', REF, orphanCommit);
    const result = await runAgainst(sim, cwd, ['apply', '--yes', '--applied-ref', REF]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toContain(
      `planning every account: ${REF} (${orphanCommit.slice(0, 12)}) is not an ancestor of HEAD`,
    );
    expect(git(cwd, 'rev-parse', REF)).toBe(git(cwd, 'rev-parse', 'HEAD'));
  }, 60_000);

  it('goes with neither a saved plan, --changed-since nor --target (exit 3)', async () => {
    const sim = await startTestSim();
    const cwd = await makeWorkspace({ 'accounts/.keep': '' });
    const result = await runAgainst(sim, cwd, ['apply', '--yes', '--applied-ref', REF, '--changed-since', 'HEAD']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('--applied-ref plans every file changed since the last fully applied commit');
  });
});
