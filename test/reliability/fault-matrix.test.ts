import { afterAll, describe, expect, it } from 'vitest';
import type { FaultRule } from '../../src/simulator/simulator.js';
import {
  cleanupAll,
  expectConverged,
  leaks,
  converge,
  makeRepo,
  startCanarySim,
  type FaultCounter,
} from './harness.js';

/**
 * The fault matrix, end to end: the real CLI against a fresh simulator and a fresh repository of
 * 10 accounts (7 creates, TRIAL and paid; 2 plan updates; 1 cancel) for every fault. After the
 * faulted apply, `apply --yes` is re-run until it exits 0 (at most 6 runs in all), then live state
 * must equal the files, with no duplicate account, no change lost, and each id written once.
 */

const THROTTLED = { error_key: 'throttled', error_message: 'Too Many Requests' };

interface Scenario {
  name: string;
  sim?: { tokenTtlSeconds?: number; provisionDelayMs?: number };
  faults: FaultRule[];
  settings?: Record<string, unknown>;
}

const SCENARIOS: Scenario[] = [
  { name: 'no fault (baseline)', faults: [] },
  { name: '429 storm (15 throttled answers)', faults: [{ kind: 'status', status: 429, body: THROTTLED, times: 15 }] },
  {
    name: '500/503 bursts on GET and PUT',
    faults: [
      { method: 'GET', kind: 'status', status: 500, times: 3 },
      { method: 'PUT', kind: 'status', status: 503, times: 4 },
      { method: 'PUT', path: /\/plan$/, kind: 'status', status: 500, times: 2 },
    ],
  },
  {
    name: 'connections dropped before acting on GET and PUT',
    faults: [
      { method: 'GET', kind: 'drop', times: 2 },
      { method: 'PUT', kind: 'drop', times: 3 },
    ],
  },
  {
    name: 'connection dropped before a create was stored',
    faults: [{ method: 'POST', path: '/v3/partner/accounts', kind: 'drop', times: 2 }],
  },
  {
    name: 'connection dropped after a create was stored',
    faults: [{ method: 'POST', path: '/v3/partner/accounts', kind: 'drop-after-store', times: 2 }],
  },
  {
    name: '503 creates provisioned later',
    sim: { provisionDelayMs: 800 },
    faults: [{ method: 'POST', path: '/v3/partner/accounts', kind: 'provision-later', times: 2 }],
  },
  {
    name: 'token expiry every 2 s',
    sim: { tokenTtlSeconds: 2 },
    // 250 ms per request at 5 requests per second: the run lasts several token lifetimes.
    faults: [{ kind: 'latency', ms: 250, times: Infinity }],
    settings: { requests_per_second: 5 },
  },
  { name: 'latency 50 ms on everything', faults: [{ kind: 'latency', ms: 50, times: Infinity }] },
  {
    name: 'mixed: 429s, a 500 create, a dropped create and 503 PUTs',
    sim: { provisionDelayMs: 500 },
    faults: [
      { kind: 'status', status: 429, body: THROTTLED, times: 5 },
      { method: 'POST', path: '/v3/partner/accounts', kind: 'status', status: 500, times: 1 },
      { method: 'POST', path: '/v3/partner/accounts', kind: 'drop-after-store', times: 1 },
      { method: 'PUT', kind: 'status', status: 503, times: 2 },
    ],
  },
];

const tally = { scenarios: 0, faultsInjected: 0, applyRuns: 0, duplicates: 0, lost: 0, idProblems: 0 };

afterAll(async () => {
  await cleanupAll();
  console.log(
    `[reliability] fault-matrix: ${tally.scenarios} scenarios, ${tally.faultsInjected} ` +
      `faults injected, ${tally.applyRuns} apply runs, ` +
      `${tally.duplicates} duplicates, ${tally.lost} changes ` +
      `lost, ${tally.idProblems} id write-back problems, ${leaks.length} leaks`,
  );
});

describe('fault matrix: apply converges without duplicates or lost changes', () => {
  for (const scenario of SCENARIOS) {
    it(scenario.name, async () => {
      const counter: FaultCounter = { injected: 0 };
      const sim = await startCanarySim({ ...scenario.sim }, counter);
      const repo = await makeRepo(sim, undefined, scenario.settings);
      const tokensBefore = sim.stats.tokenRequests;
      for (const fault of scenario.faults) sim.faults.add(fault);

      const runs = await converge(repo);
      tally.scenarios++;
      tally.applyRuns += runs.length;
      tally.faultsInjected +=
        counter.injected +
        (scenario.sim?.tokenTtlSeconds !== undefined
          ? Math.max(0, sim.stats.tokenRequests - tokensBefore - runs.length)
          : 0);
      sim.faults.clear();
      if (process.env['RELY_VERBOSE'])
        for (const run of runs) console.log(`--- ${scenario.name}: exit ${run.code}\n${run.stdout}${run.stderr}`);

      const last = runs.at(-1)!;
      expect(
        last.code,
        `apply did not converge in ${runs.length} ` +
          `runs:\n${runs.map((r) => `exit ${r.code}\n${r.stdout}${r.stderr}`).join('\n---\n')}`,
      ).toBe(0);
      // Every exit is a contract code: a fault never crashes the CLI.
      for (const run of runs) {
        expect([0, 1]).toContain(run.code);
        expect(run.stderr).not.toMatch(/unexpected error/);
      }
      const findings = await expectConverged(repo);
      tally.duplicates += findings.duplicates.length;
      tally.lost += findings.lost.length;
      tally.idProblems += findings.idProblems.length;
      if (scenario.faults.some((fault) => fault.kind !== 'latency')) expect(counter.injected).toBeGreaterThan(0);
      if (scenario.sim?.tokenTtlSeconds !== undefined)
        expect(sim.stats.tokenRequests - tokensBefore).toBeGreaterThan(runs.length + 1);
    }, 120_000);
  }
});
