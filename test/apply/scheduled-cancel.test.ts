import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { computeTextWithCancelRequested } from '../../src/accounts/write-cancel-requested.js';
import { computePlan } from '../../src/plan/compute-plan.js';
import { desiredAccount, liveAccount as liveListed, liveState, planOptions } from '../plan/plan-fixtures.js';
import { liveAccount, makeWorkspace, planDetailed, readText, runAgainst, startTestSim } from './apply-harness.js';

const FUTURE = '2099-01-01T00:00:00.000Z';
const REQUESTED = '2026-11-20T10:00:00.000Z';

describe('a cancellation that takes effect later', () => {
  const live = liveState([liveListed('a07e1sched', 'Open')]);
  const cancelled = (cancel: { reason_id: number; effective_date?: string; requested_at?: string }) =>
    desiredAccount({ encoded_account_id: 'a07e1sched', status: 'cancelled', cancel });

  it('is planned once, then awaited until its effective date once apply recorded the request', () => {
    const fresh = computePlan([cancelled({ reason_id: 1, effective_date: FUTURE })], live, {
      ...planOptions(),
      now: REQUESTED,
    });
    expect(fresh.changes.map((change) => change.action)).toEqual(['cancel']);
    expect(fresh.changes[0]?.after).toEqual({ reason_id: 1, effective_date: FUTURE });

    const requested = computePlan(
      [cancelled({ reason_id: 1, effective_date: FUTURE, requested_at: REQUESTED })],
      live,
      { ...planOptions(), now: REQUESTED },
    );
    expect(requested.changes).toEqual([]);
  });

  it('is planned again when the effective date has passed and the account is still open', () => {
    const overdue = computePlan(
      [cancelled({ reason_id: 1, effective_date: '2026-11-21T00:00:00.000Z', requested_at: REQUESTED })],
      live,
      { ...planOptions(), now: '2026-11-23T00:00:00.000Z' },
    );
    expect(overdue.changes.map((change) => change.action)).toEqual(['cancel']);
    expect(overdue.changes[0]?.after).not.toHaveProperty('requested_at');
  });

  it('without an effective date, a recorded request does not stop a cancel', () => {
    const plan = computePlan([cancelled({ reason_id: 1, requested_at: REQUESTED })], live, {
      ...planOptions(),
      now: REQUESTED,
    });
    expect(plan.changes.map((change) => change.action)).toEqual(['cancel']);
  });
});

describe('computeTextWithCancelRequested', () => {
  it('adds requested_at as the last line of a block cancel: and keeps every other byte', () => {
    const text =
      '# leaving\nencoded_account_id: a07e1x\nstatus: cancelled\ncancel:\n' +
      '  reason_id: 12 # in-house\n  effective_date: "2099-01-01T00:00:00Z"\nprotect: false\n';
    expect(computeTextWithCancelRequested('a.yaml', text, REQUESTED)).toBe(
      '# leaving\nencoded_account_id: a07e1x\nstatus: cancelled\ncancel:\n' +
        '  reason_id: 12 # in-house\n  effective_date: "2099-01-01T00:00:00Z"\n' +
        `  requested_at: "${REQUESTED}"\nprotect: false\n`,
    );
  });

  it('keeps CRLF line endings and a last line without a newline', () => {
    const text = 'encoded_account_id: a07e1x\r\nstatus: cancelled\r\ncancel:\r\n    reason_id: 1';
    expect(computeTextWithCancelRequested('a.yaml', text, REQUESTED)).toBe(
      `${text}\r\n    requested_at: "${REQUESTED}"\r\n`,
    );
  });

  it('sets it in a flow mapping through the Document API', () => {
    const updated = computeTextWithCancelRequested(
      'a.yaml',
      'encoded_account_id: a07e1x\nstatus: cancelled\ncancel: { reason_id: 1 }\n',
      REQUESTED,
    );
    expect(parse(updated)).toEqual({
      encoded_account_id: 'a07e1x',
      status: 'cancelled',
      cancel: { reason_id: 1, requested_at: REQUESTED },
    });
    expect(updated.startsWith('encoded_account_id: a07e1x\nstatus: cancelled\n')).toBe(true);
  });

  it('refuses a file without a cancel: block', () => {
    expect(() => computeTextWithCancelRequested('a.yaml', 'encoded_account_id: a07e1x\n', REQUESTED)).toThrow(
      /no cancel: block/,
    );
  });
});

describe('apply of a scheduled cancellation (CLI against the simulator)', () => {
  it('cancels once, records the request in the file, and the next plan is empty until the date', async () => {
    const sim = await startTestSim({
      accounts: [
        liveAccount('a07e1later', 'later_leaver', {
          plan_type: 'GOLD',
          billing_status: 'Open',
          billing_day_of_month: 9,
        }),
      ],
    });
    const file =
      '# yaml-language-server: $schema=../schema/account.schema.json\nencoded_account_id: a07e1later\nplan:\n' +
      `  plan_type: GOLD\nstatus: cancelled\ncancel:\n  reason_id: 1 # cost\n  effective_date: "${FUTURE}"\n`;
    const cwd = await makeWorkspace({ 'accounts/later.yaml': file });

    const applied = await runAgainst(sim, cwd, ['apply', '--yes', '--report', 'report.json']);
    expect(applied.code).toBe(0);
    expect(sim.stats.byOperation['cancelAccount']).toBe(1);
    expect(sim.accounts()[0]?.billing_status).toBe('Open');
    const written = await readText(cwd, 'accounts/later.yaml');
    expect(written).toMatch(new RegExp(`^${escapeRegExp(file)}  requested_at: "\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z"\\n$`));
    expect(JSON.parse(await readText(cwd, 'report.json')).files_written).toEqual(['accounts/later.yaml']);
    expect(applied.stdout).toContain(
      'Written into 1 account file (commit it):\n  accounts/later.yaml: cancel.requested_at\n',
    );

    const plan = await planDetailed(sim, cwd);
    expect(plan.code).toBe(0);
    // Pending, not silently converged: every plan says the cancellation is still to take effect.
    expect(plan.stdout).toMatch(
      new RegExp(
        'accounts/later\\.yaml:\\d+:\\d+: cancellation pending: requested at \\S+, it ' +
          `takes effect on ${escapeRegExp(FUTURE)}; CTCT keeps the account open \\(Open\\)`,
      ),
    );
    const again = await runAgainst(sim, cwd, ['apply', '--yes']);
    expect(again.stdout).toContain('No changes');
    expect(sim.stats.byOperation['cancelAccount']).toBe(1);
  }, 60_000);
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
