import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface StoredComment {
  id: number;
  repo: string;
  issue_number: number;
  body: string;
  user: { login: string; type: string };
}

export interface StoredIssue {
  number: number;
  repo: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  state_reason: string | null;
  labels: string[];
  pull_request?: { url: string };
}

/** A GitHub REST API on loopback that keeps comments, issues and labels in memory. */
export interface FakeGithub {
  url: string;
  token: string;
  requests: RecordedRequest[];
  comments: StoredComment[];
  issues: StoredIssue[];
  labels: Map<string, Set<string>>;
  /** Largest page the server returns, whatever per_page asks. */
  pageSize: number;
  /** Answer the next request with this status and body instead. */
  failNext(status: number, body: unknown): void;
  addComment(repo: string, issueNumber: number, body: string, user?: string): StoredComment;
  addIssue(issue: Omit<StoredIssue, 'number' | 'state_reason'> & { state_reason?: string | null }): StoredIssue;
  commentsOn(repo: string, issueNumber: number): StoredComment[];
  /** Requests that changed something: POST, PATCH, DELETE. */
  writes(): RecordedRequest[];
  close(): Promise<void>;
}

const BODY_LIMIT = 65536;

export async function startFakeGithub(options: { token?: string; pageSize?: number } = {}): Promise<FakeGithub> {
  let nextCommentId = 1000;
  let nextIssueNumber = 1;
  let failure: { status: number; body: unknown } | null = null;

  const fake: FakeGithub = {
    url: '',
    token: options.token ?? 'ghs_faketoken0123456789',
    requests: [],
    comments: [],
    issues: [],
    labels: new Map(),
    pageSize: options.pageSize ?? 100,
    failNext(status, body) {
      failure = { status, body };
    },
    addComment(repo, issueNumber, body, user = 'github-actions[bot]') {
      const comment: StoredComment = {
        id: nextCommentId++,
        repo,
        issue_number: issueNumber,
        body,
        user: { login: user, type: user.endsWith('[bot]') ? 'Bot' : 'User' },
      };
      fake.comments.push(comment);
      return comment;
    },
    addIssue(issue) {
      const stored: StoredIssue = { state_reason: null, ...issue, number: nextIssueNumber++ };
      fake.issues.push(stored);
      return stored;
    },
    commentsOn(repo, issueNumber) {
      return fake.comments.filter((c) => c.repo === repo && c.issue_number === issueNumber).sort((a, b) => a.id - b.id);
    },
    writes() {
      return fake.requests.filter((r) => r.method !== 'GET');
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const commentJson = (c: StoredComment) => ({
    id: c.id,
    body: c.body,
    user: c.user,
    html_url: `https://github.com/${c.repo}/pull/${c.issue_number}#issuecomment-${c.id}`,
  });
  const issueJson = (i: StoredIssue) => ({
    number: i.number,
    title: i.title,
    body: i.body,
    state: i.state,
    state_reason: i.state_reason,
    html_url: `https://github.com/${i.repo}/issues/${i.number}`,
    labels: i.labels.map((name) => ({ name })),
    ...(i.pull_request ? { pull_request: i.pull_request } : {}),
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', fake.url);
    const raw = await readBody(req);
    const body = raw === '' ? undefined : (JSON.parse(raw) as Record<string, unknown>);
    fake.requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
    });

    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };
    if (failure) {
      const { status, body: failBody } = failure;
      failure = null;
      return send(status, failBody);
    }
    if (req.headers.authorization !== `Bearer ${fake.token}`) {
      return send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    }
    const tooLong = (text: unknown): boolean => typeof text === 'string' && text.length > BODY_LIMIT;
    const validation = (resource: string) =>
      send(422, {
        message: 'Validation Failed',
        errors: [
          {
            resource,
            code: 'custom',
            field: 'body',
            message: `body is too long (maximum is ${BODY_LIMIT} characters)`,
          },
        ],
        documentation_url: 'https://docs.github.com/rest',
      });
    const paginate = (items: unknown[]): void => {
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), fake.pageSize);
      const page = Number(url.searchParams.get('page') ?? 1);
      const slice = items.slice((page - 1) * perPage, page * perPage);
      const headers: Record<string, string> = {};
      if (page * perPage < items.length) {
        const next = new URL(url);
        next.searchParams.set('page', String(page + 1));
        headers.link =
          `<${next.toString()}>; rel="next", ` +
          `<${fake.url}${url.pathname}?page=${Math.ceil(items.length / perPage)}>; rel="last"`;
      }
      send(200, slice, headers);
    };

    const route = (pattern: RegExp) => pattern.exec(url.pathname);
    let m: RegExpExecArray | null;
    const method = req.method;

    if ((m = route(/^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/))) {
      const [repo, issueNumber] = [decodeURIComponent(m[1]!), Number(m[2])];
      if (method === 'GET') return paginate(fake.commentsOn(repo, issueNumber).map(commentJson));
      if (method === 'POST') {
        if (tooLong(body?.body)) return validation('IssueComment');
        return send(201, commentJson(fake.addComment(repo, issueNumber, String(body?.body ?? ''))));
      }
    }
    if ((m = route(/^\/repos\/([^/]+\/[^/]+)\/issues\/comments\/(\d+)$/))) {
      const comment = fake.comments.find((c) => c.repo === decodeURIComponent(m![1]!) && c.id === Number(m![2]));
      if (!comment) return send(404, { message: 'Not Found' });
      if (method === 'PATCH') {
        if (tooLong(body?.body)) return validation('IssueComment');
        comment.body = String(body?.body ?? '');
        return send(200, commentJson(comment));
      }
      if (method === 'DELETE') {
        fake.comments.splice(fake.comments.indexOf(comment), 1);
        return send(204);
      }
    }
    if ((m = route(/^\/repos\/([^/]+\/[^/]+)\/issues$/))) {
      const repo = decodeURIComponent(m[1]!);
      if (method === 'GET') {
        const state = url.searchParams.get('state') ?? 'open';
        const labels = url.searchParams.get('labels')?.split(',').filter(Boolean) ?? [];
        const found = fake.issues
          .filter(
            (i) =>
              i.repo === repo && (state === 'all' || i.state === state) && labels.every((l) => i.labels.includes(l)),
          )
          .sort((a, b) => b.number - a.number);
        return paginate(found.map(issueJson));
      }
      if (method === 'POST') {
        if (tooLong(body?.body)) return validation('Issue');
        const labels = (body?.labels as string[] | undefined) ?? [];
        for (const label of labels) labelsOf(repo).add(label);
        const issue = fake.addIssue({
          repo,
          title: String(body?.title),
          body: (body?.body as string) ?? null,
          state: 'open',
          labels,
        });
        return send(201, issueJson(issue));
      }
    }
    if ((m = route(/^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)$/))) {
      const issue = fake.issues.find((i) => i.repo === decodeURIComponent(m![1]!) && i.number === Number(m![2]));
      if (!issue) return send(404, { message: 'Not Found' });
      if (method === 'PATCH') {
        if (tooLong(body?.body)) return validation('Issue');
        if (typeof body?.title === 'string') issue.title = body.title;
        if (typeof body?.body === 'string') issue.body = body.body;
        if (body?.state === 'open' || body?.state === 'closed') issue.state = body.state;
        if (typeof body?.state_reason === 'string') issue.state_reason = body.state_reason;
        return send(200, issueJson(issue));
      }
    }
    if ((m = route(/^\/repos\/([^/]+\/[^/]+)\/labels\/([^/]+)$/)) && method === 'GET') {
      const name = decodeURIComponent(m[2]!);
      return labelsOf(decodeURIComponent(m[1]!)).has(name) ? send(200, { name }) : send(404, { message: 'Not Found' });
    }
    if ((m = route(/^\/repos\/([^/]+\/[^/]+)\/labels$/)) && method === 'POST') {
      const labels = labelsOf(decodeURIComponent(m[1]!));
      const name = String(body?.name);
      if (labels.has(name))
        return send(422, {
          message: 'Validation Failed',
          errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }],
        });
      labels.add(name);
      return send(201, { name, color: body?.color, description: body?.description });
    }
    send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  };

  const labelsOf = (repo: string): Set<string> => {
    let set = fake.labels.get(repo);
    if (!set) fake.labels.set(repo, (set = new Set()));
    return set;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `fake server error: ${String(error)}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
