import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Problem } from '../../src/errors.js';
import type { Change, DesiredAccount, DesiredSsoUser, LiveAccount, Plan } from '../../src/model.js';
import { applyCallsOf, computePlan, needsPlanRead } from '../../src/plan/compute-plan.js';
import { renderJson } from '../../src/render/render-json.js';
import { desiredAccount, liveAccount, livePlan, liveState, planOptions, reorder, ssoUser } from './plan-fixtures.js';

const ID = 'a07e1acct0001';

/** One account file against one live account (or none): the plan's changes and problems. */
function planOne(desired: DesiredAccount, live: LiveAccount | undefined): Plan {
  return computePlan([desired], liveState(live ? [live] : []), planOptions());
}

interface RuleCase {
  rule: string;
  desired: DesiredAccount;
  live?: LiveAccount;
  changes: Partial<Change>[];
  problems?: Partial<Problem>[];
}

const existing = (spec: Parameters<typeof desiredAccount>[0]) =>
  desiredAccount({ login_name: 'acme_widgets', encoded_account_id: ID, file: 'accounts/acme.yaml', ...spec });
const base = { login_name: 'acme_widgets', encoded_account_id: ID, file: 'accounts/acme.yaml', line: 1 };

const RULES: RuleCase[] = [
  {
    rule: 'a file without encoded_account_id on TRIAL is a create carrying its plan',
    desired: desiredAccount({
      login_name: 'new_trial',
      file: 'accounts/new-trial.yaml',
      commentLines: 2,
      extra: { contact_email: 'a@example.com', country_code: 'GB' },
    }),
    changes: [
      {
        action: 'create',
        login_name: 'new_trial',
        encoded_account_id: null,
        file: 'accounts/new-trial.yaml',
        line: 3,
        before: null,
        after: { contact_email: 'a@example.com', country_code: 'GB', plan_type: 'TRIAL' },
      },
    ],
  },
  {
    rule: 'a file without encoded_account_id on a paid plan is a create carrying that plan and billing day',
    desired: desiredAccount({
      login_name: 'new_paid',
      plan_type: 'GOLD',
      billing_day_of_month: 1,
      extra: { contact_email: 'b@example.com', country_code: 'US', state_code: 'MA' },
    }),
    changes: [
      {
        action: 'create',
        encoded_account_id: null,
        before: null,
        after: {
          contact_email: 'b@example.com',
          country_code: 'US',
          state_code: 'MA',
          plan_type: 'GOLD',
          billing_day_of_month: 1,
        },
      },
    ],
  },
  {
    rule: 'Trial listed and the file says TRIAL: nothing',
    desired: existing({ plan_type: 'TRIAL' }),
    live: liveAccount(ID, 'Trial'),
    changes: [],
  },
  {
    rule: 'Trial listed and the file says TRIAL by default (no plan block): nothing',
    desired: existing({}),
    live: liveAccount(ID, 'Trial'),
    changes: [],
  },
  {
    rule: 'Trial listed and the file is paid: update leaving TRIAL, with the billing day',
    desired: existing({ plan_type: 'SILVER', billing_day_of_month: 20 }),
    live: liveAccount(ID, 'Trial'),
    changes: [
      {
        ...base,
        action: 'update',
        before: { billing_status: 'Trial', plan_type: 'TRIAL', billing_day_of_month: null },
        after: { plan_type: 'SILVER', billing_day_of_month: 20 },
        assumed: { billing_status: 'Trial', plan_type: 'TRIAL', billing_day_of_month: null },
      },
    ],
  },
  {
    rule: 'Trial listed and the file is paid with a plan group: the group goes with the update',
    desired: existing({ plan_type: 'GOOD', plan_group_id: 12 }),
    live: liveAccount(ID, 'Trial'),
    changes: [{ ...base, action: 'update', after: { plan_type: 'GOOD', plan_group_id: 12 } }],
  },
  {
    rule: 'Open on the same paid plan and billing day: nothing',
    desired: existing({ plan_type: 'BRONZE', billing_day_of_month: 15 }),
    live: liveAccount(ID, 'Open', livePlan('BRONZE', 'Open', 15)),
    changes: [],
  },
  {
    rule: 'Open on the same paid plan, the file gives no billing day: nothing',
    desired: existing({ plan_type: 'BRONZE' }),
    live: liveAccount(ID, 'Open', livePlan('BRONZE', 'Open', 15)),
    changes: [],
  },
  {
    rule: 'Open on another paid plan: update without the billing day',
    desired: existing({ plan_type: 'GOLD', billing_day_of_month: 15 }),
    live: liveAccount(ID, 'Open', livePlan('BRONZE', 'Open', 15)),
    changes: [
      {
        ...base,
        action: 'update',
        before: { billing_status: 'Open', plan_type: 'BRONZE', billing_day_of_month: 15 },
        after: { plan_type: 'GOLD' },
        assumed: { billing_status: 'Open', plan_type: 'BRONZE', billing_day_of_month: 15 },
      },
    ],
  },
  {
    rule: 'a billing day that differs on a paid account is drift, never an update',
    desired: existing({ plan_type: 'BRONZE', billing_day_of_month: 1 }),
    live: liveAccount(ID, 'Open', livePlan('BRONZE', 'Open', 15)),
    changes: [
      {
        ...base,
        action: 'drift',
        before: { billing_day_of_month: 15 },
        after: { billing_day_of_month: 1 },
        reason: expect.stringMatching(
          /only when an account leaves TRIAL.*billing_day_of_month: 15/,
        ) as unknown as string,
      },
    ],
  },
  {
    rule: 'plan type and billing day both differ on a paid account: an update (no billing day) and a drift',
    desired: existing({ plan_type: 'SILVER', billing_day_of_month: 1 }),
    live: liveAccount(ID, 'Open', livePlan('BRONZE', 'Open', 15)),
    changes: [
      { ...base, action: 'update', after: { plan_type: 'SILVER' } },
      { ...base, action: 'drift', before: { billing_day_of_month: 15 }, after: { billing_day_of_month: 1 } },
    ],
  },
  {
    rule: 'a paid account (Open) whose file says TRIAL: a problem at plan.plan_type, no change',
    desired: existing({ plan_type: 'TRIAL' }),
    live: liveAccount(ID, 'Open'),
    changes: [],
    problems: [
      {
        file: 'accounts/acme.yaml',
        line: 4,
        col: 14,
        message: expect.stringMatching(/TRIAL is out of reach.*never returns an account to TRIAL/) as unknown as string,
      },
    ],
  },
  {
    rule: 'a paid account whose plan was read and whose file says TRIAL: a problem naming the live plan',
    desired: existing({ plan_type: 'TRIAL' }),
    live: liveAccount(ID, 'Active', livePlan('GOLD', 'Open', 3)),
    changes: [],
    problems: [{ line: 4, col: 14, message: expect.stringContaining('it is on GOLD') as unknown as string }],
  },
  {
    rule: 'Canceled with a paid file: reactivate',
    desired: existing({ plan_type: 'GOLD' }),
    live: liveAccount(ID, 'Canceled'),
    changes: [
      {
        ...base,
        action: 'reactivate',
        before: { billing_status: 'Canceled' },
        after: { plan_type: 'GOLD' },
        assumed: { billing_status: 'Canceled' },
      },
    ],
  },
  {
    rule: 'Canceled with a TRIAL file: a problem (reactivation needs a paid plan), no change',
    desired: existing({ plan_type: 'TRIAL' }),
    live: liveAccount(ID, 'Canceled'),
    changes: [],
    problems: [
      {
        file: 'accounts/acme.yaml',
        line: 4,
        col: 14,
        message: expect.stringContaining('reactivates an account only with a paid plan') as unknown as string,
      },
    ],
  },
  {
    rule: 'Canceled and the file says cancelled: nothing',
    desired: existing({ plan_type: 'SILVER', status: 'cancelled', cancel: { reason_id: 1 } }),
    live: liveAccount(ID, 'Canceled'),
    changes: [],
  },
  {
    rule: 'Open and the file says cancelled: cancel with the reason and effective date',
    desired: existing({
      plan_type: 'SILVER',
      status: 'cancelled',
      cancel: { reason_id: 12, effective_date: '2026-12-01T00:00:00Z' },
    }),
    live: liveAccount(ID, 'Open'),
    changes: [
      {
        ...base,
        action: 'cancel',
        before: { billing_status: 'Open' },
        after: { reason_id: 12, effective_date: '2026-12-01T00:00:00Z' },
        assumed: { billing_status: 'Open' },
      },
    ],
  },
  {
    rule: 'Trial and the file says cancelled: cancel (CTCT does not restrict cancel to paid accounts)',
    desired: existing({ status: 'cancelled', cancel: { reason_id: 3 } }),
    live: liveAccount(ID, 'Trial'),
    changes: [{ ...base, action: 'cancel', after: { reason_id: 3 } }],
  },
  {
    rule: 'create-only fields that differ from the live account never make a change',
    desired: existing({
      plan_type: 'BRONZE',
      billing_day_of_month: 15,
      extra: {
        organization_name: 'Acme Widgets Renamed',
        contact_email: 'new@example.com',
        country_code: 'GB',
        time_zone_id: 'Europe/London',
        gdpr_opt_out: true,
      },
    }),
    live: liveAccount(ID, 'Open', livePlan('BRONZE', 'Open', 15), 'Acme Widgets Ltd'),
    changes: [],
  },
  {
    rule: 'a plan group on a paid account on the same plan type is no change (it cannot be read back)',
    desired: existing({ plan_type: 'BRONZE', plan_group_id: 7 }),
    live: liveAccount(ID, 'Open', livePlan('BRONZE', 'Open', 15)),
    changes: [],
  },
  {
    rule: "'Trial End' listed, the plan read says TRIAL, the file says TRIAL: nothing",
    desired: existing({ plan_type: 'TRIAL' }),
    live: liveAccount(ID, 'Trial End', livePlan('TRIAL', 'Trial End', null)),
    changes: [],
  },
  {
    rule: "'Trial End' listed, the plan read says TRIAL, the file is paid: update with the billing day",
    desired: existing({ plan_type: 'BRONZE', billing_day_of_month: 9 }),
    live: liveAccount(ID, 'Trial End', livePlan('TRIAL', 'Trial End', null)),
    changes: [
      {
        ...base,
        action: 'update',
        before: { billing_status: 'Trial End', plan_type: 'TRIAL', billing_day_of_month: null },
        after: { plan_type: 'BRONZE', billing_day_of_month: 9 },
      },
    ],
  },
  {
    rule: "an unknown billing_status ('Active') is decided by the plan read: same plan, nothing",
    desired: existing({ plan_type: 'GOLD', billing_day_of_month: 3 }),
    live: liveAccount(ID, 'Active', livePlan('GOLD', 'Open', 3)),
    changes: [],
  },
  {
    rule: "an unknown billing_status ('Active') is decided by the plan read: other plan, update",
    desired: existing({ plan_type: 'SILVER' }),
    live: liveAccount(ID, 'Active', livePlan('GOLD', 'Open', 3)),
    changes: [
      {
        ...base,
        action: 'update',
        before: { billing_status: 'Open', plan_type: 'GOLD', billing_day_of_month: 3 },
        after: { plan_type: 'SILVER' },
      },
    ],
  },
  {
    rule: "an unknown billing_status ('Active') whose plan read says TRIAL: update with the billing day",
    desired: existing({ plan_type: 'SILVER', billing_day_of_month: 28 }),
    live: liveAccount(ID, 'Active', livePlan('TRIAL', 'Trial', null)),
    changes: [{ ...base, action: 'update', after: { plan_type: 'SILVER', billing_day_of_month: 28 } }],
  },
  {
    rule: 'a file whose encoded_account_id is not live: a problem at encoded_account_id, no change',
    desired: existing({ plan_type: 'GOLD' }),
    changes: [],
    problems: [
      {
        file: 'accounts/acme.yaml',
        line: 2,
        col: 21,
        message: expect.stringContaining(`"${ID}" is not a live account`) as unknown as string,
      },
    ],
  },
];

