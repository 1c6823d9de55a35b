import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { readAppliedBase } from '../../src/git/applied-ref.js';
import { readChangedFiles } from '../../src/git/read-changed-files.js';
import { readFilesAtBase } from '../../src/git/read-files-at-base.js';
import { runCli } from '../helpers/run-cli.js';
import { BAD_REFS } from './hostile-strings.js';

/**
 * Hostile corpus, git refs: a value of --changed-since or --applied-ref never reaches git as an
 * option; it is refused (exit 3) before git runs, and good refs still work.
 */

const run = promisify(execFile);
const cases = { run: 0 };
let repo = '';
beforeAll(async () => {
  repo = await mkdtemp(path.join(tmpdir(), 'ctct-hostile-refs-'));
  const git = (...args: string[]) =>
    run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo });
  await git('init', '--quiet', '--initial-branch=main');
  await mkdir(path.join(repo, 'accounts'));
  await writeFile(
    path.join(repo, 'accounts', 'a.yaml'),
    'login_name: first_account\ncontact_email: a@example.com\ncountry_code: GB\n',
  );
  await git('add', '.');
  await git('commit', '--quiet', '-m', 'one');
  await writeFile(
    path.join(repo, 'accounts', 'b.yaml'),
    'login_name: second_account\ncontact_email: b@example.com\ncountry_code: GB\n',
  );
});
afterAll(async () => {
  await rm(repo, { recursive: true, force: true });
  console.log(`[reliability] hostile git refs: ${cases.run} cases`);
});

describe.each(BAD_REFS)('the ref %j', (ref) => {
  it('is refused by every reader before git runs', async () => {
    cases.run += 3;
    await expect(readChangedFiles(repo, ref)).rejects.toThrow(InvalidInputError);
    await expect(readChangedFiles(repo, ref)).rejects.toThrow(
      new RegExp(
        '^--changed-since ".*" is not a git revision: a ref may not be empty, start with ' +
          '"-", or hold spaces or control characters$',
      ),
    );
    await expect(readFilesAtBase(repo, ref, ['accounts/a.yaml'])).rejects.toThrow(InvalidInputError);
    await expect(readAppliedBase(repo, ref)).rejects.toThrow(/^--applied-ref .* is not a git revision/);
    expect(existsSync('/tmp/ctct-pwned')).toBe(false);
  });
});

describe('good refs', () => {
  it('still work', async () => {
    cases.run += 2;
    expect([...(await readChangedFiles(repo, 'HEAD')).files]).toEqual(['accounts/b.yaml']);
    expect([...(await readChangedFiles(repo, 'main~0')).files]).toEqual(['accounts/b.yaml']);
  });

  it('CLI: plan --changed-since=--fork-point exits 3 and names the value', async () => {
    cases.run++;
    const result = await runCli(['plan', '--simulator', '--changed-since=--fork-point'], { cwd: repo });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/--changed-since "--fork-point" is not a git revision/);
  });
});
