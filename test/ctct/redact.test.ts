import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { Agent, type Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { CtctClient } from '../../src/ctct/ctct-client.js';
import { REDACTED, Redactor } from '../../src/ctct/redact.js';
import { FAST_RETRY, onCleanup, provisionRequest, startTestSimulator } from './sim-client.js';

const API_KEY = 'CANARY-APIKEY-1f9';
const CLIENT_ID = 'canary-client-id';
const SECRET = 'CANARY-SECRET-77x';
const WRONG_SECRET = 'CANARY-WRONGSECRET-3z';
const PASSWORD = 'CANARY-PASSWORD-5k';

describe('Redactor', () => {
  it('replaces registered secrets, longest first, and keeps the rest of the text', () => {
    const redactor = new Redactor(['abc', 'abcdef', undefined, '']);
    expect(redactor.redact('x abcdef y abc z')).toBe(`x ${REDACTED} y ${REDACTED} z`);
  });

  it('replaces secrets added later and anything shaped like a JWT', () => {
    const redactor = new Redactor();
    redactor.add('late-secret');
    expect(redactor.redact('a late-secret b eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl c')).toBe(
      `a ${REDACTED} b ${REDACTED} c`,
    );
  });

  it('replaces passwords in JSON and form text, and credential header values', () => {
    const redactor = new Redactor();
    expect(redactor.redact('{"login_name":"x","password":"p\\"w"}')).toBe(
      `{"login_name":"x","password":"${REDACTED}"}`,
    );
    expect(redactor.redact('user=x&password=hunter2&b=1')).toBe(`user=x&password=${REDACTED}&b=1`);
    expect(redactor.redact('Authorization: Bearer abc.def x-api-key=k1 rest')).toBe(
      `Authorization: ${REDACTED} x-api-key=${REDACTED} rest`,
    );
  });

  it('redacts credential headers whatever their value', () => {
    const redactor = new Redactor(['s3cret']);
    expect(
      redactor.redactHeaders({
        Authorization: 'anything',
        'x-api-key': 'k',
        'x-note': 'has s3cret',
        skipped: undefined,
      }),
    ).toEqual({
      Authorization: REDACTED,
      'x-api-key': REDACTED,
      'x-note': `has ${REDACTED}`,
    });
  });
});

/** Records every Authorization header the client sends, so the test knows the JWTs to look for. */
function recordAuthorization(agent: Agent, seen: Set<string>): Dispatcher {
  return agent.compose((dispatch) => (options, handler) => {
    const headers = options.headers as Record<string, string> | undefined;
    const value = headers?.authorization;
    if (value) seen.add(value.replace(/^(Bearer|Basic) /, ''));
    return dispatch(options, handler);
  });
}

describe('secrets in output', () => {
  it('never show up in log lines, messages, stacks, JSON or inspection of errors', async () => {
    const sim = await startTestSimulator({
      seed: 3,
      credentials: { apiKey: API_KEY, clientId: CLIENT_ID, clientSecret: SECRET },
    });
    // A hostile upstream that echoes the request's headers and body back in its error body.
    const echo = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const text = JSON.stringify([
          { error_key: 'echo', error_message: `headers ${JSON.stringify(req.headers)} body ${body}` },
        ]);
        res.writeHead(req.method === 'GET' ? 500 : 400, {
          'content-type': 'application/json',
          'x-echo-key': String(req.headers['x-api-key']),
        });
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise<void>((resolve) => echo.close(() => resolve())));
    const echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/v3`;

    const agent = new Agent();
    onCleanup(() => agent.close());
    const sent = new Set<string>();
    const dispatcher = recordAuthorization(agent, sent);
    const lines: string[] = [];
    const options = {
      baseUrl: sim.baseUrl,
      tokenUrl: sim.tokenUrl,
      apiKey: API_KEY,
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      retry: FAST_RETRY,
      requestsPerSecond: 0,
      dispatcher,
      log: (line: string) => lines.push(line),
    };
    const client = new CtctClient(options);
    const echoClient = new CtctClient({ ...options, baseUrl: echoUrl });
    const wrongClient = new CtctClient({ ...options, clientSecret: WRONG_SECRET });
    const id = sim.accounts()[0]!.encoded_account_id;

    sim.faults.add({
      method: 'GET',
      path: '/v3/partner/accounts/{id}/plan',
      kind: 'status',
      status: 400,
      body: [{ error_key: 'leak', error_message: `key ${API_KEY} secret ${SECRET} password=${PASSWORD}` }],
    });
    sim.faults.add({
      method: 'PUT',
      path: '/v3/partner/accounts/{id}/plan',
      kind: 'status',
      status: 401,
      times: Infinity,
    });
    sim.faults.add({ method: 'POST', path: '/v3/partner/accounts', kind: 'drop-after-store' });
    const failures = [
      client.getPlan(id),
      client.setPlan(id, { plan_type: 'GOLD' }),
      client.createAccount(provisionRequest('redaction_one', { password: PASSWORD })),
      echoClient.createAccount(provisionRequest('redaction_two', { password: PASSWORD })),
      echoClient.getPlan(id),
      wrongClient.listAccounts(),
    ];
    const errors = await Promise.all(
      failures.map((p) =>
        (p as Promise<unknown>).then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );
    await Promise.all([client.close(), echoClient.close(), wrongClient.close()]);

    expect(errors.every((e) => e instanceof Error)).toBe(true);
    const output = [
      ...lines,
      ...errors.flatMap((e) => [
        (e as Error).message,
        (e as Error).stack ?? '',
        JSON.stringify(e),
        inspect(e, { depth: Infinity }),
      ]),
    ].join('\n');
    const jwts = [...sent].filter((v) => v.startsWith('eyJ'));
    const basics = [...sent].filter((v) => !v.startsWith('eyJ'));
    expect(jwts.length).toBeGreaterThanOrEqual(2);
    expect(basics.length).toBe(2);
    for (const secret of [API_KEY, SECRET, WRONG_SECRET, PASSWORD, ...jwts, ...basics]) {
      expect(output, `output contains ${secret.slice(0, 12)}…`).not.toContain(secret);
    }
    // The echo really carried the credentials back, and the errors still say what happened.
    expect(output).toContain(`"x-api-key":"${REDACTED}"`);
    expect(output).toContain(`"password":"${REDACTED}"`);
    expect(output).toContain('POST /partner/accounts → 400: headers');
    expect(output).toContain(
      `GET /partner/accounts/${id}/plan → 400: key ${REDACTED} secret ${REDACTED} password=${REDACTED} (leak)`,
    );
  });
});