describe('computePlan: CTCT rules, one account at a time', () => {
  it.each(RULES)('$rule', ({ desired, live, changes, problems }) => {
    const plan = planOne(desired, live);
    expect(plan.changes).toHaveLength(changes.length);
    for (const [i, change] of changes.entries()) expect(plan.changes[i]).toMatchObject(change);
    expect(plan.problems).toHaveLength(problems?.length ?? 0);
    for (const [i, problem] of (problems ?? []).entries()) expect(plan.problems[i]).toMatchObject(problem);
    // A change that is only reported, or none at all, is never applied.
    const applied = plan.changes.filter((change) => change.action !== 'drift' && change.action !== 'orphan').length;
    expect(plan.summary.create + plan.summary.update + plan.summary.reactivate + plan.summary.cancel).toBe(applied);
  });

  it('never PUTs TRIAL: no change of any account ever has TRIAL as its target unless it is a create', () => {
    const plans = RULES.map(({ desired, live }) => planOne(desired, live));
    const targets = plans
      .flatMap((plan) => plan.changes)
      .filter(
        (change) =>
          (change.action === 'update' || change.action === 'reactivate') && change.after.plan_type === 'TRIAL',
      );
    expect(targets).toEqual([]);
    expect(plans.length).toBe(RULES.length);
  });
});

