/**
 * Apply never starts a write the daily quota it knows of cannot cover: the real CLI against a
 * simulator that enforces the same quota, and the per-UTC-day count in .ctct-gitops/daily-calls.json.
 */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DAILY_CALLS_FILE, readDailyCalls, writeDailyCalls } from '../../src/apply/daily-calls.js';
import { createFileText, liveAccount, makeTempDir, makeWorkspace, runAgainst, startTestSim } from './apply-harness.js';

interface Report {
  summary: object;
  outcomes: { login_name: string | null; action: string; status: string; error?: string }[];
}

describe('daily quota', () => {
  it('refuses before the first write the changes whose calls would pass what is left today, and runs the rest', {
    timeout: 60_000,
  }, async () => {
    // The simulator refuses (quota_exceeded) past 5 partner calls, as CTCT would.
    const sim = await startTestSim({ dailyQuota: 5, accounts: [liveAccount('a07e1exist01', 'existing_account')] });
    const cwd = await makeWorkspace({
      'ctct-gitops.yaml': 'daily_quota: 5\n',
      'accounts/a-gold.yaml': createFileText('alpha_gold', { plan: 'GOLD', day: 3 }), // POST + PUT plan: 2 calls
      'accounts/b-gold.yaml': createFileText('bravo_gold', { plan: 'GOLD', day: 3 }), // 2 calls
      'accounts/c-trial.yaml': createFileText('charlie_trial'), // POST only: 1 call
      'accounts/existing.yaml': 'encoded_account_id: a07e1exist01\nplan:\n  plan_type: BRONZE\n', // PUT plan: 1 call
    });
    const partnerCalls = () => sim.stats.requests - sim.stats.tokenRequests;

    // A plan reads one list page; the count is kept for the key.
    expect((await runAgainst(sim, cwd, ['plan'])).code).toBe(0);
    expect(partnerCalls()).toBe(1);
    // Apply reads the page again (2 made today): 3 left.
    // alpha fits (1 left), bravo does not, charlie does, the update does not.
    const apply = await runAgainst(sim, cwd, ['apply', '--yes', '--report', 'report.json']);
    expect(apply.code).toBe(1);
    const report = JSON.parse(await readFile(path.join(cwd, 'report.json'), 'utf8')) as Report;
    expect(report.summary).toEqual({ applied: 2, failed: 0, skipped: 2 });
    const outcome = (login: string) => report.outcomes.find((o) => o.login_name === login);
    expect(outcome('alpha_gold')?.status).toBe('applied');
    expect(outcome('charlie_trial')?.status).toBe('applied');
    expect(outcome('bravo_gold')).toMatchObject({
      status: 'skipped',
      error: [
        'not attempted: it needs 2 API calls and 1 of the daily quota of 5 are left',
        '(2 made today, UTC, with this API key; daily_quota in ctct-gitops.yaml); apply again after 00:00 UTC',
      ].join(' '),
    });
    expect(report.outcomes.find((o) => o.action === 'update')).toMatchObject({
      status: 'skipped',
      error: expect.stringMatching(/^not attempted: it needs 1 API call and 0 of the daily quota of 5 are left/),
    });
    expect(apply.stderr).toContain('daily quota: 2 changes not started');

    // Nothing was started that could not finish: CTCT never refused a call, bravo was never posted.
    expect(sim.stats.quotaExceeded).toBe(0);
    expect(sim.findByLogin('alpha_gold')).toMatchObject({ plan_type: 'GOLD' });
    expect(sim.findByLogin('charlie_trial')).toBeDefined();
    expect(sim.findByLogin('bravo_gold')).toBeUndefined();
    expect(sim.accounts().find((a) => a.encoded_account_id === 'a07e1exist01')?.plan_type).toBe('TRIAL');

    // The record holds every partner call this tool made today, under a fingerprint, never the key.
    expect(partnerCalls()).toBe(5);
    expect(await readDailyCalls(path.join(cwd, '.ctct-gitops'), sim.credentials.apiKey)).toBe(5);
    const record = await readFile(path.join(cwd, '.ctct-gitops', DAILY_CALLS_FILE), 'utf8');
    expect(record).not.toContain(sim.credentials.apiKey);
  });

  it('counts per API key and per UTC day: a count of an earlier day is no longer spent', async () => {
    const stateDir = path.join(await makeTempDir('ctct-quota-'), '.ctct-gitops');
    const late = new Date('2026-12-01T23:59:59.000Z');
    await writeDailyCalls(stateDir, 'key-one', 9_000, late);
    await writeDailyCalls(stateDir, 'key-one', 500, late);
    await writeDailyCalls(stateDir, 'key-two', 7, late);
    expect(await readDailyCalls(stateDir, 'key-one', late)).toBe(9_500);
    expect(await readDailyCalls(stateDir, 'key-two', late)).toBe(7);
    const nextDay = new Date('2026-12-02T00:00:00.000Z');
    expect(await readDailyCalls(stateDir, 'key-one', nextDay)).toBe(0);
    await writeDailyCalls(stateDir, 'key-one', 3, nextDay);
    expect(await readDailyCalls(stateDir, 'key-one', nextDay)).toBe(3);
    expect(await readDailyCalls(stateDir, 'key-two', nextDay)).toBe(0);
    expect(await readDailyCalls(path.join(tmpdir(), 'ctct-quota-missing'), 'key-one')).toBe(0);
  });
});
