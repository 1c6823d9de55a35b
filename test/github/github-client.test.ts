import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GithubApiError, GithubClient } from '../../src/github/github-client.js';
import { startFakeGithub, type FakeGithub } from './fake-github-server.js';

const REPO = 'partner/accounts';

describe('GithubClient', () => {
  let github: FakeGithub;
  let client: GithubClient;

  beforeEach(async () => {
    github = await startFakeGithub();
    client = new GithubClient({ token: github.token, baseUrl: github.url, retryBaseMs: 10 });
  });
  afterEach(async () => {
    await github.close();
  });

  it('sends the token, API version and JSON body GitHub expects', async () => {
    const comment = await client.createIssueComment(REPO, 7, 'hello');

    expect(comment).toMatchObject({
      body: 'hello',
      html_url: `https://github.com/${REPO}/pull/7#issuecomment-${comment.id}`,
    });
    const [request] = github.requests;
    expect(request).toMatchObject({
      method: 'POST',
      path: '/repos/partner/accounts/issues/7/comments',
      body: { body: 'hello' },
    });
    expect(request!.headers).toMatchObject({
      authorization: `Bearer ${github.token}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'content-type': expect.stringMatching(/^application\/json/),
    });
  });

  it('follows Link headers through every page of comments', async () => {
    github.pageSize = 10;
    for (let i = 0; i < 25; i++) github.addComment(REPO, 3, `comment ${i}`);
    github.addComment(REPO, 4, 'on another pull request');

    const comments = await client.listIssueComments(REPO, 3);

    expect(comments.map((c) => c.body)).toEqual(Array.from({ length: 25 }, (_, i) => `comment ${i}`));
    expect(github.requests.map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3']);
    expect(github.requests.every((r) => r.query.per_page === '100')).toBe(true);
  });

  it('lists issues by label and state, leaving out pull requests', async () => {
    github.addIssue({ repo: REPO, title: 'Drift', body: 'x', state: 'open', labels: ['drift'] });
    github.addIssue({ repo: REPO, title: 'Other', body: 'y', state: 'open', labels: ['bug'] });
    github.addIssue({ repo: REPO, title: 'Drift', body: 'z', state: 'closed', labels: ['drift'] });
    github.addIssue({
      repo: REPO,
      title: 'Drift',
      body: 'pr',
      state: 'open',
      labels: ['drift'],
      pull_request: { url: 'u' },
    });

    expect((await client.listIssues(REPO, { labels: ['drift'] })).map((i) => i.body)).toEqual(['x']);
    expect((await client.findIssuesByTitle(REPO, 'Drift', 'drift', 'all')).map((i) => i.body)).toEqual(['z', 'x']);
    expect(github.requests[0]!.query).toMatchObject({ labels: 'drift', state: 'open' });
  });

  it('creates, updates and closes an issue, and creates a missing label once', async () => {
    await client.ensureLabel(REPO, { name: 'ctct-gitops-drift', color: 'd93f0b' });
    await client.ensureLabel(REPO, { name: 'ctct-gitops-drift', color: 'd93f0b' });
    const issue = await client.createIssue(REPO, { title: 'T', body: 'B', labels: ['ctct-gitops-drift'] });
    await client.updateIssue(REPO, issue.number, { body: 'B2' });
    const closed = await client.closeIssue(REPO, issue.number);

    expect(closed.state).toBe('closed');
    expect(github.issues[0]).toMatchObject({ body: 'B2', state: 'closed', state_reason: 'completed' });
    expect(github.requests.filter((r) => r.path.includes('/labels')).map((r) => r.method)).toEqual([
      'GET',
      'POST',
      'GET',
    ]);
  });

  it('deletes a comment', async () => {
    const { id } = github.addComment(REPO, 1, 'old');
    await client.deleteIssueComment(REPO, id);
    expect(github.comments).toEqual([]);
  });

  it("throws one error type carrying the status and GitHub's own message", async () => {
    const error = await client.createIssueComment(REPO, 1, 'x'.repeat(70_000)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GithubApiError);
    expect(error).toMatchObject({
      status: 422,
      method: 'POST',
      githubMessage: 'Validation Failed (body is too long (maximum is 65536 characters))',
      documentationUrl: 'https://docs.github.com/rest',
      exitCode: 1,
    });
    expect((error as Error).message).toBe(
      `GitHub API POST ${github.url}/repos/partner/accounts/issues/1/comments failed ` +
        '(HTTP 422): Validation Failed (body is too long (maximum is 65536 characters))',
    );
  });

  it('never lets the token into an error, even when GitHub echoes it back', async () => {
    const wrong = new GithubClient({ token: 'ghp_wrongtoken', baseUrl: github.url });
    const badCredentials = await wrong.listIssueComments(REPO, 1).catch((e: unknown) => e);
    expect(badCredentials).toMatchObject({ status: 401, githubMessage: 'Bad credentials' });

    github.failNext(500, { message: `internal error for token ${github.token}` });
    const once = new GithubClient({ token: github.token, baseUrl: github.url, retries: 0 });
    const echoed = (await once.listIssueComments(REPO, 1).catch((e: unknown) => e)) as GithubApiError;
    for (const text of [echoed.message, String(echoed), JSON.stringify(echoed), echoed.stack ?? '']) {
      expect(text).not.toContain(github.token);
    }
    expect(echoed.githubMessage).toBe('internal error for token [REDACTED]');
  });

  it('asks again after a 5xx, and never after a 4xx', async () => {
    github.failNext(502, { message: 'bad gateway' });
    expect(await client.listIssueComments(REPO, 1)).toEqual([]);
    expect(github.requests.map((r) => r.method)).toEqual(['GET', 'GET']);

    const wrong = new GithubClient({ token: 'ghp_wrongtoken', baseUrl: github.url });
    await expect(wrong.listIssueComments(REPO, 1)).rejects.toMatchObject({ status: 401 });
    expect(github.requests).toHaveLength(3);
  });

  it('translates a network failure into the same error type, with no status', async () => {
    const url = github.url;
    await github.close();
    const error = await client.listIssueComments(REPO, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GithubApiError);
    expect(error).toMatchObject({ status: null, method: 'GET' });
    expect((error as Error).message).toBe(
      `GitHub API GET ${url}/repos/partner/accounts/issues/1/comments?per_page=100 ` +
        `failed (no response): connect ECONNREFUSED ${url.slice('http://'.length)}`,
    );
    github = await startFakeGithub();
  });

  it('refuses to follow a pagination link to another origin with the token', async () => {
    let hits = 0;
    const other = createServer((_req, res) => {
      hits++;
      res.end('[]');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    const evil = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', link: `<${otherUrl}/steal?page=2>; rel="next"` });
      res.end('[]');
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const evilClient = new GithubClient({
      token: 't0ken',
      baseUrl: `http://127.0.0.1:${(evil.address() as AddressInfo).port}`,
    });
    try {
      await expect(evilClient.listIssueComments(REPO, 1)).rejects.toThrow(/pagination pointed to another origin/);
      expect(hits).toBe(0);
    } finally {
      evil.close();
      other.close();
    }
  });

  it('works under a GitHub Enterprise Server API path and rejects malformed repository names', async () => {
    const ghes = new GithubClient({ token: github.token, baseUrl: `${github.url}/api/v3/` });
    await ghes.listIssueComments(REPO, 2).catch(() => undefined);
    expect(github.requests.at(-1)!.path).toBe('/api/v3/repos/partner/accounts/issues/2/comments');

    await expect(client.listIssueComments('not a repo', 1)).rejects.toThrow(
      '"not a repo" is not a repository name of the form owner/name',
    );
    expect(() => new GithubClient({ token: '' })).toThrow(/GITHUB_TOKEN is not set/);
  });
});
