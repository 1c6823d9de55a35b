import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GithubClient } from '../../src/github/github-client.js';
import { writeStickyComment } from '../../src/github/sticky-comment.js';
import { startFakeGithub, type FakeGithub } from './fake-github-server.js';

const REPO = 'partner/accounts';
const PR = 42;

function bigPlan(changes: number, tag: string): string {
  const block = (i: number) =>
    [
      `<details><summary>update <code>account_${i}</code></summary>`,
      '',
      '```diff',
      `- plan_type: SILVER`,
      `+ plan_type: GOLD # ${tag}`,
      '```',
      '',
      '</details>',
    ].join('\n');
  return [
    '## ctct-gitops plan',
    '',
    ...Array.from({ length: changes }, (_, i) => block(i)).flatMap((b) => [b, '']),
  ].join('\n');
}

describe('writeStickyComment', () => {
  let github: FakeGithub;
  let client: GithubClient;

  beforeEach(async () => {
    github = await startFakeGithub();
    client = new GithubClient({ token: github.token, baseUrl: github.url });
  });
  afterEach(async () => {
    await github.close();
  });

  it('creates one comment on the first run and edits that same comment on the next', async () => {
    github.addComment(REPO, PR, 'Looks good to me', 'reviewer');

    const first = await writeStickyComment(client, { repo: REPO, issueNumber: PR, body: '## Plan\n\n1 to create' });
    const second = await writeStickyComment(client, { repo: REPO, issueNumber: PR, body: '## Plan\n\n2 to create' });

    expect(first.comments).toMatchObject([{ action: 'created' }]);
    expect(second.comments).toEqual([{ id: first.comments[0]!.id, url: first.comments[0]!.url, action: 'updated' }]);
    expect(github.commentsOn(REPO, PR).map((c) => c.body)).toEqual([
      'Looks good to me',
      '<!-- ctct-gitops:plan part=1 -->\n## Plan\n\n2 to create',
    ]);
    expect(github.writes().map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /repos/${REPO}/issues/${PR}/comments`,
      `PATCH /repos/${REPO}/issues/comments/${first.comments[0]!.id}`,
    ]);
  });

  it('does not touch the comment when the body is the same', async () => {
    await writeStickyComment(client, { repo: REPO, issueNumber: PR, body: 'same' });
    const again = await writeStickyComment(client, { repo: REPO, issueNumber: PR, body: 'same' });
    expect(again.comments.map((c) => c.action)).toEqual(['unchanged']);
    expect(github.writes()).toHaveLength(1);
  });

  it('posts a plan over 65,000 characters as parts in order, each within GitHub’s limit', async () => {
    const body = bigPlan(1200, 'v1');
    expect(body.length).toBeGreaterThan(130_000);

    const result = await writeStickyComment(client, { repo: REPO, issueNumber: PR, body });

    const comments = github.commentsOn(REPO, PR);
    expect(comments.length).toBeGreaterThan(2);
    expect(result.comments.map((c) => c.id)).toEqual(comments.map((c) => c.id));
    comments.forEach((c, i) => {
      expect(c.body.length).toBeLessThanOrEqual(65_000);
      expect(
        c.body.startsWith(`<!-- ctct-gitops:plan part=${i + 1} -->\n**(part ${i + 1} of ${comments.length})**\n\n`),
      ).toBe(true);
    });
    const updates = comments.flatMap((c) => c.body.match(/account_\d+/g) ?? []);
    expect(updates).toEqual(Array.from({ length: 1200 }, (_, i) => `account_${i}`));
  });

  it(
    'reuses old parts in order, adds new ones after ' + 'them and deletes stale ones as the plan changes size',
    async () => {
      await writeStickyComment(client, { repo: REPO, issueNumber: PR, body: bigPlan(1200, 'v1') });
      const [p1, p2, p3] = github.commentsOn(REPO, PR).map((c) => c.id);
      github.addComment(REPO, PR, 'a reviewer speaks', 'reviewer');

      const grown = await writeStickyComment(client, { repo: REPO, issueNumber: PR, body: bigPlan(1700, 'v2') });
      const ids = grown.comments.map((c) => c.id);
      expect(ids.slice(0, 3)).toEqual([p1, p2, p3]);
      expect(grown.comments.map((c) => c.action)).toEqual(['updated', 'updated', 'updated', 'created']);
      expect(ids[3]).toBeGreaterThan(p3!);

      const shrunk = await writeStickyComment(client, {
        repo: REPO,
        issueNumber: PR,
        body: '## ctct-gitops plan\n\nNo changes.',
      });
      expect(shrunk.comments).toMatchObject([{ id: p1, action: 'updated' }]);
      expect(shrunk.deleted).toEqual([p2, p3, ids[3]]);
      expect(github.commentsOn(REPO, PR).map((c) => c.body)).toEqual([
        '<!-- ctct-gitops:plan part=1 -->\n## ctct-gitops plan\n\nNo changes.',
        'a reviewer speaks',
      ]);
    },
  );

  it('leaves alone comments that only quote the marker and comments of another marker', async () => {
    github.addComment(REPO, PR, '> <!-- ctct-gitops:plan part=1 -->\n> quoted plan', 'reviewer');
    github.addComment(REPO, PR, '<!-- ctct-gitops:plan:staging part=1 -->\nstaging plan');

    await writeStickyComment(client, { repo: REPO, issueNumber: PR, body: 'production plan' });

    expect(github.commentsOn(REPO, PR).map((c) => c.body)).toEqual([
      '> <!-- ctct-gitops:plan part=1 -->\n> quoted plan',
      '<!-- ctct-gitops:plan:staging part=1 -->\nstaging plan',
      '<!-- ctct-gitops:plan part=1 -->\nproduction plan',
    ]);
  });

  it('finds its comments beyond the first page of a busy pull request', async () => {
    github.pageSize = 5;
    await writeStickyComment(client, { repo: REPO, issueNumber: PR, body: 'v1' });
    for (let i = 0; i < 12; i++) github.addComment(REPO, PR, `chatter ${i}`, 'reviewer');
    await writeStickyComment(client, { repo: REPO, issueNumber: PR, body: 'v2' });
    expect(github.commentsOn(REPO, PR).filter((c) => c.body.includes('ctct-gitops'))).toHaveLength(1);
  });

  it('keeps every comment within a smaller limit, marker included', async () => {
    await writeStickyComment(client, { repo: REPO, issueNumber: PR, body: bigPlan(50, 'x'), limit: 1000 });
    const comments = github.commentsOn(REPO, PR);
    expect(comments.length).toBeGreaterThan(3);
    for (const c of comments) expect(c.body.length).toBeLessThanOrEqual(1000);
  });
});
