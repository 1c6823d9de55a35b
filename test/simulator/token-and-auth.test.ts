import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/simulator.js';
import { PartnerCaller, basicAuth, callToken, mintToken } from './sim-harness.js';

const FORM = 'application/x-www-form-urlencoded';
let sim: Simulator;
afterEach(async () => {
  await sim.close();
});

function decodeJwtPart(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('token endpoint', () => {
  it('mints a JWT-shaped partner token for client credentials in the form body', async () => {
    sim = await startSimulator({ tokenTtlSeconds: 3600 });
    expect(sim.tokenUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/partners\/oauth2\/default\/v1\/token$/);
    const res = await callToken(sim, {
      headers: {
        authorization: basicAuth(sim.credentials.clientId, sim.credentials.clientSecret),
        'content-type': FORM,
      },
      body: 'grant_type=client_credentials&scope=v3api%2Fgeneral.partner',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'v3api/general.partner',
    });
    const parts = (res.body.access_token as string).split('.');
    expect(parts).toHaveLength(3);
    expect(decodeJwtPart(parts[0] as string)).toMatchObject({ alg: 'HS256', typ: 'JWT' });
    const claims = decodeJwtPart(parts[1] as string);
    expect(claims).toMatchObject({
      sub: sim.credentials.clientId,
      client_id: sim.credentials.clientId,
      token_use: 'access',
      scope: 'v3api/general.partner',
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
  });

  it('accepts grant_type as a query parameter with an empty body, as the legacy docs describe', async () => {
    sim = await startSimulator();
    const res = await callToken(sim, {
      query: '?grant_type=client_credentials',
      headers: {
        authorization: basicAuth(sim.credentials.clientId, sim.credentials.clientSecret),
        'content-type': FORM,
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('Bearer');
  });

  it('answers 415 without the form content type', async () => {
    sim = await startSimulator();
    const auth = basicAuth(sim.credentials.clientId, sim.credentials.clientSecret);
    const asJson = await callToken(sim, {
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: '{"grant_type":"client_credentials"}',
    });
    const none = await callToken(sim, { headers: { authorization: auth }, query: '?grant_type=client_credentials' });
    expect([asJson.status, none.status]).toEqual([415, 415]);
    expect(asJson.body.error).toBe('invalid_request');
  });

  it('answers 401 invalid_client for a wrong secret, an unknown client or no Basic auth', async () => {
    sim = await startSimulator();
    const body = 'grant_type=client_credentials';
    const wrongSecret = await callToken(sim, {
      headers: { authorization: basicAuth(sim.credentials.clientId, 'nope'), 'content-type': FORM },
      body,
    });
    const wrongClient = await callToken(sim, {
      headers: { authorization: basicAuth('other', sim.credentials.clientSecret), 'content-type': FORM },
      body,
    });
    const none = await callToken(sim, { headers: { 'content-type': FORM }, body });
    for (const res of [wrongSecret, wrongClient, none]) {
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
    }
  });

  it('answers 400 unsupported_grant_type when grant_type is missing or another grant', async () => {
    sim = await startSimulator();
    const headers = {
      authorization: basicAuth(sim.credentials.clientId, sim.credentials.clientSecret),
      'content-type': FORM,
    };
    const missing = await callToken(sim, { headers, body: '' });
    const other = await callToken(sim, { headers, body: 'grant_type=password' });
    for (const res of [missing, other]) {
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('unsupported_grant_type');
    }
  });

  it('answers 400 invalid_scope for a scope other than the partner scope, and 405 for GET', async () => {
    sim = await startSimulator();
    const headers = {
      authorization: basicAuth(sim.credentials.clientId, sim.credentials.clientSecret),
      'content-type': FORM,
    };
    const scope = await callToken(sim, { headers, body: 'grant_type=client_credentials&scope=contact_data' });
    expect(scope.status).toBe(400);
    expect(scope.body.error).toBe('invalid_scope');
    const get = await callToken(sim, { method: 'GET', headers });
    expect(get.status).toBe(405);
  });

  it('is not rate limited like the partner routes', async () => {
    sim = await startSimulator({ requestsPerSecond: 1, now: () => 0 });
    const tokens = await Promise.all([mintToken(sim), mintToken(sim), mintToken(sim)]);
    expect(new Set(tokens).size).toBe(3);
    expect(sim.stats.tokenRequests).toBe(3);
    expect(sim.stats.byOperation.token).toBe(3);
  });
});

describe('partner authentication', () => {
  it('accepts the token with and without the Bearer prefix', async () => {
    sim = await startSimulator({ requestsPerSecond: 0 });
    const api = new PartnerCaller(sim);
    const token = await mintToken(sim);
    const bearer = await api.call('GET', '/v3/partner/accounts', { authorization: `Bearer ${token}` });
    const raw = await api.call('GET', '/v3/partner/accounts', { authorization: token });
    expect([bearer.status, raw.status]).toEqual([200, 200]);
  });

  it('answers 401 with the single-object body when either header is missing or the token is not ours', async () => {
    sim = await startSimulator({ requestsPerSecond: 0 });
    const api = new PartnerCaller(sim);
    const token = await mintToken(sim);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = decodeJwtPart(payload);
    const longer = Buffer.from(JSON.stringify({ ...claims, exp: (claims.exp as number) + 999 })).toString('base64url');
    const forged = `${header}.${longer}.${signature}`;
    const cases = [
      await api.call('GET', '/v3/partner/accounts', { authorization: null }),
      await api.call('GET', '/v3/partner/accounts', { apiKey: null }),
      await api.call('GET', '/v3/partner/accounts', { authorization: 'Bearer not-a-jwt' }),
      await api.call('GET', '/v3/partner/accounts', { authorization: `Bearer ${forged}` }),
      await api.call('GET', '/v3/partner/accounts', {
        authorization: `Basic ${Buffer.from('sim-client-id:sim-partner-secret').toString('base64')}`,
      }),
    ];
    for (const res of cases) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error_key: 'unauthorized', error_message: 'Unauthorized' });
    }
  });

  it("answers 403 for a valid token with another application's API key", async () => {
    sim = await startSimulator({ requestsPerSecond: 0 });
    const res = await new PartnerCaller(sim).call('GET', '/v3/partner/accounts', { apiKey: 'someone-elses-key' });
    expect(res.status).toBe(403);
    expect(res.body.error_key).toBe('forbidden');
  });

  it('refuses a token once its TTL has passed, and a fresh token works again', async () => {
    let clock = Date.UTC(2026, 5, 1, 12);
    sim = await startSimulator({ tokenTtlSeconds: 2, now: () => clock, requestsPerSecond: 0 });
    const api = new PartnerCaller(sim);
    const token = await mintToken(sim);
    expect((await api.call('GET', '/v3/partner/accounts', { authorization: `Bearer ${token}` })).status).toBe(200);
    clock += 1999;
    expect((await api.call('GET', '/v3/partner/accounts', { authorization: `Bearer ${token}` })).status).toBe(200);
    clock += 1;
    const expired = await api.call('GET', '/v3/partner/accounts', { authorization: `Bearer ${token}` });
    expect(expired.status).toBe(401);
    expect(expired.body.error_key).toBe('unauthorized');
    const fresh = await mintToken(sim);
    expect((await api.call('GET', '/v3/partner/accounts', { authorization: `Bearer ${fresh}` })).status).toBe(200);
  });

  it('expireTokens() makes every issued token answer 401 until a new one is minted', async () => {
    sim = await startSimulator({ requestsPerSecond: 0 });
    const api = new PartnerCaller(sim);
    const token = await mintToken(sim);
    sim.expireTokens();
    expect((await api.call('GET', '/v3/partner/accounts', { authorization: `Bearer ${token}` })).status).toBe(401);
    const fresh = await mintToken(sim);
    expect((await api.call('GET', '/v3/partner/accounts', { authorization: fresh })).status).toBe(200);
  });

  it('checks authentication before routing and never logs secrets', async () => {
    const lines: string[] = [];
    sim = await startSimulator({ requestsPerSecond: 0, log: (line) => lines.push(line) });
    const api = new PartnerCaller(sim);
    const unknownUnauthenticated = await api.call('GET', '/v3/partner/nowhere', { authorization: null });
    expect(unknownUnauthenticated.status).toBe(401);
    const token = await mintToken(sim);
    await api.call('POST', '/v3/partner/accounts', {
      authorization: token,
      json: { login_name: 'secret_holder', password: 'Sup3r-Secret-Pw' },
    });
    const log = lines.join('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const secret of [sim.credentials.clientSecret, sim.credentials.apiKey, token, 'Sup3r-Secret-Pw', 'grant_type'])
      expect(log).not.toContain(secret);
  });
});
