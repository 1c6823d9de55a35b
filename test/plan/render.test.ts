import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model.js';
import { computePlan } from '../../src/plan/compute-plan.js';
import { apiLine } from '../../src/render/describe-change.js';
import { PLAN_REPORTERS } from '../../src/render/plan-reporters.js';
import { renderJson } from '../../src/render/render-json.js';
import { renderMarkdown } from '../../src/render/render-markdown.js';
import { renderText } from '../../src/render/render-text.js';
import { desiredAccount, liveAccount, livePlan, liveState, planOptions, ssoUser } from './plan-fixtures.js';

/**
 * One plan with every action, a problem, a refusal no flag passes (protected), a gate passed with
 * --force (max_cancels at 1), an account not refreshed, SSO users to create on a new and an
 * existing account, and an edited and a removed SSO user that the base version of a file shows.
 */
function richPlan(): Plan {
  const desired = [
    desiredAccount({
      login_name: 'blue.harbor.bakery',
      file: 'accounts/us/blue-harbor-bakery.yaml',
      commentLines: 2,
      extra: {
        contact_email: 'owner@blueharborbakery.example.com',
        country_code: 'US',
        state_code: 'ME',
        organization_name: 'Blue Harbor Bakery',
        managed_site_owner: true,
        sso_users: [ssoUser('martha.quinn', { role_name: 'account_manager' })],
      },
    }),
    desiredAccount({
      login_name: 'hanks_fresh_fruit',
      file: 'accounts/us/hanks-fresh-fruit.yaml',
      commentLines: 3,
      plan_type: 'GOLD',
      billing_day_of_month: 1,
      extra: {
        contact_email: 'hank.smith@example.com',
        country_code: 'US',
        state_code: 'MA',
        organization_name: 'Hanks Fresh Fruit',
        password_env: 'HANKS_INITIAL_PASSWORD',
      },
    }),
    desiredAccount({
      login_name: 'maple_leaf_yoga',
      encoded_account_id: 'a07e1trial01',
      file: 'accounts/ca/maple-leaf-yoga.yaml',
      plan_type: 'SILVER',
      billing_day_of_month: 20,
    }),
    desiredAccount({
      login_name: 'riverside_dental',
      encoded_account_id: 'a07e1paid001',
      file: 'accounts/us/riverside-dental.yaml',
      plan_type: 'GOLD',
      billing_day_of_month: 15,
      extra: {
        sso_users: [
          ssoUser('josie.lang'),
          ssoUser('sam.ortiz', { role_name: 'account_manager', created_at: '2026-11-02T10:00:00.000Z' }),
        ],
      },
    }),
    desiredAccount({
      login_name: 'harbor_lights',
      encoded_account_id: 'a07e1back001',
      file: 'accounts/us/harbor-lights.yaml',
      plan_type: 'BRONZE',
    }),
    desiredAccount({
      encoded_account_id: 'a07e1cycles1',
      file: 'accounts/us/old-town-cycles.yaml',
      commentLines: 3,
      status: 'cancelled',
      cancel: { reason_id: 12, effective_date: '2026-12-01T00:00:00Z' },
      extra: { organization_name: 'Old Town Cycles' },
    }),
    desiredAccount({
      login_name: 'city_museum',
      encoded_account_id: 'a07e1museum',
      file: 'accounts/us/city-museum.yaml',
      status: 'cancelled',
      cancel: { reason_id: 1 },
      protect: true,
    }),
    desiredAccount({
      login_name: 'thames_tea_rooms',
      encoded_account_id: 'a07e1drift01',
      file: 'accounts/gb/thames-tea-rooms.yaml',
      plan_type: 'BRONZE',
      billing_day_of_month: 28,
    }),
    desiredAccount({
      login_name: 'granite_gym',
      encoded_account_id: 'a07e1gym0001',
      file: 'accounts/us/granite-gym.yaml',
      plan_type: 'TRIAL',
    }),
    desiredAccount({
      login_name: 'quiet_corner',
      encoded_account_id: 'a07e1quiet01',
      file: 'accounts/us/quiet-corner.yaml',
      plan_type: 'SILVER',
    }),
    desiredAccount({
      login_name: 'harbor_books',
      encoded_account_id: 'a07e1books01',
      file: 'accounts/us/harbor-books.yaml',
      extra: {
        organization_name: 'Harbor Books & Maps',
        contact_phone: '207-555-0100',
        first_name: 'Ada',
        managed_site_owner: true,
        physical_address: {
          address_line1: '12 Harbor Road',
          address_line2: 'Suite 4',
          city: 'Portland',
          state_code: 'ME',
          postal_code: '04101',
          country_code: 'US',
        },
      },
    }),
    desiredAccount({
      login_name: 'pine_street_deli',
      encoded_account_id: 'a07e1deli001',
      file: 'accounts/us/pine-street-deli.yaml',
      extra: { organization_name: 'Pine Street Deli', contact_phone: '207-555-0142' },
    }),
  ];
  const live = liveState(
    [
      liveAccount('a07e1trial01', 'Trial'),
      liveAccount('a07e1paid001', 'Open', livePlan('BRONZE', 'Open', 15)),
      liveAccount('a07e1back001', 'Canceled'),
      liveAccount('a07e1cycles1', 'Open'),
      liveAccount('a07e1museum', 'Open'),
      liveAccount('a07e1drift01', 'Open', livePlan('BRONZE', 'Open', 5)),
      liveAccount('a07e1gym0001', 'Open'),
      liveAccount('a07e1quiet01', 'Open'),
      liveAccount('a07e1flower1', 'Open', undefined, 'Lakeside Florist & <Sons>'),
      {
        ...liveAccount('a07e1books01', 'Trial', undefined, 'Harbor Books'),
        managed: true,
        profile: { organization_name: 'Harbor Books', contact_phone: '207-555-0199', first_name: 'Ada' },
      },
      { ...liveAccount('a07e1deli001', 'Trial', undefined, 'Pine St Deli'), managed: false },
    ],
    { notRefreshed: ['a07e1quiet01'], calls: { list: 1, plan: 2, managed_list: 1, summary: 1 } },
  );
  const detailBaselines = new Map([
    ['accounts/us/pine-street-deli.yaml', { organization_name: 'Pine Street Deli', contact_phone: '207-555-0100' }],
  ]);
  const baseSsoUsers = new Map([
    [
      'accounts/us/riverside-dental.yaml',
      [
        ssoUser('sam.ortiz', { created_at: '2026-11-02T10:00:00.000Z' }),
        ssoUser('old.hand', { created_at: '2026-10-01T09:00:00.000Z' }),
      ],
    ],
  ]);
  // hanks_fresh_fruit's initial password is missing: its create is blocked.
  const passwordProblems = new Map([
    ['accounts/us/hanks-fresh-fruit.yaml', 'the environment variable HANKS_INITIAL_PASSWORD is not set'],
  ]);
  return computePlan(desired, live, {
    ...planOptions({ force: true, safety: { max_cancels: 1, min_accounts_for_share: 20 } }),
    detailBaselines,
    passwordProblems,
    baseSsoUsers,
  });
}

