import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model.js';
import { runCli } from '../helpers/run-cli.js';
import { exampleWorkspace, PLAIN_ENV, THROWAWAY_NOTICE } from './cli-workspace.js';

const plan = async (cwd: string, ...args: string[]) => {
  const result = await runCli(['plan', '--simulator', '--format', 'json', ...args], { cwd, env: PLAIN_ENV });
  // The only line on stderr: hanks-fresh-fruit.yaml's initial password is a throwaway under --simulator.
  expect(result.stderr).toBe(THROWAWAY_NOTICE);
  return JSON.parse(result.stdout) as Plan;
};

describe('--target', () => {
  it(
    'plans only the named accounts, by login name, id or ' + 'path, reads only their plans and reports no orphans',
    async () => {
      const dir = await exampleWorkspace();
      const byLoginAndPath = await plan(
        dir,
        '--target',
        'RIVERSIDE_DENTAL',
        '--target',
        './accounts/us/hanks-fresh-fruit.yaml',
      );
      expect(byLoginAndPath.changes.map((change) => [change.action, change.file])).toEqual([
        ['create', 'accounts/us/hanks-fresh-fruit.yaml'],
      ]);
      // riverside_dental matches its file: its plan is read (1 call), nothing else is.
      expect(byLoginAndPath.api).toMatchObject({ list_calls: 0, plan_calls: 1, not_refreshed: 0 });

      const byId = await plan(
        dir,
        '--target',
        'a07e1demo0002',
        '--target',
        path.join(dir, 'accounts/us/old-town-cycles.yaml'),
      );
      expect(byId.changes.map((change) => [change.action, change.encoded_account_id])).toEqual([
        ['cancel', 'a07e1demo0002'],
      ]);
      expect(byId.summary.orphan).toBe(0);
      // The id and the path name the same file: one target.
      expect(byId.targets).toEqual(['accounts/us/old-town-cycles.yaml']);
      // No list: the targeted account is read by its own GET …/plan, whose billing_status answers the cancel.
      expect(byId.api).toMatchObject({ list_calls: 0, plan_calls: 1 });
    },
  );

  it('warns that targeting is in effect in the text and Markdown plan; a plan without --target does not', async () => {
    const dir = await exampleWorkspace();
    const warning =
      'targeting is in effect (--target accounts/us/riverside-dental.yaml): only this account was planned and read';
    const text = await runCli(['plan', '--simulator', '--target', 'riverside_dental'], { cwd: dir, env: PLAIN_ENV });
    expect(text.code).toBe(0);
    expect(text.stdout.startsWith(`Warning: ${warning}`)).toBe(true);
    const markdown = await runCli(['plan', '--simulator', '--format', 'markdown', '--target', 'riverside_dental'], {
      cwd: dir,
      env: PLAIN_ENV,
    });
    expect(markdown.stdout).toContain(
      '> **Warning:** targeting is in effect (--target `accounts/us/riverside-dental.yaml`)',
    );
    const untargeted = await runCli(['plan', '--simulator'], { cwd: dir, env: PLAIN_ENV });
    expect(untargeted.stdout).not.toContain('targeting is in effect');
  });

  it('a target that names no account exits 3 before any API call', async () => {
    const dir = await exampleWorkspace();
    await rm(path.join(dir, '.ctct-gitops'), { recursive: true });
    const result = await runCli(['plan', '--simulator', '--target', 'riverside_dental', '--target', 'no_such_login'], {
      cwd: dir,
      env: PLAIN_ENV,
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      '--target no_such_login: no account file has this login_name, encoded_account_id or path',
    );
    expect(result.stdout).toBe('');
    expect(existsSync(path.join(dir, '.ctct-gitops/simulator.json'))).toBe(false);
  });

  it('apply --target changes only the named account; the rest stays planned', async () => {
    const dir = await exampleWorkspace();
    const applied = await runCli(['apply', '--simulator', '--yes', '--target', 'a07e1demo0002'], {
      cwd: dir,
      env: PLAIN_ENV,
    });
    expect(applied.stderr).toBe(THROWAWAY_NOTICE);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Apply: 1 applied, 0 failed, 0 skipped.');
    // As Terraform: the plan shown before applying warns, and so does the end of the run.
    expect(
      applied.stdout.startsWith('Warning: targeting is in effect (--target accounts/us/old-town-cycles.yaml)'),
    ).toBe(true);
    expect(applied.stdout).toMatch(
      new RegExp(
        String.raw`\nWarning: applied changes may be incomplete: the plan was limited with --target ` +
          String.raw`accounts\/us\/old-town-cycles\.yaml,.*run ctct-gitops plan`,
      ),
    );
    const after = await plan(dir);
    expect(after.summary).toMatchObject({ create: 4, cancel: 0 });

    const saved = await runCli(['apply', 'plan.json', '--simulator', '--yes', '--target', 'riverside_dental'], {
      cwd: dir,
      env: PLAIN_ENV,
    });
    expect(saved.code).toBe(3);
    expect(saved.stderr).toContain('--target selects the accounts of a fresh plan');
  });
});
