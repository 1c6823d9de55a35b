import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseFaultSpec, startSimulator, type Simulator } from '../../src/simulator/simulator.js';
import { PartnerCaller, mintToken, provisionBody } from './sim-harness.js';

let sim: Simulator;
afterEach(async () => {
  await sim.close();
});

async function rawCreate(login: string): Promise<Response> {
  const token = await mintToken(sim);
  return fetch(`${sim.baseUrl}/partner/accounts`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'x-api-key': sim.credentials.apiKey,
      'content-type': 'application/json',
    },
    body: JSON.stringify(provisionBody(login)),
  });
}

describe('status faults', () => {
  it('fails the next K matching requests with a CTCT-shaped body, without acting', async () => {
    sim = await startSimulator({ requestsPerSecond: 0 });
    const api = new PartnerCaller(sim);
    sim.faults.add(parseFaultSpec('POST /v3/partner/accounts 500 x2'));
    const answers = [];
    for (let i = 0; i < 3; i++)
      answers.push(await api.call('POST', '/v3/partner/accounts', { json: provisionBody('hanks_fresh_fruit') }));
    expect(answers.map((a) => a.status)).toEqual([500, 500, 201]);
    expect(answers[0]?.body).toEqual([{ error_key: 'partner.api.internal_error', error_message: expect.any(String) }]);
    expect(sim.accounts()).toHaveLength(1);
    expect(sim.stats.byOperation.createAccount).toBe(3);
  });

  it('a 503 on a create is stored and provisioned later by default, as the spec says', async () => {
    let clock = Date.UTC(2026, 2, 14, 12);
    sim = await startSimulator({ requestsPerSecond: 0, provisionDelayMs: 5_000, now: () => clock });
    const api = new PartnerCaller(sim);
    sim.faults.add(parseFaultSpec('POST /v3/partner/accounts 503'));
    const first = await api.call('POST', '/v3/partner/accounts', { json: provisionBody('hanks_fresh_fruit') });
    expect(first.body).toEqual([
      {
        error_key: 'partner.api.service_unavailable',
        error_message: 'Our internal service is temporarily unavailable.',
      },
    ]);
    expect(sim.accounts()).toHaveLength(0);
    clock += 5_000;
    expect(sim.accounts()).toEqual([expect.objectContaining({ login_name: 'hanks_fresh_fruit' })]);
  });

  it('with create503 "nothing" a 503 on a create stores nothing', async () => {
    let clock = Date.UTC(2026, 2, 14, 12);
    sim = await startSimulator({
      requestsPerSecond: 0,
      provisionDelayMs: 5_000,
      create503: 'nothing',
      now: () => clock,
    });
    const api = new PartnerCaller(sim);
    sim.faults.add(parseFaultSpec('POST /v3/partner/accounts 503'));
    expect((await api.call('POST', '/v3/partner/accounts', { json: provisionBody('hanks_fresh_fruit') })).status).toBe(
      503,
    );
    clock += 60_000;
    expect(sim.accounts()).toHaveLength(0);
    expect((await api.call('POST', '/v3/partner/accounts', { json: provisionBody('hanks_fresh_fruit') })).status).toBe(
      201,
    );
    expect(sim.accounts()).toHaveLength(1);
  });

  it('matches by method and path regex, and leaves other requests alone', async () => {
    sim = await startSimulator({ requestsPerSecond: 0 });
    const api = new PartnerCaller(sim);
    const { encoded_account_id: id } = (
      await api.call('POST', '/v3/partner/accounts', { json: provisionBody('hanks_fresh_fruit') })
    ).body;
    sim.faults.add({ method: 'PUT', path: /\/plan$/, kind: 'status', status: 500 });
    expect((await api.call('GET', `/v3/partner/accounts/${id}/plan`)).status).toBe(200);
    const failed = await api.call('PUT', `/v3/partner/accounts/${id}/plan`, { json: { plan_type: 'GOLD' } });
    expect(failed.status).toBe(500);
    expect(failed.body[0].error_key).toBe('partner.api.internal_error');
    expect(sim.findByLogin('hanks_fresh_fruit')?.plan_type).toBe('TRIAL');
    expect((await api.call('PUT', `/v3/partner/accounts/${id}/plan`, { json: { plan_type: 'GOLD' } })).status).toBe(
      200,
    );
  });

  it(
    'matches {name} segments of a string path, answers ' + '429 with the throttled body, and takes a custom body',
    async () => {
      sim = await startSimulator({ requestsPerSecond: 0 });
      const api = new PartnerCaller(sim);
      const { encoded_account_id: id } = (
        await api.call('POST', '/v3/partner/accounts', { json: provisionBody('hanks_fresh_fruit') })
      ).body;
      sim.faults.add({ path: '/v3/partner/accounts/{id}/plan', kind: 'status', status: 429 });
      sim.faults.add({
        path: '/v3/partner/accounts',
        method: 'GET',
        kind: 'status',
        status: 502,
        body: [{ error_key: 'gateway', error_message: 'Bad gateway' }],
      });
      const throttled = await api.call('GET', `/v3/partner/accounts/${id}/plan`);
      expect(throttled.status).toBe(429);
      expect(throttled.body).toEqual({ error_key: 'throttled', error_message: 'Too Many Requests' });
      const custom = await api.call('GET', '/v3/partner/accounts');
      expect(custom.status).toBe(502);
      expect(custom.body).toEqual([{ error_key: 'gateway', error_message: 'Bad gateway' }]);
      expect(sim.stats.throttled).toBe(0);
    },
  );

  it('never touches the token endpoint unless the path names it; clear() removes every rule', async () => {
    sim = await startSimulator({ requestsPerSecond: 0 });
    const api = new PartnerCaller(sim);
    sim.faults.add({ kind: 'status', status: 500, times: Infinity });
    await api.authorization();
    expect((await api.call('GET', '/v3/partner/accounts')).status).toBe(500);
    expect((await api.call('GET', '/v3/partner/accounts')).status).toBe(500);
    sim.faults.clear();
    expect((await api.call('GET', '/v3/partner/accounts')).status).toBe(200);
    sim.faults.add(parseFaultSpec('POST /partners/oauth2/default/v1/token 503'));
    const res = await fetch(sim.tokenUrl, { method: 'POST' });
    expect(res.status).toBe(503);
    expect((await mintToken(sim)).split('.')).toHaveLength(3);
  });

  it('meets requests only after authentication: an unauthenticated request does not use the fault up', async () => {
    sim = await startSimulator({ requestsPerSecond: 0 });
    const api = new PartnerCaller(sim);
    sim.faults.add({ kind: 'status', status: 503 });
    expect((await api.call('GET', '/v3/partner/accounts', { authorization: null })).status).toBe(401);
    expect((await api.call('GET', '/v3/partner/accounts')).status).toBe(503);
  });
});