const ANSI = /\u001b\[[0-9;]*m/g;

describe('the rich plan used for the renderer snapshots', () => {
  it('has every action, a blocked create, a problem, a refusal, a forced gate and a not-refreshed account', () => {
    const plan = richPlan();
    expect(plan.changes.filter((c) => c.action === 'create').map((c) => [c.login_name, c.blocked ?? null])).toEqual([
      ['blue.harbor.bakery', null],
      [
        'hanks_fresh_fruit',
        {
          password_env: 'HANKS_INITIAL_PASSWORD',
          reason: 'the environment variable HANKS_INITIAL_PASSWORD is not set',
        },
      ],
    ]);
    expect(plan.summary).toEqual({
      create: 2,
      update: 2,
      update_profile: 1,
      reactivate: 1,
      cancel: 2,
      create_sso_user: 2,
      drift: 4,
      orphan: 1,
    });
    expect(plan.problems).toHaveLength(1);
    expect(plan.refusals.map((r) => r.gate)).toEqual(['protected']);
    expect(plan.forced.map((r) => r.gate)).toEqual(['max_cancels']);
    expect(plan.api).toEqual({
      list_calls: 1,
      plan_calls: 2,
      managed_list_calls: 1,
      summary_calls: 1,
      apply_calls: 12,
      requests_per_second: 4,
      apply_seconds: 3,
      refreshed: 0,
      not_refreshed: 1,
      max_calls: null,
    });
  });
});

/** A full plan under a read budget that left two accounts unread. */
function budgetPlan(): Plan {
  const desired = [
    desiredAccount({
      login_name: 'riverside_dental',
      encoded_account_id: 'a07e1paid001',
      file: 'accounts/us/riverside-dental.yaml',
      plan_type: 'GOLD',
    }),
    desiredAccount({
      login_name: 'quiet_corner',
      encoded_account_id: 'a07e1quiet01',
      file: 'accounts/us/quiet-corner.yaml',
      plan_type: 'SILVER',
    }),
    desiredAccount({
      login_name: 'granite_gym',
      encoded_account_id: 'a07e1gym0001',
      file: 'accounts/us/granite-gym.yaml',
      plan_type: 'BRONZE',
    }),
  ];
  const live = liveState(
    [
      liveAccount('a07e1paid001', 'Open', livePlan('BRONZE', 'Open', 15)),
      liveAccount('a07e1quiet01', 'Open'),
      liveAccount('a07e1gym0001', 'Open'),
    ],
    {
      notRefreshed: ['a07e1gym0001', 'a07e1quiet01'],
      skipped: [
        { encoded_account_id: 'a07e1gym0001', file: 'accounts/us/granite-gym.yaml', last_verified: null },
        {
          encoded_account_id: 'a07e1quiet01',
          file: 'accounts/us/quiet-corner.yaml',
          last_verified: '2026-11-28T06:00:00.000Z',
        },
      ],
      refreshed: ['a07e1paid001'],
      calls: { list: 1, plan: 1 },
    },
  );
  return computePlan(desired, live, { ...planOptions(), maxCalls: 2 });
}

describe('a plan under a read budget', () => {
  it(
    'says how many accounts were refreshed, which were ' + 'not and when each was last verified, in every format',
    async () => {
      const plan = budgetPlan();
      expect(apiLine(plan)).toBe(
        'API: read live state with 1 list call and 1 plan call within a budget of 2 calls (1 account ' +
          'refreshed, 2 left for a later run); apply will make 1 call, about 1 s at 4 requests/s.',
      );
      const text = renderText(plan, { color: false });
      expect(text).toContain(
        '  a07e1gym0001  accounts/us/granite-gym.yaml  last verified never\n' +
          '  a07e1quiet01  accounts/us/quiet-corner.yaml  last verified 2026-11-28T06:00:00.000Z\n',
      );
      await expect(text).toMatchFileSnapshot('./__snapshots__/plan-budget.txt');
      await expect(renderMarkdown(plan)).toMatchFileSnapshot('./__snapshots__/plan-budget.md');
      expect(JSON.parse(renderJson(plan)).over_budget).toEqual(plan.over_budget);
    },
  );
});

/** A plan limited with --target to one account on another plan than its file's. */
function targetedPlan(): Plan {
  const file = 'accounts/us/riverside-dental.yaml';
  const desired = [
    desiredAccount({ login_name: 'riverside_dental', encoded_account_id: 'a07e1paid001', file, plan_type: 'GOLD' }),
    desiredAccount({ login_name: 'granite_gym', file: 'accounts/us/granite-gym.yaml', plan_type: 'TRIAL' }),
  ];
  const live = liveState([liveAccount('a07e1paid001', 'Open', livePlan('BRONZE', 'Open', 15))], {
    listed: false,
    refreshed: ['a07e1paid001'],
    calls: { list: 0, plan: 1 },
  });
  return computePlan(desired, live, { ...planOptions(), targets: new Set([file]) });
}

describe('a plan limited with --target', () => {
  it('warns in every format that targeting is in effect, naming the targets', async () => {
    const plan = targetedPlan();
    expect(plan.targets).toEqual(['accounts/us/riverside-dental.yaml']);
    expect(plan.changes.map((change) => change.file)).toEqual(['accounts/us/riverside-dental.yaml']);
    const text = renderText(plan, { color: false });
    expect(text.split('\n')[0]).toMatch(
      new RegExp(
        String.raw`^Warning: targeting is in effect \(--target accounts\/us\/riverside-dental\.yaml\): ` +
          'only this account was planned',
      ),
    );
    const markdown = renderMarkdown(plan);
    expect(markdown).toContain(
      '> [!WARNING]\n> **Warning:** targeting is in effect (--target ' +
        '`accounts/us/riverside-dental.yaml`): only this account was planned',
    );
    expect(JSON.parse(renderJson(plan)).targets).toEqual(['accounts/us/riverside-dental.yaml']);
    await expect(text).toMatchFileSnapshot('./__snapshots__/plan-targeted.txt');
    await expect(markdown).toMatchFileSnapshot('./__snapshots__/plan-targeted.md');
    // Without --target there is no warning.
    expect(renderText(richPlan())).not.toContain('targeting is in effect');
    expect(renderMarkdown(richPlan())).not.toContain('targeting is in effect');
    expect(richPlan().targets).toBeUndefined();
  });
});

/** A pull request that removed one account file; another live account was never named by any file. */
function removedFilePlan(): Plan {
  const live = liveState(
    [
      { ...liveAccount('a07e1gone001', 'Open', livePlan('GOLD', 'Open', 3)), organization_name: 'Harbor Lights Cafe' },
      { ...liveAccount('a07e1fl00001', 'Open'), organization_name: 'Lakeside Florist' },
    ],
    { listed: false, calls: { list: 0, plan: 2 } },
  );
  live.accounts[0]!.removed_file = 'accounts/us/harbor-lights.yaml';
  return computePlan([], live, planOptions());
}

describe('an account whose file was removed', () => {
  it('is shown as a removed file in every format, apart from the older orphans', async () => {
    const plan = removedFilePlan();
    const [older, removed] = plan.changes;
    expect(removed).toMatchObject({
      action: 'orphan',
      encoded_account_id: 'a07e1gone001',
      removed_file: 'accounts/us/harbor-lights.yaml',
    });
    expect(older).toMatchObject({ action: 'orphan', encoded_account_id: 'a07e1fl00001' });
    expect(older).not.toHaveProperty('removed_file');
    expect(JSON.parse(renderJson(plan)).changes[1].removed_file).toBe('accounts/us/harbor-lights.yaml');

    const text = renderText(plan, { color: false });
    expect(text).toContain(
      '? orphan     Harbor Lights Cafe (a07e1gone001)  accounts/us/harbor-lights.yaml (removed)\n' +
        '      billing_status: Open\n      file removed: the account ' +
        'stays live; to cancel, keep the file and set status: cancelled\n',
    );
    expect(text).toContain(
      '? orphan     Lakeside Florist (a07e1fl00001)\n      billing_status: Open\n      no account file names it',
    );

    const markdown = renderMarkdown(plan);
    expect(markdown).toContain(
      '> [!IMPORTANT]\n> **1 account file removed**: the account stays live; ' +
        'to cancel, keep the file and set `status: cancelled`\n' +
        '> - `accounts/us/harbor-lights.yaml`: `Harbor Lights Cafe (a07e1gone001)`, `Open`\n',
    );
    // The orphans table holds only the account no file ever named.
    const table = markdown.slice(markdown.indexOf('<b>1 orphan</b>'));
    expect(table).toContain('a07e1fl00001');
    expect(table).not.toContain('a07e1gone001');
    await expect(text).toMatchFileSnapshot('./__snapshots__/plan-removed-file.txt');
    await expect(markdown).toMatchFileSnapshot('./__snapshots__/plan-removed-file.md');
  });
});

describe('renderText', () => {
  it('matches the snapshot without colour, and has no ANSI codes', async () => {
    const text = renderText(richPlan(), { color: false });
    expect(text).not.toMatch(ANSI);
    await expect(text).toMatchFileSnapshot('./__snapshots__/plan.txt');
  });

  it('matches the snapshot with colour; the colours are the only difference', async () => {
    const colored = renderText(richPlan(), { color: true });
    expect(colored).toMatch(ANSI);
    expect(colored).toContain('\u001b[31m- cancel');
    expect(colored).toContain('\u001b[32m+ create');
    expect(colored.replace(ANSI, '')).toBe(renderText(richPlan(), { color: false }));
    await expect(colored).toMatchFileSnapshot('./__snapshots__/plan.color.txt');
  });

  it('defaults to no colour', () => {
    expect(renderText(richPlan())).toBe(renderText(richPlan(), { color: false }));
  });

  it('shows symbols, field-level before → after, problems as FILE:LINE:COL, gates and a summary line', () => {
    const text = renderText(richPlan(), { color: false });
    const lines = text.split('\n');
    expect(lines.filter((line) => /^[+~↺\-!?] /.test(line)).map((line) => line.slice(0, 12).trimEnd())).toEqual([
      '+ create',
      '+ create',
      '~ update',
      '~ update',
      '~ update pro',
      '↺ reactivate',
      '+ SSO user',
      '+ SSO user',
      '- cancel',
      '- cancel',
      '! drift',
      '! drift',
      '! drift',
      '! drift',
      '? orphan',
    ]);
    expect(text).toContain(
      '+ SSO user   martha.quinn in blue.harbor.bakery  accounts/us/blue-harbor-bakery.yaml:3\n' +
        '      login_name: martha.quinn\n',
    );
    expect(text).toContain('      role_name: created campaign_creator ≠ file account_manager');
    expect(text).toContain('      login_name: old.hand (removed from the file)');
    expect(text).toContain(
      '      contact_phone: 207-555-0199 → 207-555-0100\n' +
        '      organization_name: Harbor Books → Harbor Books & Maps\n' +
        '      physical_address.address_line1: 12 Harbor Road\n',
    );
    expect(text).not.toContain('first_name: Ada');
    expect(text).toContain(
      '      organization_name: live Pine St Deli ≠ file Pine Street Deli\n' +
        '      contact_phone: file 207-555-0142 (CTCT cannot show the live value)\n' +
        '      CTCT changes account details only of managed accounts',
    );
    expect(text).toContain('      plan_type: BRONZE → GOLD');
    expect(text).toContain('      plan_type: TRIAL → SILVER');
    expect(text).toContain('      billing_day_of_month: live 5 ≠ file 28');
    expect(text).toContain('      billing_status: Canceled → Open');
    expect(text).toMatch(/^ {2}accounts\/us\/granite-gym\.yaml:\d+:\d+: plan_type TRIAL is out of reach/m);
    expect(text).toContain('  protected: accounts/us/city-museum.yaml has protect: true');
    expect(text).toContain(
      'Passed with --force:\n  max_cancels: the plan cancels 2 accounts; the limit is 1 in one run',
    );
    expect(text).toContain(
      '      blocked: the environment variable HANKS_INITIAL_PASSWORD is not set; ' +
        'apply skips this create (exit 1) and carries out the rest of the plan\n',
    );
    expect(text).toContain(
      'Plan: refused by safety gates, nothing will be applied (it would: 2 to create ' +
        '(1 blocked: no initial password), 2 to update, 1 profile to update, 1 to ' +
        'reactivate, 2 to cancel, 2 SSO users to create); 4 drift, 1 orphan reported.',
    );
    expect(text.trimEnd().split('\n').at(-1)).toBe(apiLine(richPlan()));
  });

  it('says "no changes" for an empty plan', () => {
    const plan = computePlan([], liveState([], { calls: { list: 1, plan: 0 } }), planOptions());
    expect(renderText(plan, { color: false })).toBe(
      'Plan: no changes.\nAPI: read live state with 1 list call and 0 plan calls.\n',
    );
  });
});

describe('renderMarkdown', () => {
  it('matches the snapshot', async () => {
    await expect(renderMarkdown(richPlan())).toMatchFileSnapshot('./__snapshots__/plan.md');
  });

  it('starts with the summary table', () => {
    const lines = renderMarkdown(richPlan()).split('\n');
    expect(lines[0]).toBe(
      '### ctct-gitops plan: refused by safety gates, nothing will be applied (it would: ' +
        '2 to create (1 blocked: no initial password), 2 to update, 1 profile to update, ' +
        '1 to reactivate, 2 to cancel, 2 SSO users to create); 4 drift, 1 orphan reported',
    );
    expect(lines.slice(1, 12)).toEqual([
      '',
      '| action | count |',
      '|---|---:|',
      '| ➕ create | 2 |',
      '| ✏️ update | 2 |',
      '| 📝 update_profile | 1 |',
      '| ♻️ reactivate | 1 |',
      '| 🛑 cancel | 2 |',
      '| 👤 create_sso_user | 2 |',
      '| ⚠️ drift | 4 |',
      '| ❔ orphan | 1 |',
    ]);
  });

  it('has one collapsible section per change', () => {
    const plan = richPlan();
    const markdown = renderMarkdown(plan);
    expect(markdown.match(/<details>/g)).toHaveLength(plan.changes.length);
    expect(markdown.match(/<\/details>/g)).toHaveLength(plan.changes.length);
    expect(markdown.match(/<summary>/g)).toHaveLength(plan.changes.length);
  });

  it('calls out cancels and reactivations before the sections', () => {
    const markdown = renderMarkdown(richPlan());
    const firstSection = markdown.indexOf('<details>');
    const cancels = markdown.indexOf(
      '> **This plan would cancel 2 accounts (refused: nothing will be ' +
        'applied):** `Old Town Cycles (a07e1cycles1)`, `city_museum (a07e1museum)`',
    );
    const reactivations = markdown.indexOf(
      '> **This plan would reactivate 1 cancelled account (billing resumes) ' +
        '(refused: nothing will be applied):** `harbor_lights (a07e1back001)`',
    );
    expect(cancels).toBeGreaterThan(0);
    expect(reactivations).toBeGreaterThan(0);
    expect(cancels).toBeLessThan(firstSection);
    expect(reactivations).toBeLessThan(firstSection);
    expect(markdown).toContain('> [!WARNING]');
    expect(markdown).toContain('> [!IMPORTANT]');
  });

  it('shows problems, refusals with how to pass them, and forced gates', () => {
    const markdown = renderMarkdown(richPlan());
    expect(markdown).toMatch(/> - `accounts\/us\/granite-gym\.yaml:\d+:\d+: plan_type TRIAL is out of reach/);
    expect(markdown).toContain('> - **protected**: accounts/us/city-museum.yaml has protect: true');
    expect(markdown).toContain('> Forced past **max_cancels**');
  });

  it('contains the API-call estimate and the not-refreshed count', () => {
    const plan = richPlan();
    const markdown = renderMarkdown(plan);
    expect(markdown).toContain(apiLine(plan));
    expect(apiLine(plan)).toBe(
      'API: read live state with 1 list call, 2 plan calls, 1 managed-list call and 1 account-summary ' +
        'call (1 unchanged account not refreshed); apply will make 12 calls, about 3 s at 4 requests/s.',
    );
  });

  it('escapes HTML in the orphan table, and keeps values in code spans', () => {
    const markdown = renderMarkdown(richPlan());
    expect(markdown).toContain('| Lakeside Florist &amp; &lt;Sons\\> | `a07e1flower1` | `Open` |');
  });
});

describe('renderJson', () => {
  it('matches the snapshot', async () => {
    await expect(renderJson(richPlan())).toMatchFileSnapshot('./__snapshots__/plan.json');
  });

  it('is the plan itself, versioned, with a fingerprint, summary counts and the contract fields of each change', () => {
    const plan = richPlan();
    const json = renderJson(plan);
    expect(json.endsWith('}\n')).toBe(true);
    const parsed = JSON.parse(json) as Plan;
    expect(parsed).toEqual(plan);
    expect(parsed.format_version).toBe(1);
    expect(parsed.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Object.keys(parsed.summary)).toEqual([
      'create',
      'update',
      'update_profile',
      'reactivate',
      'cancel',
      'create_sso_user',
      'drift',
      'orphan',
    ]);
    const profile = parsed.changes.find((c) => c.action === 'update_profile');
    expect(profile).toMatchObject({
      before: { contact_phone: '207-555-0199', organization_name: 'Harbor Books', physical_address: null },
      after: {
        contact_phone: '207-555-0100',
        organization_name: 'Harbor Books & Maps',
        physical_address: { address_line1: '12 Harbor Road', city: 'Portland' },
      },
    });
    expect(Object.keys(profile?.after ?? {})).toEqual(['contact_phone', 'organization_name', 'physical_address']);
    for (const change of parsed.changes) {
      expect(Object.keys(change)).toEqual(
        expect.arrayContaining(['action', 'login_name', 'encoded_account_id', 'file', 'before', 'after']),
      );
    }
    // Applied changes other than creates carry the live values they assumed, for saved plans.
    expect(
      parsed.changes
        .filter((c) => c.action === 'update' || c.action === 'reactivate' || c.action === 'cancel')
        .every((c) => 'assumed' in c),
    ).toBe(true);
  });
});

describe('the renderers', () => {
  it('are pure: same output twice, plan untouched', () => {
    const plan = richPlan();
    const before = JSON.stringify(plan);
    const outputs = () => [
      PLAN_REPORTERS.text(plan, { color: false }),
      PLAN_REPORTERS.markdown(plan),
      PLAN_REPORTERS.json(plan),
    ];
    expect(outputs()).toEqual(outputs());
    expect(JSON.stringify(plan)).toBe(before);
  });

  it('are what --format chooses', () => {
    const plan = richPlan();
    expect(PLAN_REPORTERS.text(plan, { color: true })).toBe(renderText(plan, { color: true }));
    expect(PLAN_REPORTERS.markdown(plan)).toBe(renderMarkdown(plan));
    expect(PLAN_REPORTERS.json(plan)).toBe(renderJson(plan));
  });
});
