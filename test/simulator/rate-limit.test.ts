import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/simulator.js';
import { PartnerCaller, provisionBody, type SimCall } from './sim-harness.js';

let sim: Simulator;
afterEach(async () => {
  await sim.close();
});

const THROTTLED = { error_key: 'throttled', error_message: 'Too Many Requests' };
const QUOTA = { error_key: 'quota_exceeded', error_message: 'Limit Exceeded' };

describe('per-second limit', () => {
  it('answers 429 throttled beyond the limit within one second, and accepts again once the window slides', async () => {
    let clock = Date.UTC(2026, 2, 14, 12);
    sim = await startSimulator({ requestsPerSecond: 4, now: () => clock });
    const api = new PartnerCaller(sim);
    await api.authorization();
    const burst = await Promise.all(Array.from({ length: 6 }, () => api.call('GET', '/v3/partner/accounts')));
    const statuses = burst.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    for (const r of burst.filter((b) => b.status === 429)) expect(r.body).toEqual(THROTTLED);
    expect(sim.stats.throttled).toBe(2);
    clock += 999;
    expect((await api.call('GET', '/v3/partner/accounts')).status).toBe(429);
    clock += 1;
    expect((await api.call('GET', '/v3/partner/accounts')).status).toBe(200);
  });

  it('throttles a quick burst on the real clock, and a throttled create is not executed', async () => {
    sim = await startSimulator({ requestsPerSecond: 2 });
    const api = new PartnerCaller(sim);
    await api.authorization();
    const results: SimCall[] = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api.call('POST', '/v3/partner/accounts', { json: provisionBody(`burst_client_${i}`) }),
      ),
    );
    const throttled = results.filter((r) => r.status === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(1);
    for (const r of throttled) expect(r.body).toEqual(THROTTLED);
    expect(sim.accounts()).toHaveLength(results.filter((r) => r.status === 201).length);
    expect(sim.stats.throttled).toBe(throttled.length);
  });

  it('does not limit the token endpoint, and 0 means unlimited', async () => {
    sim = await startSimulator({ requestsPerSecond: 0, now: () => 0 });
    const api = new PartnerCaller(sim);
    const results = await Promise.all(Array.from({ length: 20 }, () => api.call('GET', '/v3/partner/accounts')));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(sim.stats.acceptedAt).toHaveLength(20);
  });
});

describe('daily quota', () => {
  it(
    'answers 429 quota_exceeded once the quota is spent, ' + 'counts only accepted requests, and resets at 00:00 UTC',
    async () => {
      let clock = Date.UTC(2026, 2, 14, 23, 59);
      sim = await startSimulator({ requestsPerSecond: 0, dailyQuota: 3, now: () => clock });
      const api = new PartnerCaller(sim);
      const first = [];
      for (let i = 0; i < 3; i++) first.push((await api.call('GET', '/v3/partner/accounts')).status);
      expect(first).toEqual([200, 200, 200]);
      const over = await api.call('POST', '/v3/partner/accounts', { json: provisionBody('over_quota_client') });
      expect(over.status).toBe(429);
      expect(over.body).toEqual(QUOTA);
      expect(sim.accounts()).toEqual([]);
      expect((await api.call('GET', '/v3/partner/accounts')).body).toEqual(QUOTA);
      expect(sim.stats.quotaExceeded).toBe(2);
      clock = Date.UTC(2026, 2, 15, 0, 0);
      expect((await api.call('GET', '/v3/partner/accounts')).status).toBe(200);
    },
  );

  it('reports quota_exceeded before throttled when both apply', async () => {
    sim = await startSimulator({ requestsPerSecond: 1, dailyQuota: 1, now: () => 0 });
    const api = new PartnerCaller(sim);
    expect((await api.call('GET', '/v3/partner/accounts')).status).toBe(200);
    expect((await api.call('GET', '/v3/partner/accounts')).body).toEqual(QUOTA);
    expect(sim.stats.throttled).toBe(0);
  });
});
