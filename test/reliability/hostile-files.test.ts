import { execFile } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { readAccountFiles } from '../../src/accounts/read-account-files.js';
import { runValidate } from '../../src/commands/run-validate.js';
import { runCli } from '../helpers/run-cli.js';
import { ACCEPTED_FILE_NAMES, REFUSED_FILE_NAMES } from './hostile-strings.js';
import { makeTempDir, makeTempRepo, removeTempDirs } from './hostile-temp.js';

/**
 * Hostile corpus, names and folders: account file names the action's shell steps cannot carry are
 * refused with a problem on the file (exit 3); accepted unusual names go through the action's real
 * write-back step; an accounts folder outside the repository is refused unless a flag says so; and
 * unreadable or strange folders (`/`, `/proc`) are problems, never a crash.
 */

const run = promisify(execFile);
const cases = { run: 0 };
afterAll(async () => {
  await removeTempDirs();
  console.log(`[reliability] hostile names and folders: ${cases.run} cases`);
});

const ACCOUNT = (login: string) => `login_name: ${login}\ncontact_email: a@example.com\ncountry_code: GB\n`;

describe('account file names', () => {
  it.each(REFUSED_FILE_NAMES)('refuses %j with a problem on the file, shown escaped', async (name) => {
    cases.run++;
    const cwd = await makeTempRepo();
    await mkdir(path.dirname(path.join(cwd, 'accounts', name)), { recursive: true });
    await writeFile(path.join(cwd, 'accounts', name), ACCOUNT('hostile_name'));
    await writeFile(path.join(cwd, 'accounts', 'fine.yaml'), ACCOUNT('fine_account'));
    const result = await runValidate({ cwd });
    expect(result.problems).toEqual([
      { file: expect.any(String), line: 1, col: 1, message: expect.stringMatching(/^file name is refused: /) },
    ]);
    expect(result.problems[0]!.file).not.toMatch(/[\u0000-\u001f]/);
    expect(result.accounts).toBe(1);
  });

  it.each(ACCEPTED_FILE_NAMES)('accepts %j', async (name) => {
    cases.run++;
    const cwd = await makeTempRepo();
    await writeFile(path.join(cwd, 'accounts', name), ACCOUNT('unusual_name'));
    expect((await runValidate({ cwd })).problems).toEqual([]);
  });

  it('the action commits every accepted name apply wrote back, whatever it holds', async () => {
    cases.run++;
    const action = parse(await readFile(new URL('../../action.yml', import.meta.url), 'utf8')) as {
      runs: { steps: Array<{ name: string; run?: string }> };
    };
    const step = action.runs.steps.find((s) => s.name === 'Commit the files apply wrote back')!;
    const root = await makeTempDir();
    const origin = path.join(root, 'origin.git');
    const work = path.join(root, 'work');
    const git = (cwd: string, ...args: string[]) => run('git', args, { cwd });
    await git(root, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
    await git(root, 'clone', '--quiet', origin, work);
    await git(work, 'checkout', '--quiet', '-b', 'main');
    const files = ACCEPTED_FILE_NAMES.map((name) => `accounts/${name}`);
    await mkdir(path.join(work, 'accounts'));
    for (const file of files) await writeFile(path.join(work, file), 'encoded_account_id: a07e1new0001\n');
    await writeFile(path.join(work, 'untouched.yaml'), 'not written by apply\n');
    const report = path.join(root, 'report.json');
    await writeFile(report, JSON.stringify({ files_written: files }));
    await run('bash', ['-c', step.run!], {
      cwd: work,
      env: {
        PATH: process.env['PATH'],
        HOME: root,
        REPORT: report,
        RUN_URL: 'https://example.invalid/run',
        GITHUB_REF_TYPE: 'branch',
        GITHUB_REF_NAME: 'main',
        GIT_CONFIG_NOSYSTEM: '1',
      },
    });
    const { stdout } = await git(origin, 'show', '--name-only', '--format=', 'main');
    expect(
      stdout
        .trim()
        .split('\n')
        .map((line) => (line.startsWith('"') ? JSON.parse(line) : line))
        .sort(),
    ).toEqual([...files].sort());
  });
});

describe('the accounts folder', () => {
  it.each(['/', '/proc', '../..'])('refuses %j outside the repository, naming the flag', async (dir) => {
    cases.run++;
    const cwd = await makeTempRepo();
    const result = await runValidate({ cwd, dir });
    expect(result.problems).toEqual([
      {
        file: expect.any(String),
        line: 1,
        col: 1,
        message: expect.stringMatching(/^the accounts folder is outside the repository \(.*\): .*--allow-outside-repo/),
      },
    ]);
  });

  it(
    'refuses accounts_dir of the settings file outside the ' + 'repository too, and a folder reached through a link',
    async () => {
      cases.run += 2;
      const cwd = await makeTempRepo();
      const outside = await makeTempDir();
      await writeFile(path.join(outside, 'stolen.yaml'), ACCOUNT('stolen_account'));
      await writeFile(
        path.join(cwd, 'ctct-gitops.yaml'),
        `accounts_dir: ${JSON.stringify(path.relative(cwd, outside))}\n`,
      );
      expect((await runValidate({ cwd })).problems.map((p) => p.message)).toEqual([
        expect.stringMatching(/^the accounts folder is outside the repository/),
      ]);
      await symlink(outside, path.join(cwd, 'linked'));
      expect((await runValidate({ cwd, dir: 'linked' })).problems.map((p) => p.message)).toEqual([
        expect.stringMatching(/^the accounts folder is outside the repository/),
      ]);
      // With the flag, it is read.
      expect(await runValidate({ cwd, dir: 'linked', allowOutsideRepo: true })).toMatchObject({
        accounts: 1,
        problems: [],
      });
    },
  );

  it('reads a folder like /proc/self with the flag: entries it cannot read are problems, never a crash', async () => {
    cases.run++;
    const result = await readAccountFiles(process.cwd(), '/proc/self', { allowOutsideRepo: true });
    for (const problem of result.problems)
      expect(problem).toEqual({
        file: expect.any(String),
        line: expect.any(Number),
        col: expect.any(Number),
        message: expect.any(String),
      });
  });

  it('CLI: --dir / and --dir /proc exit 3 with the problem, no stack', async () => {
    const cwd = await makeTempRepo();
    for (const dir of ['/', '/proc']) {
      cases.run++;
      const result = await runCli(['plan', '--simulator', '--dir', dir], { cwd });
      expect(result.code).toBe(3);
      expect(result.stderr + result.stdout).toMatch(/the accounts folder is outside the repository/);
      expect(result.stderr).not.toMatch(/this is a bug|\n\s+at /);
    }
  });
});

describe('control characters in account files', () => {
  const controls = ['\\n', '\\t', '\\e[2K', '\\0', '\\u202e', '\\u2028', '\\x9b'];
  const fields = ['organization_name', 'first_name', 'last_name', 'external_id', 'contact_phone', 'partner_account_id'];
  it.each(controls)('%s is refused in every free-text field, at its line', async (control) => {
    const cwd = await makeTempRepo();
    const lines = fields.map((field) => `${field}: "x12345${control}y"`);
    await writeFile(path.join(cwd, 'accounts', 'a.yaml'), `${ACCOUNT('control_chars')}${lines.join('\n')}\n`);
    const { problems } = await runValidate({ cwd });
    cases.run += fields.length;
    expect(problems.map((p) => `${p.line} ${p.message}`)).toEqual(
      fields.map(
        (field, i) =>
          `${i + 4} ${field} must not hold control characters (line breaks, tabs, escape sequences, bidi controls)`,
      ),
    );
  });
});