describe('computePlan: API calls', () => {
  it('counts 1 apply call for a TRIAL create and 2 for a paid create (POST, then PUT plan)', () => {
    const trial = planOne(desiredAccount({ login_name: 'new_trial' }), undefined);
    const paid = planOne(desiredAccount({ login_name: 'new_paid', plan_type: 'BRONZE' }), undefined);
    expect([trial.api.apply_calls, paid.api.apply_calls]).toEqual([1, 2]);
    expect(applyCallsOf(trial.changes[0] as Change)).toBe(1);
    expect(applyCallsOf(paid.changes[0] as Change)).toBe(2);
  });

  it('sums apply calls (drift and orphans cost none), passes read calls through and times them at the rate', () => {
    const desired = [
      desiredAccount({ login_name: 'new_trial' }),
      desiredAccount({ login_name: 'new_paid', plan_type: 'GOLD' }),
      desiredAccount({
        login_name: 'upgrade',
        encoded_account_id: 'a07e1up',
        plan_type: 'SILVER',
        billing_day_of_month: 2,
      }),
      desiredAccount({
        login_name: 'leaving',
        encoded_account_id: 'a07e1bye',
        status: 'cancelled',
        cancel: { reason_id: 1 },
      }),
      desiredAccount({ login_name: 'back', encoded_account_id: 'a07e1back', plan_type: 'BRONZE' }),
    ];
    const live = liveState(
      [
        liveAccount('a07e1up', 'Open', livePlan('BRONZE', 'Open', 9)),
        liveAccount('a07e1bye', 'Open'),
        liveAccount('a07e1back', 'Canceled'),
        liveAccount('a07e1orphan', 'Open'),
      ],
      { calls: { list: 3, plan: 7 } },
    );
    const plan = computePlan(desired, live, planOptions({ requests_per_second: 2 }));
    expect(plan.summary).toEqual({
      create: 2,
      update: 1,
      update_profile: 0,
      reactivate: 1,
      cancel: 1,
      create_sso_user: 0,
      drift: 1,
      orphan: 1,
    });
    expect(plan.api).toEqual({
      list_calls: 3,
      plan_calls: 7,
      managed_list_calls: 0,
      summary_calls: 0,
      apply_calls: 6,
      requests_per_second: 2,
      apply_seconds: 3,
      refreshed: 0,
      not_refreshed: 0,
      max_calls: null,
    });
  });

  it('rounds apply_seconds up to a tenth', () => {
    const desired = [
      desiredAccount({ login_name: 'a_one' }),
      desiredAccount({ login_name: 'a_two' }),
      desiredAccount({ login_name: 'a_three', plan_type: 'GOLD' }),
    ];
    const plan = computePlan(desired, liveState([]), planOptions({ requests_per_second: 3 }));
    expect(plan.api.apply_calls).toBe(4);
    expect(plan.api.apply_seconds).toBe(1.4);
  });
});

