import { Octokit } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { retry } from '@octokit/plugin-retry';
import { RequestError } from '@octokit/request-error';
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { OperationalError } from '../errors.js';
import { HEADER_SAFE } from '../ctct/ctct-client.js';
import { Redactor } from '../ctct/redact.js';

const DEFAULT_API_URL = 'https://api.github.com';
const PAGE_SIZE = 100;
/** Pages followed at most when listing; 100 per page, so 10,000 items. */
const MAX_PAGES = 100;

/** Connection settings of a GitHub client; `dispatcher` is the injected undici transport. */
export interface GithubClientOptions {
  token: string;
  /** GitHub REST API root, `GITHUB_API_URL` in Actions; GitHub Enterprise Server uses `https://HOST/api/v3`. */
  baseUrl?: string;
  dispatcher?: Dispatcher;
  userAgent?: string;
  /** Retries of a 5xx answer or a failed connection; default 2, after 1 and 4 × `retryBaseMs` (default 1 s). */
  retries?: number;
  retryBaseMs?: number;
}

/** An issue or pull-request comment, the fields this tool uses. */
export interface IssueComment {
  id: number;
  body: string;
  html_url: string;
  user: { login: string; type?: string } | null;
}

/** An issue, the fields this tool uses. */
export interface Issue {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  html_url: string;
  labels: Array<{ name: string }>;
  /** Present when the "issue" is a pull request: the issues endpoints list both. */
  pull_request?: unknown;
}

/** Fields that can change on an issue. */
export interface IssueUpdate {
  title?: string;
  body?: string;
  state?: 'open' | 'closed';
  state_reason?: 'completed' | 'not_planned' | 'reopened';
}

/** A GitHub API call that failed: the status (null when no response came) and GitHub's own message. */
export class GithubApiError extends OperationalError {
  readonly status: number | null;
  readonly method: string;
  /** Request URL; the token never appears in it. */
  readonly url: string;
  /** GitHub's `message`, with its `errors` details appended. */
  readonly githubMessage: string | null;
  readonly documentationUrl: string | null;

  constructor(init: {
    status: number | null;
    method: string;
    url: string;
    githubMessage: string | null;
    documentationUrl?: string | null;
    cause?: unknown;
  }) {
    const what = init.status === null ? 'no response' : `HTTP ${init.status}`;
    const detail = init.githubMessage ? `: ${init.githubMessage}` : '';
    super(`GitHub API ${init.method} ${init.url} failed (${what})${detail}`, { cause: init.cause });
    this.status = init.status;
    this.method = init.method;
    this.url = init.url;
    this.githubMessage = init.githubMessage;
    this.documentationUrl = init.documentationUrl ?? null;
  }
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

const GithubOctokit = Octokit.plugin(paginateRest, retry);

/**
 * The few GitHub REST calls this tool makes (issue comments and issues), on octokit: pagination
 * through Link headers, retries of 5xx and rate-limit answers. The token is sent only to the origin
 * of `baseUrl`, pagination links included, and never appears in an error.
 */
export class GithubClient {
  readonly #redactor: Redactor;
  readonly #base: URL;
  readonly #octokit: InstanceType<typeof GithubOctokit>;

