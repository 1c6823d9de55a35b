import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model.js';
import { runCli } from '../helpers/run-cli.js';
import { exampleWorkspace, PLAIN_ENV, THROWAWAY_NOTICE, tempWorkspace } from './cli-workspace.js';

describe('plan --refresh-only', () => {
  it(
    'reports every difference, proposes nothing, exits 2 with ' +
      '--detailed-exitcode, and apply refuses the saved plan',
    async () => {
      const dir = await exampleWorkspace();
      // A protected account the file wants cancelled: plan refuses it (exit 4); refresh-only reports the difference.
      const riverside = path.join(dir, 'accounts/us/riverside-dental.yaml');
      await writeFile(riverside, `${await readFile(riverside, 'utf8')}status: cancelled\ncancel:\n  reason_id: 1\n`);
      expect((await runCli(['plan', '--simulator'], { cwd: dir, env: PLAIN_ENV })).code).toBe(4);

      const text = await runCli(
        ['plan', '--simulator', '--refresh-only', '--detailed-exitcode', '--out', 'refresh.json'],
        { cwd: dir, env: PLAIN_ENV },
      );
      expect({ code: text.code, stderr: text.stderr }).toEqual({ code: 2, stderr: THROWAWAY_NOTICE });
      expect(text.stdout.startsWith('Refresh-only: each entry is a difference between live state and the files')).toBe(
        true,
      );
      expect(text.stdout).toContain(
        'Refresh-only: live state differs from the files: 4 not yet created, 2 not yet cancelled, ' +
          '1 orphan; nothing is proposed.\nAPI: read live state with 1 list call and 0 plan calls.\n',
      );
      expect(text.stdout).not.toContain('Refused');

      const saved = JSON.parse(await readFile(path.join(dir, 'refresh.json'), 'utf8')) as Plan;
      expect(saved).toMatchObject({ refresh_only: true, refusals: [], api: { apply_calls: 0 } });
      const markdown = await runCli(['show', 'refresh.json', '--format', 'markdown'], { cwd: dir, env: PLAIN_ENV });
      await expect(markdown.stdout).toMatchFileSnapshot('__snapshots__/refresh-only.md');

      const applied = await runCli(['apply', 'refresh.json', '--simulator', '--yes'], { cwd: dir, env: PLAIN_ENV });
      expect(applied.code).toBe(3);
      expect(applied.stderr).toContain('refresh.json is a refresh-only plan: it proposes nothing to apply');
    },
  );

  it('exits 0 and says so when live state matches the files', async () => {
    const dir = await tempWorkspace();
    await mkdir(path.join(dir, 'accounts'));
    await writeFile(
      path.join(dir, 'accounts/riverside.yaml'),
      'encoded_account_id: a07e1demo0001\nplan:\n  plan_type: BRONZE\n',
    );
    // A new simulator state mirrors the files, so live matches them.
    const result = await runCli(['plan', '--simulator', '--refresh-only', '--detailed-exitcode'], {
      cwd: dir,
      env: PLAIN_ENV,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'Refresh-only: live state matches the files.\nAPI: read live state with 1 list call and 1 plan call.\n',
    );
  });
});