describe('computePlan: orphans', () => {
  const desired = [desiredAccount({ login_name: 'named', encoded_account_id: 'a07e1named', plan_type: 'TRIAL' })];
  const live = liveState([
    liveAccount('a07e1named', 'Trial'),
    liveAccount('a07e1zzz', 'Canceled'),
    liveAccount('a07e1orph', 'Open', undefined, 'Lakeside Florist'),
  ]);

  it('reports live accounts that no file names, sorted, and never cancels them', () => {
    const plan = computePlan(desired, live, planOptions({ orphans: 'report' }));
    expect(plan.changes).toEqual([
      {
        action: 'orphan',
        login_name: null,
        organization_name: 'Lakeside Florist',
        encoded_account_id: 'a07e1orph',
        file: null,
        line: null,
        before: { billing_status: 'Open' },
        after: null,
      },
      {
        action: 'orphan',
        login_name: null,
        organization_name: null,
        encoded_account_id: 'a07e1zzz',
        file: null,
        line: null,
        before: { billing_status: 'Canceled' },
        after: null,
      },
    ]);
    expect(plan.summary.cancel).toBe(0);
    expect(plan.refusals).toEqual([]);
    expect(plan.api.apply_calls).toBe(0);
  });

  it('ignores them with orphans: ignore', () => {
    const plan = computePlan(desired, live, planOptions({ orphans: 'ignore' }));
    expect(plan.changes).toEqual([]);
    expect(plan.summary.orphan).toBe(0);
  });

  it('refuses the plan with orphans: fail, naming how to pass', () => {
    const plan = computePlan(desired, live, planOptions({ orphans: 'fail' }));
    expect(plan.summary.orphan).toBe(2);
    expect(plan.refusals).toEqual([
      {
        gate: 'orphans',
        message: expect.stringContaining('2 live accounts') as unknown as string,
        override: expect.stringContaining('--force') as unknown as string,
      },
    ]);
    expect(plan.forced).toEqual([]);
  });

  it('passes orphans: fail with --force, recording it as forced', () => {
    const plan = computePlan(desired, live, planOptions({ orphans: 'fail', force: true }));
    expect(plan.refusals).toEqual([]);
    expect(plan.forced.map((refusal) => refusal.gate)).toEqual(['orphans']);
  });

  it('does not refuse with orphans: fail when every live account is named', () => {
    const plan = computePlan(
      desired,
      liveState([liveAccount('a07e1named', 'Trial')]),
      planOptions({ orphans: 'fail' }),
    );
    expect(plan.refusals).toEqual([]);
    expect(plan.changes).toEqual([]);
  });
});

