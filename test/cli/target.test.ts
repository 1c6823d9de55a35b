import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model.js';
import { runCli } from '../helpers/run-cli.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const temps: string[] = [];
afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

/** A folder holding a copy of the shipped example accounts, planned against the built-in simulator. */
async function examples(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ctct-target-'));
  temps.push(dir);
  await cp(path.join(ROOT, 'accounts'), path.join(dir, 'accounts'), { recursive: true });
  return dir;
}

const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NO_COLOR: '1' };
const plan = async (cwd: string, ...args: string[]) => {
  const result = await runCli(['plan', '--simulator', '--format', 'json', ...args], { cwd, env });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as Plan;
};

describe('--target', () => {
  it('plans only the named accounts, by login name, id or path, reads only their plans and reports no orphans', async () => {
    const dir = await examples();
    const byLoginAndPath = await plan(dir, '--target', 'RIVERSIDE_DENTAL', '--target', './accounts/us/hanks-fresh-fruit.yaml');
    expect(byLoginAndPath.changes.map((change) => [change.action, change.file])).toEqual([['create', 'accounts/us/hanks-fresh-fruit.yaml']]);
    // riverside_dental matches its file: its plan is read (1 call), nothing else is.
    expect(byLoginAndPath.api).toMatchObject({ plan_calls: 1, not_refreshed: 0 });

    const byId = await plan(dir, '--target', 'a07e1demo0002', '--target', path.join(dir, 'accounts/us/old-town-cycles.yaml'));
    expect(byId.changes.map((change) => [change.action, change.encoded_account_id])).toEqual([['cancel', 'a07e1demo0002']]);
    expect(byId.summary.orphan).toBe(0);
    expect(byId.api.plan_calls).toBe(0);
  });

  it('a target that names no account exits 3 before any API call', async () => {
    const dir = await examples();
    const result = await runCli(['plan', '--simulator', '--target', 'riverside_dental', '--target', 'no_such_login'], { cwd: dir, env });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('--target no_such_login: no account file has this login_name, encoded_account_id or path');
    expect(result.stdout).toBe('');
    expect(existsSync(path.join(dir, '.ctct-gitops/simulator.json'))).toBe(false);
  });

  it('apply --target changes only the named account; the rest stays planned', async () => {
    const dir = await examples();
    const applied = await runCli(['apply', '--simulator', '--yes', '--target', 'a07e1demo0002'], { cwd: dir, env });
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Apply: 1 applied, 0 failed, 0 skipped.');
    const after = await plan(dir);
    expect(after.summary).toMatchObject({ create: 4, cancel: 0 });

    const saved = await runCli(['apply', 'plan.json', '--simulator', '--yes', '--target', 'riverside_dental'], { cwd: dir, env });
    expect(saved.code).toBe(3);
    expect(saved.stderr).toContain('--target selects the accounts of a fresh plan');
  });
});
