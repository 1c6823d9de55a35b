import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CtctClient, HEADER_SAFE } from '../../src/ctct/ctct-client.js';
import { REDACTED, Redactor } from '../../src/ctct/redact.js';
import { GithubClient } from '../../src/github/github-client.js';
import { FAST_RETRY, onCleanup, provisionRequest, startTestSimulator } from '../ctct/sim-client.js';
import { runCli } from '../helpers/run-cli.js';
import { simulatorEnv } from '../helpers/simulator-env.js';
import { SECRET_SHAPES, secretForms } from './hostile-strings.js';

/**
 * Hostile corpus, secrets: each secret shape (quotes, backslashes, `%`, `+`, `/`, non-ASCII) as the
 * API key, the partner secret, an initial password and GITHUB_TOKEN, through every error path that
 * can carry it back: a server echoing the request in its error, the token endpoint echoing the Basic
 * credential, GitHub echoing the token. No form of any secret may reach a message, a log line, JSON or
 * an inspection of the error.
 */

const cases = { run: 0 };
afterAll(() => console.log(`[reliability] hostile secrets: ${cases.run} cases (secret shape × error path)`));

/** Every form of each secret that is in `text`, described without the value. */
function leaksIn(text: string, secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    for (const [form, value] of Object.entries(secretForms(secret)))
      if (text.includes(value)) found.push(`${name} (${form})`);
  }
  return found;
}

/**
 * An upstream that answers every request with an error quoting the request's headers, query and body, raw and as JSON.
 */
async function startEchoServer(status: number): Promise<string> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const echoed = `${req.method} ${req.url} headers ${JSON.stringify(req.headers)} body ${body}`;
      const text = JSON.stringify([
        { error_key: 'echo', error_message: echoed },
        { error_key: 'quoted', error_message: JSON.stringify(echoed) },
      ]);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function describeError(error: unknown): string {
  const e = error as Error;
  return [e.message, e.stack ?? '', JSON.stringify(e), inspect(e, { depth: Infinity })].join('\n');
}

describe('Redactor, every encoded form', () => {
  it.each(SECRET_SHAPES)('removes %j raw, JSON-escaped, URL-encoded and as base64 of id:secret', (secret) => {
    cases.run++;
    const redactor = new Redactor([secret]);
    redactor.addBasicCredential('client-id', secret);
    const forms = secretForms(secret, 'client-id');
    const text = Object.entries(forms)
      .map(([form, value]) => `${form}=<${value}>`)
      .join('\n');
    const out = redactor.redact(text);
    expect(leaksIn(out, { secret })).toEqual([]);
    // Each form was replaced in place; the text around it stays.
    for (const form of Object.keys(forms)) expect(out).toContain(`${form}=<${REDACTED}>`);
  });
});

describe('secrets echoed back by a hostile server', () => {
  it.each(SECRET_SHAPES)('CTCT API and token endpoint errors never carry %j in any form', async (shape) => {
    // An API key outside printable ASCII cannot be sent in a header: refused up front, naming the variable.
    const headerSafe = HEADER_SAFE.test(shape);
    const secrets = {
      apiKey: headerSafe ? `K${shape}` : 'K-ascii-key-1f9e',
      clientSecret: `S${shape}`,
      password: `P${shape}-Aa1`,
    };
    if (!headerSafe) {
      cases.run++;
      expect(
        () =>
          new CtctClient({
            baseUrl: 'https://api.cc.email/v3',
            tokenUrl: 'https://example.com/token',
            apiKey: `K${shape}`,
            clientId: 'c',
            clientSecret: 'secret',
          }),
      ).toThrow(/^the API key \(CTCT_API_KEY\) holds a character that cannot be sent in an HTTP header/);
    }
    const sim = await startTestSimulator({
      seed: 1,
      credentials: { apiKey: secrets.apiKey, clientId: 'hostile-client', clientSecret: secrets.clientSecret },
    });
    const echoApi = `${await startEchoServer(400)}/v3`;
    const echoToken = `${await startEchoServer(401)}/token`;
    const lines: string[] = [];
    const options = {
      baseUrl: sim.baseUrl,
      tokenUrl: sim.tokenUrl,
      apiKey: secrets.apiKey,
      clientId: 'hostile-client',
      clientSecret: secrets.clientSecret,
      retry: FAST_RETRY,
      requestsPerSecond: 0,
      log: (line: string) => lines.push(line),
    };
    const clients = [
      new CtctClient({ ...options, baseUrl: echoApi }),
      new CtctClient({ ...options, tokenUrl: echoToken }),
    ];
    const errors: unknown[] = [];
    const [echoingApi, echoingTokenEndpoint] = clients as [CtctClient, CtctClient];
    const calls = [
      () => echoingApi.createAccount(provisionRequest('hostile_echo', { password: secrets.password })),
      () => echoingApi.listAccounts(),
      () => echoingTokenEndpoint.listAccounts(),
    ];
    for (const call of calls)
      errors.push(
        await call().then(
          () => new Error('the call did not fail'),
          (e: unknown) => e,
        ),
      );
    for (const client of clients) await client.close();
    const output = [...lines, ...errors.map(describeError)].join('\n');
    cases.run += errors.length;
    expect(
      leaksIn(output, { ...secrets, basic: Buffer.from(`hostile-client:${secrets.clientSecret}`).toString('base64') }),
    ).toEqual([]);
    // The echoes did come back (redacted), so there was something to find.
    expect(output).toMatch(/POST \/partner\/accounts → 400: POST \/v3\/partner\/accounts headers/);
    expect(output).toContain(`"x-api-key":"${REDACTED}"`);
    expect(output).toContain(REDACTED);
  });

  it.each(SECRET_SHAPES)('GitHub errors never carry a GITHUB_TOKEN of %j in any form', async (shape) => {
    const token = `ghs_${shape}`;
    if (!HEADER_SAFE.test(token)) {
      cases.run++;
      expect(() => new GithubClient({ token })).toThrow(
        /^GITHUB_TOKEN holds a character that cannot be sent in an HTTP header/,
      );
      return;
    }
    const github = await startEchoServer(401);
    const client = new GithubClient({ token, baseUrl: github });
    const error = await client.createIssueComment('owner/repo', 1, 'body').then(
      () => new Error('the call did not fail'),
      (e: unknown) => e,
    );
    cases.run++;
    const output = describeError(error);
    expect(output).toMatch(/GitHub API POST .* failed/);
    expect(leaksIn(output, { token })).toEqual([]);
  });
});

