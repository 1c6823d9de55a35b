import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { exampleWorkspace, PLAIN_ENV, tempWorkspace } from './cli-workspace.js';

describe('show PLAN.json', () => {
  it(
    'renders a saved plan exactly as plan printed it, in ' + 'every format, with no credentials and no simulator',
    async () => {
      const dir = await exampleWorkspace();
      const elsewhere = await tempWorkspace();
      for (const format of ['text', 'markdown', 'json']) {
        const planned = await runCli(['plan', '--simulator', '--format', format, '--out', 'plan.json'], {
          cwd: dir,
          env: PLAIN_ENV,
        });
        expect(planned.code).toBe(0);
        await copyFile(path.join(dir, 'plan.json'), path.join(elsewhere, 'plan.json'));
        // A folder with no account files, no settings, no simulator state and no credentials.
        const shown = await runCli(['show', 'plan.json', '--format', format], { cwd: elsewhere, env: PLAIN_ENV });
        expect({ code: shown.code, stderr: shown.stderr }).toEqual({ code: 0, stderr: '' });
        expect(shown.stdout).toBe(planned.stdout);
      }
      expect(await readFile(path.join(elsewhere, 'plan.json'), 'utf8')).toContain('"action": "cancel"');
    },
  );

  it('a file that is not a plan exits 3 and says why', async () => {
    const dir = await exampleWorkspace();
    const yaml = await runCli(['show', 'accounts/us/riverside-dental.yaml'], { cwd: dir, env: PLAIN_ENV });
    expect(yaml.code).toBe(3);
    expect(yaml.stderr).toMatch(
      new RegExp(
        String.raw`^ctct-gitops: accounts\/us\/riverside-dental\.yaml:1:1: not JSON .*; not a ` +
          String.raw`ctct-gitops plan of format_version 1 \(write one with plan --out\)$`,
        'm',
      ),
    );

    await writeFile(
      path.join(dir, 'report.json'),
      JSON.stringify({
        format_version: 1,
        fingerprint: 'sha256:00',
        summary: { applied: 0, failed: 0, skipped: 0 },
        outcomes: [],
        files_written: [],
      }),
    );
    const report = await runCli(['show', 'report.json'], { cwd: dir, env: PLAIN_ENV });
    expect(report.code).toBe(3);
    expect(report.stderr).toContain('report.json:1:1: missing required field changes; not a ctct-gitops plan');
    expect(report.stdout).toBe('');

    const missing = await runCli(['show', 'no-such-plan.json'], { cwd: dir, env: PLAIN_ENV });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no-such-plan.json:1:1: cannot read a ctct-gitops plan');
  });
});
