import { describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import { startSimulator } from '../../src/simulator/simulator.js';
import { expectConformsToSpec, mintToken } from './sim-harness.js';

describe('measurement: seeding 10,000 accounts and paging through them', () => {
  it('lists every seeded account exactly once (the time is printed, not asserted)', async () => {
    const started = performance.now();
    const sim = await startSimulator({ seed: 10_000, requestsPerSecond: 0, dailyQuota: 0 });
    const seeded = performance.now();
    const token = await mintToken(sim);
    const origin = new URL(sim.baseUrl).origin;
    const headers = { authorization: `Bearer ${token}`, 'x-api-key': sim.credentials.apiKey };
    const ids: string[] = [];
    const bodies: unknown[] = [];
    let pages = 0;
    let next: string | undefined = '/v3/partner/accounts?limit=50';
    while (next) {
      const res = await fetch(`${origin}${next}`, { headers });
      const body = (await res.json()) as {
        site_owner_list: Array<{ encoded_account_id: string }>;
        _links?: { next?: { href: string } };
      };
      bodies.push(body);
      ids.push(...body.site_owner_list.map((o) => o.encoded_account_id));
      next = body._links?.next?.href;
      pages += 1;
    }
    const done = performance.now();
    console.log(
      `seed 10,000: ${(seeded - started).toFixed(1)} ms; token + page ${pages} ` +
        `pages: ${(done - seeded).toFixed(1)} ms; total ${(done - started).toFixed(1)} ms`,
    );
    expect(pages).toBe(200);
    for (const body of bodies) expectConformsToSpec('GET', '/v3/partner/accounts', 200, body);
    expect(new Set(ids).size).toBe(10_000);
    await sim.close();
  });
});