describe('computePlan: safety gates', () => {
  const cancelling = (n: number, extra: { protect?: boolean } = {}) =>
    Array.from({ length: n }, (_, i) =>
      desiredAccount({
        login_name: `leaving_${i}`,
        encoded_account_id: `a07e1c${i}`,
        status: 'cancelled',
        cancel: { reason_id: 1 },
        ...extra,
      }),
    );
  const openLive = (n: number, prefix = 'a07e1c') =>
    Array.from({ length: n }, (_, i) => liveAccount(`${prefix}${i}`, 'Open'));

  it('refuses to cancel a protected account, and --force does not pass it', () => {
    const desired = [
      desiredAccount({
        login_name: 'keep_me',
        encoded_account_id: ID,
        file: 'accounts/keep.yaml',
        status: 'cancelled',
        cancel: { reason_id: 1 },
        protect: true,
      }),
    ];
    for (const force of [false, true]) {
      const plan = computePlan(desired, liveState([liveAccount(ID, 'Open')]), planOptions({ force }));
      expect(plan.summary.cancel).toBe(1);
      expect(plan.refusals).toEqual([
        {
          gate: 'protected',
          message: expect.stringContaining('accounts/keep.yaml has protect: true') as unknown as string,
          override: null,
        },
      ]);
      expect(plan.forced).toEqual([]);
    }
  });

  it('does not refuse a protected account that is not being cancelled', () => {
    const desired = [
      desiredAccount({ login_name: 'keep_me', encoded_account_id: ID, plan_type: 'GOLD', protect: true }),
      desiredAccount({
        login_name: 'gone',
        encoded_account_id: 'a07e1gone',
        status: 'cancelled',
        cancel: { reason_id: 1 },
        protect: true,
      }),
    ];
    const plan = computePlan(
      desired,
      liveState([liveAccount(ID, 'Trial'), liveAccount('a07e1gone', 'Canceled')]),
      planOptions(),
    );
    expect(plan.summary.update).toBe(1);
    expect(plan.refusals).toEqual([]);
  });

  it.each([
    { cancels: 5, max: 5, refused: false },
    { cancels: 6, max: 5, refused: true },
    { cancels: 2, max: 1, refused: true },
    { cancels: 0, max: 0, refused: false },
  ])('max_cancels: $cancels cancels with a limit of $max → refused: $refused', ({ cancels, max, refused }) => {
    const plan = computePlan(
      cancelling(cancels),
      liveState(openLive(cancels)),
      planOptions({ safety: { max_cancels: max } }),
    );
    expect(plan.summary.cancel).toBe(cancels);
    expect(plan.refusals.map((refusal) => refusal.gate)).toEqual(refused ? ['max_cancels'] : []);
  });

  it.each([
    { creates: 25, max: 25, refused: false },
    { creates: 26, max: 25, refused: true },
    { creates: 1, max: 0, refused: true },
  ])('max_creates: $creates creates with a limit of $max → refused: $refused', ({ creates, max, refused }) => {
    const desired = Array.from({ length: creates }, (_, i) =>
      desiredAccount({
        login_name: `new_account_${i}`,
        file: `accounts/new-${i}.yaml`,
        plan_type: i % 2 ? 'GOLD' : 'TRIAL',
      }),
    );
    const plan = computePlan(desired, liveState([]), planOptions({ safety: { max_creates: max } }));
    expect(plan.summary.create).toBe(creates);
    expect(plan.refusals.map((refusal) => refusal.gate)).toEqual(refused ? ['max_creates'] : []);
  });

  it('max_creates is 25 by default, says how to pass it, and --force passes it as forced', () => {
    const desired = Array.from({ length: 26 }, (_, i) =>
      desiredAccount({ login_name: `new_account_${i}`, file: `accounts/new-${i}.yaml` }),
    );
    const refusedPlan = computePlan(desired, liveState([]), planOptions());
    expect(refusedPlan.refusals).toEqual([
      {
        gate: 'max_creates',
        message: 'the plan creates 26 accounts; the limit is 25 in one run',
        override: expect.stringMatching(
          new RegExp(
            String.raw`^set safety\.max_creates: 26 in ctct-gitops\.yaml \(from a pull request: in the ` +
              'same pull request.*or rerun with --force$',
          ),
        ),
      },
    ]);
    const forcedPlan = computePlan(desired, liveState([]), planOptions({ force: true }));
    expect(forcedPlan.refusals).toEqual([]);
    expect(forcedPlan.forced).toEqual(refusedPlan.refusals);
  });

  it('max_cancels names the count, the limit and how to pass it; --force passes it as forced', () => {
    const refusedPlan = computePlan(cancelling(6), liveState(openLive(6)), planOptions());
    expect(refusedPlan.refusals).toEqual([
      {
        gate: 'max_cancels',
        message: 'the plan cancels 6 accounts; the limit is 5 in one run',
        override: expect.stringMatching(
          new RegExp(
            String.raw`^set safety\.max_cancels: 6 in ctct-gitops\.yaml \(from a pull request: in the ` +
              'same pull request.*or rerun with --force$',
          ),
        ),
      },
    ]);
    const forcedPlan = computePlan(cancelling(6), liveState(openLive(6)), planOptions({ force: true }));
    expect(forcedPlan.refusals).toEqual([]);
    expect(forcedPlan.forced).toEqual(refusedPlan.refusals);
    expect(forcedPlan.changes).toEqual(refusedPlan.changes);
  });

  /** `managed` existing accounts on TRIAL, of which `changed` go paid; plus `creates` new files. */
  function shareCase(managed: number, changed: number, creates = 0) {
    const desired = [
      ...Array.from({ length: managed }, (_, i) =>
        desiredAccount({
          login_name: `managed_${String(i).padStart(2, '0')}`,
          encoded_account_id: `a07e1m${i}`,
          plan_type: i < changed ? 'GOLD' : 'TRIAL',
        }),
      ),
      ...Array.from({ length: creates }, (_, i) => desiredAccount({ login_name: `new_${i}`, plan_type: 'GOLD' })),
    ];
    const live = liveState(Array.from({ length: managed }, (_, i) => liveAccount(`a07e1m${i}`, 'Trial')));
    return { desired, live };
  }

  it.each([
    {
      managed: 9,
      changed: 3,
      creates: 0,
      refused: false,
      why: 'below min_accounts_for_share (10), 33 % is not checked',
    },
    { managed: 9, changed: 9, creates: 0, refused: false, why: 'below min_accounts_for_share, even 100 %' },
    { managed: 10, changed: 3, creates: 0, refused: false, why: '30 % is within the limit' },
    { managed: 10, changed: 4, creates: 0, refused: true, why: '40 % is over the limit' },
    { managed: 10, changed: 3, creates: 20, refused: false, why: 'creates do not count toward the share' },
    { managed: 20, changed: 7, creates: 0, refused: true, why: '35 % of 20' },
  ])(
    'max_changed_share: $changed of $managed changed, $creates creates → refused: $refused ($why)',
    ({ managed, changed, creates, refused }) => {
      const { desired, live } = shareCase(managed, changed, creates);
      const plan = computePlan(desired, live, planOptions());
      expect(plan.managed_accounts).toBe(managed);
      expect(plan.summary.update).toBe(changed);
      expect(plan.summary.create).toBe(creates);
      expect(plan.refusals.map((refusal) => refusal.gate)).toEqual(refused ? ['max_changed_share'] : []);
    },
  );

  it('max_changed_share says how many of how many, the limit and how to pass; --force passes it', () => {
    const { desired, live } = shareCase(10, 4);
    const plan = computePlan(desired, live, planOptions());
    expect(plan.refusals).toEqual([
      {
        gate: 'max_changed_share',
        message: 'the plan changes 4 of 10 managed accounts (40 %); the limit is 30 % in one run',
        override: expect.stringMatching(
          new RegExp(
            String.raw`^set safety\.max_changed_share: 0\.4 in ctct-gitops\.yaml \(from a pull ` +
              'request: in the same pull request.*or rerun with --force$',
          ),
        ),
      },
    ]);
    const forced = computePlan(desired, live, planOptions({ force: true }));
    expect(forced.refusals).toEqual([]);
    expect(forced.forced.map((refusal) => refusal.gate)).toEqual(['max_changed_share']);
  });

  it('max_changed_share counts cancels and reactivations too, and follows the settings', () => {
    const desired = [
      ...cancelling(2),
      desiredAccount({ login_name: 'back', encoded_account_id: 'a07e1back', plan_type: 'GOLD' }),
      ...Array.from({ length: 4 }, (_, i) =>
        desiredAccount({ login_name: `same_${i}`, encoded_account_id: `a07e1s${i}` }),
      ),
    ];
    const live = liveState([
      ...openLive(2),
      liveAccount('a07e1back', 'Canceled'),
      ...Array.from({ length: 4 }, (_, i) => liveAccount(`a07e1s${i}`, 'Trial')),
    ]);
    // 3 of 7 = 43 %: over 30 % once the minimum is lowered to 5, and within a 50 % limit.
    expect(
      computePlan(desired, live, planOptions({ safety: { min_accounts_for_share: 5 } })).refusals.map((r) => r.gate),
    ).toEqual(['max_changed_share']);
    expect(
      computePlan(desired, live, planOptions({ safety: { min_accounts_for_share: 5, max_changed_share: 0.5 } }))
        .refusals,
    ).toEqual([]);
    expect(computePlan(desired, live, planOptions()).refusals).toEqual([]);
  });

  it('drift does not count toward the share', () => {
    const desired = Array.from({ length: 10 }, (_, i) =>
      desiredAccount({
        login_name: `paid_${i}`,
        encoded_account_id: `a07e1p${i}`,
        plan_type: 'GOLD',
        billing_day_of_month: 1,
      }),
    );
    const live = liveState(
      Array.from({ length: 10 }, (_, i) => liveAccount(`a07e1p${i}`, 'Open', livePlan('GOLD', 'Open', 20))),
    );
    const plan = computePlan(desired, live, planOptions());
    expect(plan.summary.drift).toBe(10);
    expect(plan.refusals).toEqual([]);
  });

  it('lists every gate that refuses, protected first, and --force moves only the overridable ones', () => {
    const desired = [
      ...cancelling(6),
      desiredAccount({
        login_name: 'guarded',
        encoded_account_id: 'a07e1guard',
        status: 'cancelled',
        cancel: { reason_id: 1 },
        protect: true,
      }),
    ];
    const live = liveState([...openLive(6), liveAccount('a07e1guard', 'Open'), liveAccount('a07e1orphan', 'Open')]);
    const plan = computePlan(desired, live, planOptions({ orphans: 'fail' }));
    expect(plan.refusals.map((r) => r.gate)).toEqual(['protected', 'max_cancels', 'orphans']);
    const forced = computePlan(desired, live, planOptions({ orphans: 'fail', force: true }));
    expect(forced.refusals.map((r) => r.gate)).toEqual(['protected']);
    expect(forced.forced.map((r) => r.gate)).toEqual(['max_cancels', 'orphans']);
  });
});