describe('connection faults', () => {
  it('drop: the client sees a socket error and nothing is stored', async () => {
    sim = await startSimulator({ requestsPerSecond: 0 });
    sim.faults.add({ method: 'POST', path: '/v3/partner/accounts', kind: 'drop' });
    await expect(rawCreate('hanks_fresh_fruit')).rejects.toThrow(TypeError);
    expect(sim.findByLogin('hanks_fresh_fruit')).toBeUndefined();
  });

  it('drop-after-store: the client sees a socket error, yet the account is stored; a retry gets 409', async () => {
    sim = await startSimulator({ requestsPerSecond: 0 });
    sim.faults.add(parseFaultSpec('POST /v3/partner/accounts drop-after-store'));
    const error = await rawCreate('hanks_fresh_fruit').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(((error as Error).cause as { code?: string } | undefined)?.code).toMatch(/ECONNRESET|UND_ERR_SOCKET/);
    expect(sim.findByLogin('hanks_fresh_fruit')).toMatchObject({ plan_type: 'TRIAL', billing_status: 'Trial' });
    const retry = await new PartnerCaller(sim).call('POST', '/v3/partner/accounts', {
      json: provisionBody('hanks_fresh_fruit'),
    });
    expect(retry.status).toBe(409);
  });
});

describe('provision-later', () => {
  it(
    'answers 503 and reserves nothing (a re-POST meanwhile makes ' +
      'a second account); the first appears when the delay has passed',
    async () => {
      let clock = Date.UTC(2026, 2, 14, 12);
      sim = await startSimulator({ requestsPerSecond: 0, provisionDelayMs: 60_000, now: () => clock });
      const api = new PartnerCaller(sim);
      sim.faults.add(parseFaultSpec('POST /v3/partner/accounts provision-later'));
      const first = await api.call('POST', '/v3/partner/accounts', { json: provisionBody('hanks_fresh_fruit') });
      expect(first.status).toBe(503);
      expect(Array.isArray(first.body)).toBe(true);
      expect(sim.findByLogin('hanks_fresh_fruit')).toBeUndefined();
      expect((await api.call('GET', '/v3/partner/accounts')).body.site_owner_list).toEqual([]);
      const again = await api.call('POST', '/v3/partner/accounts', { json: provisionBody('hanks_fresh_fruit') });
      expect(again.status).toBe(201);
      clock += 60_000;
      const listed = await api.call('GET', '/v3/partner/accounts');
      expect(listed.body.site_owner_list).toEqual([
        expect.objectContaining({
          site_owner_name: 'hanks_fresh_fruit',
          encoded_account_id: again.body.encoded_account_id,
        }),
        expect.objectContaining({ site_owner_name: 'hanks_fresh_fruit', billing_status: 'Trial' }),
      ]);
      expect(sim.accounts()).toHaveLength(2);
    },
  );

  it('the account appears after provisionDelayMs on the real clock too', async () => {
    sim = await startSimulator({ requestsPerSecond: 0, provisionDelayMs: 50 });
    const api = new PartnerCaller(sim);
    sim.faults.add({ kind: 'provision-later' });
    expect((await api.call('GET', '/v3/partner/accounts')).status).toBe(200);
    expect((await api.call('POST', '/v3/partner/accounts', { json: provisionBody('hanks_fresh_fruit') })).status).toBe(
      503,
    );
    await vi.waitFor(() => expect(sim.findByLogin('hanks_fresh_fruit')).toBeDefined(), { timeout: 5000, interval: 20 });
  });

  it('still validates: an invalid create answers 400 and reserves nothing', async () => {
    sim = await startSimulator({ requestsPerSecond: 0, provisionDelayMs: 60_000 });
    const api = new PartnerCaller(sim);
    sim.faults.add({ kind: 'provision-later' });
    expect((await api.call('POST', '/v3/partner/accounts', { json: provisionBody('bad') })).status).toBe(400);
    expect((await api.call('POST', '/v3/partner/accounts', { json: provisionBody('bad_but_longer') })).status).toBe(
      201,
    );
  });
});

