import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CreateOutcomeUnknownError, CtctApiError, parseCtctErrorBody } from '../../src/ctct/ctct-api-error.js';
import { createSimClient, onCleanup, provisionRequest, startTestSimulator } from './sim-client.js';

/** A bare node:http server standing in for CTCT where the simulator cannot show a behaviour (non-JSON bodies). */
async function startFakeApi(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`;
}

function answer(status: number, contentType: string, body: string, headers: Record<string, string> = {}) {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(status, { 'content-type': contentType, ...headers });
    res.end(body);
  };
}

describe('parseCtctErrorBody', () => {
  it('reads the documented array', () => {
    expect(
      parseCtctErrorBody('[{"error_key":"a.b","error_message":"one"},{"error_key":"c","error_message":"two"}]'),
    ).toEqual([
      { error_key: 'a.b', error_message: 'one' },
      { error_key: 'c', error_message: 'two' },
    ]);
  });

  it('reads a single object, as CTCT sends for 401 and 429', () => {
    expect(parseCtctErrorBody('{"error_key":"throttled","error_message":"Too Many Requests"}')).toEqual([
      { error_key: 'throttled', error_message: 'Too Many Requests' },
    ]);
  });

  it("reads OAuth2's error object from a token endpoint", () => {
    expect(
      parseCtctErrorBody('{"error":"invalid_client","error_description":"Client authentication failed."}'),
    ).toEqual([{ error_key: 'invalid_client', error_message: 'Client authentication failed.' }]);
  });

  it('keeps a short text body as the message and summarises HTML', () => {
    expect(parseCtctErrorBody('upstream  connect error\n')).toEqual([{ error_message: 'upstream connect error' }]);
    const html = '<html><body>502 Bad Gateway</body></html>';
    expect(parseCtctErrorBody(html)).toEqual([{ error_message: `non-JSON response of ${html.length} characters` }]);
  });

  it('gives no entries for an empty body and keeps unrecognised JSON as text', () => {
    expect(parseCtctErrorBody('  ')).toEqual([]);
    expect(parseCtctErrorBody('[]')).toEqual([]);
    expect(parseCtctErrorBody('{"unexpected":true}')).toEqual([{ error_message: '{"unexpected":true}' }]);
    expect(parseCtctErrorBody('"just a string"')).toEqual([{ error_message: 'just a string' }]);
  });
});

describe('CtctApiError from real responses', () => {
  it('builds the message from an array body', async () => {
    const sim = await startTestSimulator();
    const client = createSimClient(sim);

    const error = await client
      .createAccount(provisionRequest('bad', { contact_email: 'not-an-email', country_code: 'GB', state_code: 'MA' }))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CtctApiError);
    const apiError = error as CtctApiError;
    expect(apiError.status).toBe(400);
    expect(apiError.errors).toEqual([
      { error_key: 'partner.api.validation.error', error_message: 'login_name must be at least 6 characters long.' },
      { error_key: 'partner.api.validation.error', error_message: 'contact_email is not a valid email address.' },
      {
        error_key: 'partner.api.validation.error',
        error_message: 'state_code must be blank when country_code is neither US nor CA.',
      },
    ]);
    expect(apiError.errorKey).toBe('partner.api.validation.error');
    expect(apiError.message).toBe(
      'POST /partner/accounts → 400: login_name must be at least 6 characters long. ' +
        '(partner.api.validation.error); ' +
        'contact_email is not a valid email address. (partner.api.validation.error); ' +
        'state_code must be blank when country_code is neither US nor CA. (partner.api.validation.error)',
    );
    expect(client.calls.createAccount).toBe(1);
  });

  it('builds the message from a single-object body', async () => {
    const sim = await startTestSimulator({ seed: 1 });
    const client = createSimClient(sim);
    const id = sim.accounts()[0]!.encoded_account_id;
    sim.faults.add({ method: 'PUT', path: '/v3/partner/accounts/{id}/plan', kind: 'status', status: 403 });

    const error = await client.setPlan(id, { plan_type: 'GOLD' }).catch((e: unknown) => e);

    expect(error).toMatchObject({
      status: 403,
      errorKey: 'forbidden',
      errors: [{ error_key: 'forbidden', error_message: 'Forbidden' }],
    });
    expect((error as Error).message).toBe(
      `PUT /partner/accounts/${id}/plan → 403: Forbidden (forbidden); CTCT refused the API ` +
        'key: check that CTCT_API_KEY is the API key of your technology-partner V3 application ' +
        '(the one the partner credentials belong to) and that the application is active',
    );
  });

  it('builds the message from a plain-text body', async () => {
    const sim = await startTestSimulator();
    const baseUrl = await startFakeApi(answer(400, 'text/plain', 'Request rejected by the edge proxy'));
    const client = createSimClient(sim, { baseUrl });

    const error = await client.listAccounts().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CtctApiError);
    expect(error).toMatchObject({
      status: 400,
      errorKey: undefined,
      response: { body: 'Request rejected by the edge proxy' },
    });
    expect((error as Error).message).toBe('GET /partner/accounts?limit=50 → 400: Request rejected by the edge proxy');
  });

  it('summarises an HTML body and says so when the body is empty', async () => {
    const sim = await startTestSimulator();
    const page = '<html><body><h1>Not Found</h1></body></html>';
    const htmlUrl = await startFakeApi(answer(404, 'text/html', page));
    const emptyUrl = await startFakeApi(answer(404, 'application/json', ''));

    const html = await createSimClient(sim, { baseUrl: htmlUrl })
      .getPlan('a07e1abc')
      .catch((e: unknown) => e);
    const empty = await createSimClient(sim, { baseUrl: emptyUrl })
      .getPlan('a07e1abc')
      .catch((e: unknown) => e);

    expect((html as Error).message).toBe(
      `GET /partner/accounts/a07e1abc/plan → 404: non-JSON response of ${page.length} characters`,
    );
    expect((empty as Error).message).toBe(
      'GET /partner/accounts/a07e1abc/plan → 404: no error details in the response body',
    );
    expect(empty).toMatchObject({ errors: [], errorKey: undefined });
  });

  it('refuses a successful response that is not JSON or not the documented shape', async () => {
    const sim = await startTestSimulator();
    const textUrl = await startFakeApi(answer(200, 'text/plain', 'OK'));
    const shapeUrl = await startFakeApi(answer(200, 'application/json', '{"accounts":[]}'));

    const text = await createSimClient(sim, { baseUrl: textUrl })
      .getPlan('a07e1abc')
      .catch((e: unknown) => e);
    const shape = await createSimClient(sim, { baseUrl: shapeUrl })
      .listAccounts()
      .catch((e: unknown) => e);

    expect((text as Error).message).toBe('GET /partner/accounts/a07e1abc/plan → 200: the response body is not JSON');
    expect((shape as Error).message).toBe(
      'GET /partner/accounts?limit=50 → 200: the response has no site_owner_list of accounts',
    );
  });

  it('treats a successful create without an account id as an unknown outcome', async () => {
    const sim = await startTestSimulator();
    const baseUrl = await startFakeApi(answer(201, 'application/json', '{}'));
    const client = createSimClient(sim, { baseUrl });

    const error = await client.createAccount(provisionRequest('created_without_id')).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CreateOutcomeUnknownError);
    expect(error).toMatchObject({ status: 201, loginName: 'created_without_id' });
    expect(client.calls.createAccount).toBe(1);
  });

  it('does not follow a next link to another origin', async () => {
    const sim = await startTestSimulator();
    const page = {
      site_owner_list: [],
      _links: { next: { href: 'http://elsewhere.invalid/v3/partner/accounts?offset=MTA*' } },
    };
    const baseUrl = await startFakeApi(answer(200, 'application/json', JSON.stringify(page)));
    const client = createSimClient(sim, { baseUrl });

    const error = await client.listAccounts().catch((e: unknown) => e);

    expect((error as Error).message).toBe('GET /partner/accounts?limit=50 → 200: _links.next leaves the API origin');
    expect(client.calls.listAccounts).toBe(1);
  });

  it('waits as long as Retry-After asks, and gives up on one longer than a minute', async () => {
    const sim = await startTestSimulator();
    let served = 0;
    const baseUrl = await startFakeApi((req, res) => {
      served++;
      if (served === 1) return answer(503, 'application/json', '[]', { 'retry-after': '1' })(req, res);
      if (served === 2)
        return answer(200, 'application/json', '{"plan_type":"GOLD","billing_status":"Open"}')(req, res);
      return answer(503, 'application/json', '[]', { 'retry-after': '120' })(req, res);
    });
    const client = createSimClient(sim, { baseUrl, retry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 5 } });

    const started = Date.now();
    await expect(client.getPlan('a07e1abc')).resolves.toMatchObject({ plan_type: 'GOLD' });
    // A lower bound only: the backoff alone (≤ 5 ms) could not have taken this long.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    await expect(client.getPlan('a07e1abc')).rejects.toMatchObject({ status: 503 });
    expect(client.calls.getPlan).toBe(3);
  });
});