describe('computePlan: --changed-since (not refreshed)', () => {
  it('makes no change for a not-refreshed account, needs no plan for it, and counts it', () => {
    const desired = [
      desiredAccount({
        login_name: 'untouched',
        encoded_account_id: 'a07e1old',
        plan_type: 'GOLD',
        billing_day_of_month: 4,
      }),
      desiredAccount({
        login_name: 'untouched2',
        encoded_account_id: 'a07e1old2',
        status: 'cancelled',
        cancel: { reason_id: 1 },
      }),
      desiredAccount({ login_name: 'edited', encoded_account_id: 'a07e1new', plan_type: 'SILVER' }),
    ];
    // Neither not-refreshed account has a plan read; computing their change would need one.
    const live = liveState(
      [
        liveAccount('a07e1old', 'Open'),
        liveAccount('a07e1old2', 'Open'),
        liveAccount('a07e1new', 'Open', livePlan('BRONZE', 'Open', 1)),
      ],
      {
        notRefreshed: ['a07e1old', 'a07e1old2'],
        calls: { list: 1, plan: 1 },
      },
    );
    const plan = computePlan(desired, live, planOptions());
    expect(plan.changes.map((change) => [change.action, change.encoded_account_id])).toEqual([['update', 'a07e1new']]);
    expect(plan.api.not_refreshed).toBe(2);
    expect(plan.managed_accounts).toBe(3);
    expect(plan.summary.orphan).toBe(0);
  });
});

describe('needsPlanRead', () => {
  const active = (planType: string) =>
    desiredAccount({ login_name: 'x_account', encoded_account_id: ID, plan_type: planType });
  const cancelled = desiredAccount({
    login_name: 'x_account',
    encoded_account_id: ID,
    plan_type: 'GOLD',
    status: 'cancelled',
    cancel: { reason_id: 1 },
  });

  it.each([
    { desired: 'TRIAL', billing: 'Trial', read: false },
    { desired: 'GOLD', billing: 'Trial', read: false },
    { desired: 'TRIAL', billing: 'Open', read: false },
    { desired: 'GOLD', billing: 'Open', read: true },
    { desired: 'TRIAL', billing: 'Canceled', read: false },
    { desired: 'GOLD', billing: 'Canceled', read: false },
    { desired: 'TRIAL', billing: 'Trial End', read: true },
    { desired: 'SILVER', billing: 'Trial End', read: true },
    { desired: 'TRIAL', billing: 'Active', read: true },
    { desired: 'BRONZE', billing: 'Active', read: true },
    { desired: 'cancelled', billing: 'Open', read: false },
    { desired: 'cancelled', billing: 'Trial', read: false },
    { desired: 'cancelled', billing: 'Canceled', read: false },
    { desired: 'cancelled', billing: 'Active', read: false },
  ])('file $desired, listed $billing → GET plan: $read', ({ desired, billing, read }) => {
    expect(needsPlanRead(desired === 'cancelled' ? cancelled : active(desired), billing)).toBe(read);
  });

  it('computePlan decides every pair needsPlanRead skips from the list alone', () => {
    const pairs: [DesiredAccount, string][] = [];
    for (const billing of ['Trial', 'Open', 'Canceled', 'Trial End', 'Active']) {
      for (const desired of [active('TRIAL'), active('GOLD'), cancelled])
        if (!needsPlanRead(desired, billing)) pairs.push([desired, billing]);
    }
    expect(pairs.length).toBeGreaterThanOrEqual(8);
    for (const [desired, billing] of pairs) {
      expect(() => computePlan([desired], liveState([liveAccount(ID, billing)]), planOptions())).not.toThrow();
    }
  });

  it('computePlan refuses to guess a plan it needed but was not given', () => {
    expect(() => computePlan([active('GOLD')], liveState([liveAccount(ID, 'Open')]), planOptions())).toThrow(
      /was needed but not read/,
    );
  });
});