  constructor(options: GithubClientOptions) {
    if (!options.token) throw new OperationalError('GITHUB_TOKEN is not set: the GitHub commands need a token');
    if (!HEADER_SAFE.test(options.token))
      throw new OperationalError(
        'GITHUB_TOKEN holds a character that cannot be sent in an HTTP header: only printable ASCII is allowed',
      );
    this.#redactor = new Redactor([options.token]);
    this.#base = new URL(`${(options.baseUrl ?? DEFAULT_API_URL).replace(/\/+$/, '')}/`);
    const dispatcher = options.dispatcher;
    const base = this.#base;
    this.#octokit = new GithubOctokit({
      baseUrl: base.href.replace(/\/$/, ''),
      userAgent: options.userAgent ?? 'ctct-gitops',
      // One transport, injected; and the token goes to no other origin, whatever a Link header says.
      request: {
        fetch: (input: string | URL, init?: RequestInit) => {
          const url = new URL(String(input));
          if (url.origin !== base.origin)
            throw new OperationalError(
              `GitHub API pagination pointed to another origin (${url.origin}); not sending the token there`,
            );
          return undiciFetch(url, { ...(init as object), ...(dispatcher && { dispatcher }) });
        },
      },
      // A 4xx is GitHub's answer, not a passing fault: never asked again.
      retry: {
        retries: options.retries ?? 2,
        retryAfterBaseValue: options.retryBaseMs ?? 1000,
        doNotRetry: [400, 401, 403, 404, 405, 409, 410, 422, 451],
      },
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
    const token = options.token;
    this.#octokit.hook.before('request', (request) => {
      request.headers.authorization = `Bearer ${token}`;
      request.headers['x-github-api-version'] = '2022-11-28';
      request.headers.accept = 'application/vnd.github+json';
    });
  }

  async listIssueComments(repo: string, issueNumber: number): Promise<IssueComment[]> {
    return this.#paginate<IssueComment>(`GET /repos/${repoPath(repo)}/issues/${issueNumber}/comments`, {});
  }

  async createIssueComment(repo: string, issueNumber: number, body: string): Promise<IssueComment> {
    return this.#call<IssueComment>('POST', `/repos/${repoPath(repo)}/issues/${issueNumber}/comments`, { body });
  }

  async updateIssueComment(repo: string, commentId: number, body: string): Promise<IssueComment> {
    return this.#call<IssueComment>('PATCH', `/repos/${repoPath(repo)}/issues/comments/${commentId}`, { body });
  }

  async deleteIssueComment(repo: string, commentId: number): Promise<void> {
    await this.#call<null>('DELETE', `/repos/${repoPath(repo)}/issues/comments/${commentId}`);
  }

  /** Issues (never pull requests) carrying every label given, newest first as GitHub lists them. */
  async listIssues(repo: string, filter: { labels?: string[]; state?: 'open' | 'closed' | 'all' }): Promise<Issue[]> {
    const query: Record<string, string> = { state: filter.state ?? 'open' };
    if (filter.labels?.length) query.labels = filter.labels.join(',');
    const items = await this.#paginate<Issue>(`GET /repos/${repoPath(repo)}/issues`, query);
    return items.filter((issue) => issue.pull_request === undefined);
  }

  /** Issues with this exact title and label; GitHub's search is not used because its index lags. */
  async findIssuesByTitle(
    repo: string,
    title: string,
    label: string,
    state: 'open' | 'closed' | 'all' = 'open',
  ): Promise<Issue[]> {
    const issues = await this.listIssues(repo, { labels: [label], state });
    return issues.filter((issue) => issue.title === title);
  }

  async createIssue(repo: string, issue: { title: string; body: string; labels?: string[] }): Promise<Issue> {
    return this.#call<Issue>('POST', `/repos/${repoPath(repo)}/issues`, issue);
  }

  async updateIssue(repo: string, issueNumber: number, update: IssueUpdate): Promise<Issue> {
    return this.#call<Issue>('PATCH', `/repos/${repoPath(repo)}/issues/${issueNumber}`, update);
  }

  async closeIssue(
    repo: string,
    issueNumber: number,
    reason: 'completed' | 'not_planned' = 'completed',
  ): Promise<Issue> {
    return this.updateIssue(repo, issueNumber, { state: 'closed', state_reason: reason });
  }

  /** Creates the label unless it exists, so a new repository needs no setup. */
  async ensureLabel(repo: string, label: { name: string; color: string; description?: string }): Promise<void> {
    try {
      await this.#call('GET', `/repos/${repoPath(repo)}/labels/${encodeURIComponent(label.name)}`);
      return;
    } catch (error) {
      if (!(error instanceof GithubApiError && error.status === 404)) throw error;
    }
    try {
      await this.#call('POST', `/repos/${repoPath(repo)}/labels`, label);
    } catch (error) {
      // 422 already_exists: another run created it in between.
      if (!(error instanceof GithubApiError && error.status === 422)) throw error;
    }
  }

  async #paginate<T>(route: string, query: Record<string, string>): Promise<T[]> {
    const items: T[] = [];
    let pages = 0;
    try {
      for await (const response of this.#octokit.paginate.iterator(route, { ...query, per_page: PAGE_SIZE })) {
        if (++pages > MAX_PAGES)
          throw new OperationalError(`GitHub API ${route}: more than ${MAX_PAGES} pages, giving up`);
        if (!Array.isArray(response.data))
          throw new GithubApiError({
            status: 200,
            method: 'GET',
            url: this.#redact(response.url),
            githubMessage: 'expected a JSON array',
          });
        items.push(...(response.data as T[]));
      }
    } catch (error) {
      throw this.#translate(error, 'GET', route);
    }
    return items;
  }

  async #call<T>(method: Method, path: string, body?: object): Promise<T> {
    try {
      const response = await this.#octokit.request(`${method} ${path}`, { ...(body !== undefined && { data: body }) });
      return (response.data ?? null) as T;
    } catch (error) {
      throw this.#translate(error, method, path);
    }
  }

  /** Every failure as one {@link GithubApiError} with GitHub's own message, the token redacted. */
  #translate(error: unknown, method: string, route: string): Error {
    if (error instanceof GithubApiError) return error;
    const url = this.#redact(
      error instanceof RequestError ? error.request.url : new URL(route.replace(/^([A-Z]+ )?\//, ''), this.#base).href,
    );
    if (error instanceof RequestError && error.response !== undefined) {
      const data: unknown = error.response.data;
      return new GithubApiError({
        status: error.status,
        method,
        url,
        githubMessage: this.#redact(
          githubMessageOf(data) ?? ((typeof data === 'string' && data.slice(0, 200)) || '(empty body)'),
        ),
        documentationUrl: isRecord(data) && typeof data.documentation_url === 'string' ? data.documentation_url : null,
      });
    }
    // No response: octokit wraps what fetch threw; our own refusal (another origin) speaks for itself.
    let cause: unknown = error instanceof RequestError ? error.cause : error;
    if (cause instanceof OperationalError) return cause;
    while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
    return new GithubApiError({
      status: null,
      method,
      url,
      githubMessage: this.#redact(cause instanceof Error ? cause.message : String(cause)),
    });
  }

  #redact(text: string): string {
    return this.#redactor.redact(text);
  }
}

/** Reads the standard Actions variables: GITHUB_TOKEN, GITHUB_API_URL. */
export function createGithubClientFromEnv(env: NodeJS.ProcessEnv, dispatcher?: Dispatcher): GithubClient {
  return new GithubClient({
    token: env.GITHUB_TOKEN ?? '',
    ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}),
    ...(dispatcher ? { dispatcher } : {}),
  });
}

function repoPath(repo: string): string {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repo);
  if (!match) throw new OperationalError(`"${repo}" is not a repository name of the form owner/name`);
  return `${encodeURIComponent(match[1]!)}/${encodeURIComponent(match[2]!)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** GitHub's `message`, plus the `errors` details a 422 carries. */
function githubMessageOf(body: unknown): string | null {
  if (!isRecord(body) || typeof body.message !== 'string') return null;
  const details = Array.isArray(body.errors)
    ? body.errors.map((e) =>
        isRecord(e)
          ? typeof e.message === 'string'
            ? e.message
            : [e.resource, e.field, e.code].filter(Boolean).join(' ')
          : String(e),
      )
    : [];
  return details.length ? `${body.message} (${details.join('; ')})` : body.message;
}
