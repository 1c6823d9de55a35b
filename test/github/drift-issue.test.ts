import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DRIFT_LABEL, DRIFT_TITLE, renderDriftBody, writeDriftIssue } from '../../src/github/drift-issue.js';
import { GithubClient } from '../../src/github/github-client.js';
import type { PlanSummary } from '../../src/model.js';
import { startFakeGithub, type FakeGithub } from './fake-github-server.js';

const REPO = 'partner/accounts';
const NONE: PlanSummary = {
  create: 0,
  update: 0,
  update_profile: 0,
  reactivate: 0,
  cancel: 0,
  create_sso_user: 0,
  drift: 0,
  orphan: 0,
};
const RUN = 'https://github.com/partner/accounts/actions/runs/99';

describe('writeDriftIssue', () => {
  let github: FakeGithub;
  let client: GithubClient;

  beforeEach(async () => {
    github = await startFakeGithub();
    client = new GithubClient({ token: github.token, baseUrl: github.url });
  });
  afterEach(async () => {
    await github.close();
  });

  it('opens one labelled issue with the plan when live state differs from main', async () => {
    const result = await writeDriftIssue(client, {
      repo: REPO,
      plan: { summary: { ...NONE, drift: 1, orphan: 2 } },
      markdown: '## ctct-gitops plan\n\n1 drift',
      runUrl: RUN,
    });

    expect(result).toEqual({ action: 'opened', issue: { number: 1, url: `https://github.com/${REPO}/issues/1` } });
    expect(github.issues).toHaveLength(1);
    expect(github.issues[0]).toMatchObject({ title: DRIFT_TITLE, state: 'open', labels: [DRIFT_LABEL] });
    expect(github.issues[0]!.body).toBe(
      [
        '<!-- ctct-gitops:drift -->',
        'The scheduled plan found differences between the account files on ' +
          `main and live CTCT: 1 drift, 2 orphan ([workflow run](${RUN})).`,
        'Merge a pull request that makes the files match what you want, or run ' +
          'the apply workflow; this issue closes itself when a plan comes back empty.',
        '',
        '## ctct-gitops plan',
        '',
        '1 drift',
      ].join('\n'),
    );
    expect(github.labels.get(REPO)).toEqual(new Set([DRIFT_LABEL]));
  });

  it('updates the body of the same issue on the next run instead of opening another', async () => {
    await writeDriftIssue(client, { repo: REPO, plan: { summary: { ...NONE, update: 1 } }, markdown: 'first' });
    const second = await writeDriftIssue(client, {
      repo: REPO,
      plan: { summary: { ...NONE, update: 3 } },
      markdown: 'second',
    });
    const third = await writeDriftIssue(client, {
      repo: REPO,
      plan: { summary: { ...NONE, update: 3 } },
      markdown: 'second',
    });

    expect(second).toMatchObject({ action: 'updated', issue: { number: 1 } });
    expect(third).toMatchObject({ action: 'unchanged', issue: { number: 1 } });
    expect(github.issues).toHaveLength(1);
    expect(github.issues[0]!.body).toContain('3 update');
    expect(github.issues[0]!.body!.endsWith('second')).toBe(true);
  });

  it('closes the issue with a comment once the drift is gone, and a later drift opens a new one', async () => {
    await writeDriftIssue(client, { repo: REPO, plan: { summary: { ...NONE, cancel: 1 } }, markdown: 'cancel one' });

    const closed = await writeDriftIssue(client, {
      repo: REPO,
      plan: { summary: NONE },
      markdown: 'No changes.',
      runUrl: RUN,
    });

    expect(closed).toEqual({ action: 'closed', issue: { number: 1, url: `https://github.com/${REPO}/issues/1` } });
    expect(github.issues[0]).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect(github.commentsOn(REPO, 1).map((c) => c.body)).toEqual([
      `The live accounts match main again in [this run](${RUN}); closing.`,
    ]);

    expect(await writeDriftIssue(client, { repo: REPO, plan: { summary: NONE }, markdown: 'No changes.' })).toEqual({
      action: 'none',
      issue: null,
    });

    const reopened = await writeDriftIssue(client, {
      repo: REPO,
      plan: { summary: { ...NONE, create: 1 } },
      markdown: 'create one',
    });
    expect(reopened).toMatchObject({ action: 'opened', issue: { number: 2 } });
  });

  it('makes no writes when there is no drift and no open issue', async () => {
    await writeDriftIssue(client, { repo: REPO, plan: { summary: NONE }, markdown: 'No changes.' });
    expect(github.writes()).toEqual([]);
  });

  it('ignores open issues with the label that are not its own, and pull requests', async () => {
    github.addIssue({
      repo: REPO,
      title: 'Someone else’s note',
      body: 'hand-written',
      state: 'open',
      labels: [DRIFT_LABEL],
    });
    github.addIssue({
      repo: REPO,
      title: DRIFT_TITLE,
      body: 'a pull request',
      state: 'open',
      labels: [DRIFT_LABEL],
      pull_request: { url: 'x' },
    });

    const result = await writeDriftIssue(client, {
      repo: REPO,
      plan: { summary: { ...NONE, orphan: 1 } },
      markdown: 'orphan',
    });

    expect(result).toMatchObject({ action: 'opened', issue: { number: 3 } });
    expect(github.issues.map((i) => i.body?.slice(0, 14))).toEqual([
      'hand-written',
      'a pull request',
      '<!-- ctct-gito',
    ]);
  });
});

describe('renderDriftBody', () => {
  it('cuts a plan too long for one issue at a section and says where the rest is', () => {
    const markdown = [
      '## Plan',
      ...Array.from({ length: 3000 }, (_, i) => `\n### account_${i}\n\nupdate SILVER → GOLD`),
    ].join('\n');
    const body = renderDriftBody(markdown, { ...NONE, update: 3000 }, RUN);
    expect(body.length).toBeLessThanOrEqual(65_000);
    expect(body).not.toContain('(part 1 of');
    expect(body).toMatch(
      new RegExp(
        String.raw`update SILVER → GOLD\n\n_The plan is longer than one issue can hold; the full plan ` +
          String.raw`is in the job summary \(\[workflow run\]\(.+\)\)\._$`,
      ),
    );
  });
});