describe('computePlan: order and determinism', () => {
  function richInputs() {
    const desired = [
      desiredAccount({
        login_name: 'zeta_new',
        plan_type: 'GOLD',
        billing_day_of_month: 1,
        extra: { contact_email: 'z@example.com', country_code: 'US', state_code: 'NY' },
      }),
      desiredAccount({ login_name: 'alpha_new', extra: { contact_email: 'a@example.com', country_code: 'FR' } }),
      desiredAccount({
        login_name: 'mid_upgrade',
        encoded_account_id: 'a07e1mid',
        plan_type: 'SILVER',
        billing_day_of_month: 3,
      }),
      desiredAccount({ login_name: 'beta_upgrade', encoded_account_id: 'a07e1beta', plan_type: 'GOLD' }),
      desiredAccount({ login_name: 'back_again', encoded_account_id: 'a07e1back', plan_type: 'BRONZE' }),
      desiredAccount({
        login_name: 'leaving',
        encoded_account_id: 'a07e1bye',
        status: 'cancelled',
        cancel: { reason_id: 2, effective_date: '2026-12-01T00:00:00Z' },
      }),
      desiredAccount({
        login_name: 'billing_drift',
        encoded_account_id: 'a07e1drift',
        plan_type: 'BRONZE',
        billing_day_of_month: 1,
      }),
      desiredAccount({ encoded_account_id: 'a07e1noname', plan_type: 'GOLD', file: 'accounts/z-imported.yaml' }),
      desiredAccount({
        login_name: 'ghost',
        encoded_account_id: 'a07e1ghost',
        plan_type: 'GOLD',
        file: 'accounts/ghost.yaml',
      }),
      desiredAccount({
        login_name: 'no_downgrade',
        encoded_account_id: 'a07e1paid',
        plan_type: 'TRIAL',
        file: 'accounts/a-no-downgrade.yaml',
      }),
    ];
    const accounts = [
      liveAccount('a07e1mid', 'Open', livePlan('BRONZE', 'Open', 3)),
      liveAccount('a07e1beta', 'Trial'),
      liveAccount('a07e1back', 'Canceled'),
      liveAccount('a07e1bye', 'Open'),
      liveAccount('a07e1drift', 'Open', livePlan('BRONZE', 'Open', 15)),
      liveAccount('a07e1noname', 'Trial End', livePlan('TRIAL', 'Trial End', null)),
      liveAccount('a07e1paid', 'Open'),
      liveAccount('a07e1orph2', 'Open', undefined, 'Yonder Yarns'),
      liveAccount('a07e1orph1', 'Canceled', undefined, 'Alder Antiques'),
    ];
    return { desired, accounts };
  }

  it('sorts changes by action, then by identity', () => {
    const { desired, accounts } = richInputs();
    const plan = computePlan(desired, liveState(accounts), planOptions());
    expect(
      plan.changes.map((change) => `${change.action} ${change.login_name ?? '-'} ${change.encoded_account_id ?? '-'}`),
    ).toEqual([
      'create alpha_new -',
      'create zeta_new -',
      'update - a07e1noname',
      'update beta_upgrade a07e1beta',
      'update mid_upgrade a07e1mid',
      'reactivate back_again a07e1back',
      'cancel leaving a07e1bye',
      'drift billing_drift a07e1drift',
      'orphan - a07e1orph1',
      'orphan - a07e1orph2',
    ]);
    expect(plan.problems.map((problem) => problem.file)).toEqual([
      'accounts/a-no-downgrade.yaml',
      'accounts/ghost.yaml',
    ]);
  });

  it('gives byte-identical JSON for the same inputs', () => {
    const first = richInputs();
    const second = richInputs();
    expect(renderJson(computePlan(second.desired, liveState(second.accounts), planOptions()))).toBe(
      renderJson(computePlan(first.desired, liveState(first.accounts), planOptions())),
    );
  });

  it('gives byte-identical JSON when the live list comes in another order', () => {
    const { desired, accounts } = richInputs();
    const a = renderJson(computePlan(desired, liveState(accounts), planOptions()));
    const b = renderJson(computePlan(desired, liveState(reorder(accounts)), planOptions()));
    expect(reorder(accounts).map((x) => x.encoded_account_id)).not.toEqual(accounts.map((x) => x.encoded_account_id));
    expect(b).toBe(a);
  });

  // The fingerprint itself still depends on the order of the files (reported as a bug in src/plan/compute-plan.ts
  // fingerprintOf); the loader sorts files by path, so the CLI is not affected. Everything else must not.
  it('gives the same changes, problems and summary when the account files come in another order', () => {
    const { desired, accounts } = richInputs();
    const withoutFingerprint = (plan: Plan) => renderJson({ ...plan, fingerprint: '' });
    const a = withoutFingerprint(computePlan(desired, liveState(accounts), planOptions()));
    const b = withoutFingerprint(computePlan(reorder(desired), liveState(accounts), planOptions()));
    expect(reorder(desired).map((x) => x.file)).not.toEqual(desired.map((x) => x.file));
    expect(b).toBe(a);
  });

  it('does not mutate its inputs', () => {
    const { desired, accounts } = richInputs();
    const live = liveState(accounts);
    const snapshot = JSON.stringify({ desired, live });
    computePlan(desired, live, planOptions());
    expect(JSON.stringify({ desired, live })).toBe(snapshot);
  });
});

describe('computePlan: fingerprint', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const desired = () => [
    desiredAccount({ login_name: 'acme_widgets', encoded_account_id: ID, plan_type: 'GOLD', billing_day_of_month: 5 }),
  ];
  const live = () => liveState([liveAccount(ID, 'Open', livePlan('BRONZE', 'Open', 5))]);

  it('is a sha256 that does not depend on the clock', () => {
    vi.useFakeTimers({ now: new Date('2020-01-01T00:00:00Z') });
    const early = computePlan(desired(), live(), planOptions());
    vi.setSystemTime(new Date('2031-06-15T12:34:56Z'));
    const late = computePlan(desired(), live(), planOptions());
    expect(early.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(late.fingerprint).toBe(early.fingerprint);
    expect(renderJson(late)).toBe(renderJson(early));
    expect(renderJson(early)).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
  });

  it('changes when a desired value changes', () => {
    const before = computePlan(desired(), live(), planOptions()).fingerprint;
    const other = desired();
    (other[0] as DesiredAccount).plan.plan_type = 'SILVER';
    const days = desired();
    (days[0] as DesiredAccount).plan.billing_day_of_month = 6;
    expect(computePlan(other, live(), planOptions()).fingerprint).not.toBe(before);
    expect(computePlan(days, live(), planOptions()).fingerprint).not.toBe(before);
  });

  it('changes when a live value changes', () => {
    const before = computePlan(desired(), live(), planOptions()).fingerprint;
    const plan = live();
    (plan.accounts[0] as LiveAccount).plan = livePlan('SILVER', 'Open', 5);
    const status = live();
    (status.accounts[0] as LiveAccount).billing_status = 'Active';
    const extra = live();
    extra.accounts.push(liveAccount('a07e1other', 'Trial'));
    for (const changed of [plan, status, extra])
      expect(computePlan(desired(), changed, planOptions()).fingerprint).not.toBe(before);
  });

  it('does not change with positions alone (moving a field in its file changes nothing live)', () => {
    const before = computePlan(desired(), live(), planOptions()).fingerprint;
    const moved = [
      desiredAccount({
        login_name: 'acme_widgets',
        encoded_account_id: ID,
        plan_type: 'GOLD',
        billing_day_of_month: 5,
        commentLines: 4,
      }),
    ];
    expect(computePlan(moved, live(), planOptions()).fingerprint).toBe(before);
  });
});