describe('latency', () => {
  it('holds the response: a delayed request is overtaken by a later one', async () => {
    sim = await startSimulator({ requestsPerSecond: 0 });
    const api = new PartnerCaller(sim);
    const { encoded_account_id: id } = (
      await api.call('POST', '/v3/partner/accounts', { json: provisionBody('hanks_fresh_fruit') })
    ).body;
    sim.faults.add(parseFaultSpec('GET /v3/partner/accounts latency:300'));
    const order: string[] = [];
    const slow = api.call('GET', '/v3/partner/accounts').then((r) => order.push(`list ${r.status}`));
    await vi.waitFor(() => expect(sim.stats.byOperation.listAccounts).toBe(1));
    const fast = api.call('GET', `/v3/partner/accounts/${id}/plan`).then((r) => order.push(`plan ${r.status}`));
    await Promise.all([slow, fast]);
    expect(order).toEqual(['plan 200', 'list 200']);
    expect(sim.stats.maxInFlight).toBe(2);
  });

  it('combines with an outcome fault on the same request; both are used up', async () => {
    sim = await startSimulator({ requestsPerSecond: 0 });
    const api = new PartnerCaller(sim);
    sim.faults.add({ kind: 'latency', ms: 20 });
    sim.faults.add({ kind: 'status', status: 504 });
    const res = await api.call('GET', '/v3/partner/accounts');
    expect(res.status).toBe(504);
    expect(res.body[0].error_key).toBe('partner.api.gateway_timeout');
    expect((await api.call('GET', '/v3/partner/accounts')).status).toBe(200);
  });

  it('a response still held when the simulator closes is cut off', async () => {
    sim = await startSimulator({ requestsPerSecond: 0 });
    const api = new PartnerCaller(sim);
    await api.authorization();
    sim.faults.add({ kind: 'latency', ms: 600_000, times: Infinity });
    const held = api.call('GET', '/v3/partner/accounts').catch((e: unknown) => e);
    await vi.waitFor(() => expect(sim.stats.inFlight).toBe(1));
    await sim.close();
    expect(await held).toBeInstanceOf(TypeError);
  });
});