describe('CLI spot check: apply report and output', () => {
  it(
    'an apply whose create is refused with every secret ' + 'echoed, JSON-escaped, leaks no form of any of them',
    async () => {
      const shape = 'q"uo\\te%2B+/é';
      const secrets = {
        apiKey: `K${shape.replace('é', 'e')}-key1`,
        clientSecret: `S${shape}-sec1`,
        password: `P${shape}-Aa1x`,
      };
      const sim = await startTestSimulator({
        credentials: { apiKey: secrets.apiKey, clientId: 'hostile-client', clientSecret: secrets.clientSecret },
      });
      const basic = Buffer.from(`hostile-client:${secrets.clientSecret}`).toString('base64');
      const echoed = Object.values(secrets)
        .map((s) => JSON.stringify(s))
        .join(' ');
      sim.faults.add({
        method: 'POST',
        path: '/v3/partner/accounts',
        kind: 'status',
        status: 400,
        body: [
          {
            error_key: 'echo',
            error_message:
              `rejected ${echoed} ${JSON.stringify(JSON.stringify(secrets))} ` +
              `${encodeURIComponent(secrets.password)} ${basic}`,
          },
        ],
      });
      const cwd = await mkdtemp(path.join(tmpdir(), 'ctct-hostile-secret-'));
      onCleanup(() => rm(cwd, { recursive: true, force: true }));
      await mkdir(path.join(cwd, '.git'));
      await mkdir(path.join(cwd, 'accounts'));
      await writeFile(
        path.join(cwd, 'accounts', 'a.yaml'),
        'login_name: hostile_secret\ncontact_email: a@example.com\ncountry_code: GB\npassword_env: HOSTILE_PASSWORD\n',
      );
      const result = await runCli(['apply', '--yes', '--report', 'report.json'], {
        cwd,
        env: simulatorEnv(sim, { HOSTILE_PASSWORD: secrets.password }),
      });
      cases.run += 3;
      expect(result.code, result.stdout + result.stderr).toBe(1);
      const report = await readFile(path.join(cwd, 'report.json'), 'utf8');
      // The echo reached the report, each secret replaced where it stood.
      const error = (JSON.parse(report) as { outcomes: Array<{ error: string }> }).outcomes[0]!.error;
      expect(error).toBe(
        'POST /partner/accounts → 400: rejected "[REDACTED]" "[REDACTED]" ' +
          '"[REDACTED]" ' +
          '"{\\"apiKey\\":\\"[REDACTED]\\",\\"clientSecret\\":\\"[REDACTED]\\",\\"password\\":\\"[REDACTED]\\"}" ' +
          '[REDACTED] [REDACTED] (echo)',
      );
      expect(leaksIn([result.stdout, result.stderr, report].join('\n'), { ...secrets, basic })).toEqual([]);
    },
  );
});