describe('computePlan: SSO users', () => {
  const user = (login: string, fields: Partial<DesiredSsoUser> = {}) => ssoUser(login, { external_id: '1', ...fields });
  const withUsers = (users: DesiredSsoUser[], spec: Parameters<typeof desiredAccount>[0] = {}) => {
    const account = existing({ extra: { sso_users: users }, ...spec });
    for (const index of users.keys()) account.positions[`sso_users.${index}`] = { line: 10 + index * 8, col: 5 };
    return account;
  };
  const live = liveAccount(ID, 'Trial');

  it('plans a create_sso_user, with the body POST …/users/sso sends, for each user without created_at', () => {
    const plan = planOne(
      withUsers([user('josie.lang'), user('sam.ortiz', { created_at: '2026-11-01T00:00:00Z' })]),
      live,
    );
    const { created_at: _none, ...body } = user('josie.lang');
    expect(plan.changes).toEqual([
      {
        action: 'create_sso_user',
        login_name: 'acme_widgets',
        organization_name: null,
        encoded_account_id: ID,
        file: 'accounts/acme.yaml',
        line: 10,
        sso_user: 'josie.lang',
        before: null,
        after: body,
      },
    ]);
    expect(plan.summary.create_sso_user).toBe(1);
    expect(plan.api.apply_calls).toBe(1);
  });

  it('puts the users of a new account after its create, with no id yet, and before cancels', () => {
    const created = desiredAccount({
      login_name: 'new_client',
      file: 'accounts/new.yaml',
      extra: { contact_email: 'a@example.com', country_code: 'GB', sso_users: [user('ann.lee')] },
    });
    const leaving = desiredAccount({
      login_name: 'leaving',
      encoded_account_id: 'a07e1leave01',
      status: 'cancelled',
      cancel: { reason_id: 1 },
    });
    const plan = computePlan(
      reorder([withUsers([user('zed.user')]), leaving, created]),
      liveState([live, liveAccount('a07e1leave01', 'Open')]),
      planOptions(),
    );
    expect(
      plan.changes.map((c) => [c.action, c.encoded_account_id, c.action === 'create_sso_user' ? c.sso_user : null]),
    ).toEqual([
      ['create', null, null],
      ['create_sso_user', ID, 'zed.user'],
      ['create_sso_user', null, 'ann.lee'],
      ['cancel', 'a07e1leave01', null],
    ]);
  });

  it('plans nothing for an account --changed-since did not refresh, nor counts users toward the share gate', () => {
    const plan = computePlan(
      [withUsers([user('josie.lang')])],
      liveState([live], { notRefreshed: [ID] }),
      planOptions(),
    );
    expect(plan.changes).toEqual([]);
    const many = Array.from({ length: 10 }, (_, i) =>
      desiredAccount({
        login_name: `client_${i}`,
        encoded_account_id: `a07e1many${i}`,
        extra: { sso_users: [user(`u${i}`)] },
      }),
    );
    const gated = computePlan(
      many,
      liveState(many.map((a) => liveAccount(a.encoded_account_id!, 'Trial'))),
      planOptions(),
    );
    expect(gated.summary.create_sso_user).toBe(10);
    expect(gated.refusals).toEqual([]);
  });

  it(
    'reports an edit, a removal and a dropped created_at of users ' +
      'the base version shows created, and never re-creates them',
    () => {
      const at = '2026-11-01T00:00:00Z';
      const baseSsoUsers = new Map([
        [
          'accounts/acme.yaml',
          [
            user('edited', { created_at: at }),
            user('removed', { created_at: at }),
            user('forgotten', { created_at: at }),
            user('same', { created_at: at }),
            user('pending'),
          ],
        ],
      ]);
      const desired = withUsers([
        user('edited', { role_name: 'account_manager', created_at: at }),
        user('forgotten'),
        user('same', { created_at: at }),
        user('pending'),
      ]);
      const plan = computePlan([desired], liveState([live]), { ...planOptions(), baseSsoUsers });
      expect(
        plan.changes.map((c) => [
          c.action,
          c.action === 'create_sso_user' || c.action === 'drift' ? c.sso_user : null,
          c.before,
          c.after,
        ]),
      ).toEqual([
        ['create_sso_user', 'pending', null, expect.objectContaining({ login_name: 'pending' })],
        ['drift', 'edited', { role_name: 'campaign_creator' }, { role_name: 'account_manager' }],
        ['drift', 'forgotten', { created_at: at }, { created_at: null }],
        [
          'drift',
          'removed',
          { login_name: 'removed', contact_email: 'removed@example.com', role_name: 'campaign_creator' },
          {},
        ],
      ]);
      const reasons = plan.changes.flatMap((c) => (c.action === 'drift' ? [c.reason] : []));
      expect(reasons[0]).toMatch(/CTCT can neither read nor change an SSO user/);
      expect(reasons[1]).toMatch(/never posts it again: put created_at back/);
      expect(reasons[2]).toMatch(/CTCT cannot remove an SSO user/);
      expect(plan.fingerprint).not.toBe(computePlan([desired], liveState([live]), planOptions()).fingerprint);
    },
  );
});
