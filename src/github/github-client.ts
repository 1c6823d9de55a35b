import { request, type Dispatcher } from 'undici';
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

/**
 * The few GitHub REST calls this tool makes: issue comments and issues.
 * The token is sent only to the origin of `baseUrl`, pagination links included.
 */
export class GithubClient {
  readonly #token: string;
  readonly #redactor: Redactor;
  readonly #base: URL;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #userAgent: string;

  constructor(options: GithubClientOptions) {
    if (!options.token) throw new OperationalError('GITHUB_TOKEN is not set: the GitHub commands need a token');
    if (!HEADER_SAFE.test(options.token)) throw new OperationalError('GITHUB_TOKEN holds a character that cannot be sent in an HTTP header: only printable ASCII is allowed');
    this.#token = options.token;
    this.#redactor = new Redactor([options.token]);
    const base = (options.baseUrl ?? DEFAULT_API_URL).replace(/\/+$/, '');
    this.#base = new URL(`${base}/`);
    this.#dispatcher = options.dispatcher;
    this.#userAgent = options.userAgent ?? 'ctct-gitops';
  }

  async listIssueComments(repo: string, issueNumber: number): Promise<IssueComment[]> {
    return this.#paginate<IssueComment>(`repos/${repoPath(repo)}/issues/${issueNumber}/comments`, {});
  }

  async createIssueComment(repo: string, issueNumber: number, body: string): Promise<IssueComment> {
    return this.#call<IssueComment>('POST', `repos/${repoPath(repo)}/issues/${issueNumber}/comments`, { body });
  }

  async updateIssueComment(repo: string, commentId: number, body: string): Promise<IssueComment> {
    return this.#call<IssueComment>('PATCH', `repos/${repoPath(repo)}/issues/comments/${commentId}`, { body });
  }

  async deleteIssueComment(repo: string, commentId: number): Promise<void> {
    await this.#call<null>('DELETE', `repos/${repoPath(repo)}/issues/comments/${commentId}`);
  }

  /** Issues (never pull requests) carrying every label given, newest first as GitHub lists them. */
  async listIssues(repo: string, filter: { labels?: string[]; state?: 'open' | 'closed' | 'all' }): Promise<Issue[]> {
    const query: Record<string, string> = { state: filter.state ?? 'open' };
    if (filter.labels?.length) query.labels = filter.labels.join(',');
    const items = await this.#paginate<Issue>(`repos/${repoPath(repo)}/issues`, query);
    return items.filter((issue) => issue.pull_request === undefined);
  }

  /** Issues with this exact title and label; GitHub's search is not used because its index lags. */
  async findIssuesByTitle(repo: string, title: string, label: string, state: 'open' | 'closed' | 'all' = 'open'): Promise<Issue[]> {
    const issues = await this.listIssues(repo, { labels: [label], state });
    return issues.filter((issue) => issue.title === title);
  }

  async createIssue(repo: string, issue: { title: string; body: string; labels?: string[] }): Promise<Issue> {
    return this.#call<Issue>('POST', `repos/${repoPath(repo)}/issues`, issue);
  }

  async updateIssue(repo: string, issueNumber: number, update: IssueUpdate): Promise<Issue> {
    return this.#call<Issue>('PATCH', `repos/${repoPath(repo)}/issues/${issueNumber}`, update);
  }

  async closeIssue(repo: string, issueNumber: number, reason: 'completed' | 'not_planned' = 'completed'): Promise<Issue> {
    return this.updateIssue(repo, issueNumber, { state: 'closed', state_reason: reason });
  }

  /** Creates the label unless it exists, so a new repository needs no setup. */
  async ensureLabel(repo: string, label: { name: string; color: string; description?: string }): Promise<void> {
    try {
      await this.#call('GET', `repos/${repoPath(repo)}/labels/${encodeURIComponent(label.name)}`);
      return;
    } catch (error) {
      if (!(error instanceof GithubApiError && error.status === 404)) throw error;
    }
    try {
      await this.#call('POST', `repos/${repoPath(repo)}/labels`, label);
    } catch (error) {
      // 422 already_exists: another run created it in between.
      if (!(error instanceof GithubApiError && error.status === 422)) throw error;
    }
  }

  async #paginate<T>(path: string, query: Record<string, string>): Promise<T[]> {
    let url: URL | null = this.#url(path, { ...query, per_page: String(PAGE_SIZE) });
    const items: T[] = [];
    for (let page = 0; url !== null; page++) {
      if (page >= MAX_PAGES) throw new OperationalError(`GitHub API ${path}: more than ${MAX_PAGES} pages, giving up`);
      const { data, link } = await this.#send<T[]>('GET', url);
      if (!Array.isArray(data)) throw this.#unexpected('GET', url, 'expected a JSON array');
      items.push(...data);
      url = this.#nextLink(link);
    }
    return items;
  }

  #nextLink(link: string | null): URL | null {
    const match = link?.split(',').map((part) => /<([^>]+)>\s*;\s*rel="?next"?/.exec(part)).find((m) => m !== null);
    if (!match) return null;
    const next = new URL(match[1]!, this.#base);
    if (next.origin !== this.#base.origin) {
      throw new OperationalError(`GitHub API pagination pointed to another origin (${next.origin}); not sending the token there`);
    }
    return next;
  }

  async #call<T>(method: Method, path: string, body?: unknown): Promise<T> {
    return (await this.#send<T>(method, this.#url(path, {}), body)).data;
  }

  #url(path: string, query: Record<string, string>): URL {
    const url = new URL(path, this.#base);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    return url;
  }

  async #send<T>(method: Method, url: URL, body?: unknown): Promise<{ data: T; link: string | null }> {
    const headers: Record<string, string> = {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${this.#token}`,
      'user-agent': this.#userAgent,
      'x-github-api-version': '2022-11-28',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const shownUrl = this.#redact(url.toString());
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}),
      });
    } catch (error) {
      const reason = error instanceof Error ? this.#redact(error.message) : 'unknown error';
      throw new GithubApiError({ status: null, method, url: shownUrl, githubMessage: reason });
    }
    const text = await response.body.text();
    const parsed = parseJson(text);
    if (response.statusCode >= 400) {
      throw new GithubApiError({
        status: response.statusCode,
        method,
        url: shownUrl,
        githubMessage: this.#redact(githubMessageOf(parsed) ?? (text.slice(0, 200) || '(empty body)')),
        documentationUrl: isRecord(parsed) && typeof parsed.documentation_url === 'string' ? parsed.documentation_url : null,
      });
    }
    if (text !== '' && parsed === undefined) throw this.#unexpected(method, url, 'the response is not JSON');
    const link = response.headers.link;
    return { data: (parsed ?? null) as T, link: typeof link === 'string' ? link : null };
  }

  #unexpected(method: Method, url: URL, what: string): GithubApiError {
    return new GithubApiError({ status: 200, method, url: this.#redact(url.toString()), githubMessage: what });
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

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** GitHub's `message`, plus the `errors` details a 422 carries. */
function githubMessageOf(body: unknown): string | null {
  if (!isRecord(body) || typeof body.message !== 'string') return null;
  const details = Array.isArray(body.errors)
    ? body.errors.map((e) => (isRecord(e) ? (typeof e.message === 'string' ? e.message : [e.resource, e.field, e.code].filter(Boolean).join(' ')) : String(e)))
    : [];
  return details.length ? `${body.message} (${details.join('; ')})` : body.message;
}
