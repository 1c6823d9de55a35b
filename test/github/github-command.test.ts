import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGithubCommand } from '../../src/github/github-command.js';
import { computePlan } from '../../src/plan/compute-plan.js';
import { renderMarkdown } from '../../src/render/render-markdown.js';
import { desiredAccount, liveState, planOptions } from '../plan/plan-fixtures.js';
import { startFakeGithub, type FakeGithub } from './fake-github-server.js';

const REPO = 'partner/accounts';
const REPORT = {
  format_version: 1,
  fingerprint: 'f1',
  summary: { applied: 0, failed: 1, skipped: 0 },
  outcomes: [
    {
      action: 'create',
      login_name: 'hanks',
      encoded_account_id: null,
      file: 'accounts/hanks.yaml',
      status: 'failed',
      error: 'HTTP 409',
    },
  ],
  files_written: [],
};

describe('ctct-gitops github', () => {
  let github: FakeGithub;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    github = await startFakeGithub();
    dir = await mkdtemp(join(tmpdir(), 'ctct-gitops-github-'));
    env = {
      GITHUB_TOKEN: github.token,
      GITHUB_API_URL: github.url,
      GITHUB_REPOSITORY: REPO,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '1234',
    };
  });
  afterEach(async () => {
    await github.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function run(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    let exitCode = 0;
    const command = createGithubCommand({
      env,
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      setExitCode: (c) => (exitCode = c),
    });
    for (const c of [command, ...command.commands])
      c.exitOverride().configureOutput({ writeOut: (t) => out.push(t), writeErr: (t) => err.push(t) });
    await command.parseAsync(args, { from: 'user' });
    return { stdout: out.join(''), stderr: err.join(''), exitCode };
  }

  async function file(name: string, content: string | object): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  it('comment posts the plan with the commit and run under it, then edits the same comment', async () => {
    const plan = await file('plan.md', '## ctct-gitops plan\n\n1 to create\n');

    const first = await run('comment', '--pr', '12', '--body-file', plan, '--sha', '0123456789abcdef');
    const second = await run('comment', '--pr', '12', '--body-file', plan, '--sha', 'fedcba9876543210');

    const [comment] = github.commentsOn(REPO, 12);
    expect(first).toEqual({
      stdout: `created comment ${comment!.id}: ${`https://github.com/${REPO}/pull/12#issuecomment-${comment!.id}`}\n`,
      stderr: '',
      exitCode: 0,
    });
    expect(second.stdout).toBe(
      `updated comment ${comment!.id}: https://github.com/${REPO}/pull/12#issuecomment-${comment!.id}\n`,
    );
    expect(github.commentsOn(REPO, 12)).toHaveLength(1);
    expect(comment!.body).toBe(
      '<!-- ctct-gitops:plan part=1 -->\n## ctct-gitops plan\n\n1 to create\n\n' +
        '<sub>ctct-gitops · commit `fedcba9` · [workflow ' +
        'run](https://github.com/partner/accounts/actions/runs/1234)</sub>\n',
    );
  });

  it('drift-issue opens the issue from a saved plan and its Markdown', async () => {
    // A real plan document: one account to create.
    const planned = computePlan(
      [
        desiredAccount({
          login_name: 'hanks_fresh_fruit',
          extra: { contact_email: 'hank@example.com', country_code: 'US', state_code: 'MA' },
        }),
      ],
      liveState([]),
      planOptions(),
    );
    const plan = await file('plan.json', planned);
    const markdown = await file('plan.md', '## ctct-gitops plan\n');

    const result = await run('drift-issue', '--plan', plan, '--body-file', markdown);

    expect(result).toEqual({
      stdout: `opened issue #1: https://github.com/${REPO}/issues/1\n`,
      stderr: '',
      exitCode: 0,
    });
    expect(github.issues[0]!.body).toContain('[workflow run](https://github.com/partner/accounts/actions/runs/1234)');
  });

  it(
    'comment --plan posts the saved plan exactly as its Markdown ' +
      'would read; drift-issue renders it when given no Markdown',
    async () => {
      const planned = computePlan(
        [
          desiredAccount({
            login_name: 'hanks_fresh_fruit',
            extra: { contact_email: 'hank@example.com', country_code: 'US', state_code: 'MA' },
          }),
        ],
        liveState([]),
        planOptions(),
      );
      const plan = await file('plan.json', planned);
      const markdown = await file('plan.md', renderMarkdown(planned));

      await run('comment', '--pr', '7', '--body-file', markdown, '--sha', '0123456789abcdef');
      await run('comment', '--pr', '8', '--plan', plan, '--sha', '0123456789abcdef');
      expect(github.commentsOn(REPO, 8)[0]!.body).toBe(github.commentsOn(REPO, 7)[0]!.body);
      expect(github.commentsOn(REPO, 8)[0]!.body).toContain('hanks_fresh_fruit');

      expect((await run('drift-issue', '--plan', plan)).exitCode).toBe(0);
      expect(github.issues[0]!.body).toContain(renderMarkdown(planned));
      expect((await run('comment', '--pr', '9', '--plan', plan, '--body-file', markdown)).stderr).toBe(
        'ctct-gitops github: comment needs exactly one of --plan and --body-file\n',
      );
    },
  );

  it('summary appends the rendered report to $GITHUB_STEP_SUMMARY, or prints it when there is none', async () => {
    const report = await file('report.json', REPORT);
    const stepSummary = await file('step-summary.md', '# earlier step\n');

    env.GITHUB_STEP_SUMMARY = stepSummary;
    expect(await run('summary', '--report', report)).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    const written = await readFile(stepSummary, 'utf8');
    expect(
      written.startsWith(
        '# earlier step\n## ctct-gitops apply\n\n❌ **Some changes failed**: 0 applied, 1 failed, 0 skipped.',
      ),
    ).toBe(true);

    delete env.GITHUB_STEP_SUMMARY;
    const printed = await run('summary', '--body-file', await file('plan.md', '## plan'));
    expect(printed.stdout).toBe('## plan\n');
  });

  it('annotate prints an ::error line for each failed change', async () => {
    const result = await run('annotate', '--report', await file('report.json', REPORT));
    expect(result.stdout).toBe(
      '::error file=accounts/hanks.yaml,title=ctct-gitops apply::create hanks failed: HTTP 409\n',
    );
  });

  it('fails with exit 1 and a clean message, never the token', async () => {
    const plan = await file('plan.md', 'x');
    github.failNext(403, { message: `Resource not accessible by integration (${github.token})` });

    const denied = await run('comment', '--pr', '3', '--body-file', plan);

    expect(denied.exitCode).toBe(1);
    expect(denied.stderr).toBe(
      'ctct-gitops github: GitHub API ' +
        `GET ${github.url}/repos/partner/accounts/issues/3/comments?per_page=100 failed (HTTP 403): Resource ` +
        'not accessible by integration ([REDACTED])\n',
    );

    delete env.GITHUB_TOKEN;
    expect(await run('comment', '--pr', '3', '--body-file', plan)).toEqual({
      stdout: '',
      stderr: 'ctct-gitops github: GITHUB_TOKEN is not set: the GitHub commands need a token\n',
      exitCode: 1,
    });

    expect((await run('summary', '--report', join(dir, 'missing.json'))).stderr).toMatch(
      /^ctct-gitops github: .*missing\.json:1:1: cannot read a ctct-gitops apply report .*ENOENT/,
    );
    expect((await run('summary', '--report', await file('bad.json', '{'))).stderr).toMatch(
      /^ctct-gitops github: .*bad\.json:1:1: not JSON /,
    );
    const notReport = await run('summary', '--report', await file('other.json', { format_version: 1 }));
    expect(notReport).toMatchObject({
      exitCode: 3,
      stderr: expect.stringMatching(/missing required field fingerprint; not a ctct-gitops apply report/),
    });
    expect((await run('summary')).stderr).toBe(
      'ctct-gitops github: summary needs exactly one of --report and --body-file\n',
    );
  });

  it(
    'rejects a pull-request number that is not one, and ' + 'a marker that could break out of its HTML comment',
    async () => {
      const error = await run('comment', '--pr', 'abc', '--body-file', 'x').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommanderError);
      expect((error as CommanderError).exitCode).toBe(1);
      expect((error as CommanderError).message).toBe(
        "error: option '--pr <number>' argument 'abc' is invalid. expected a positive whole number",
      );

      const marker = await run('comment', '--pr', '1', '--body-file', 'x', '--marker', 'evil -->').catch(
        (e: unknown) => e,
      );
      expect((marker as CommanderError).message).toBe(
        "error: option '--marker <name>' argument 'evil -->' is " +
          'invalid. a marker may hold only letters, digits and . : / _ -',
      );
    },
  );
});
