import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSavedPlan } from '../../src/apply/check-saved-plan.js';
import { computePlan } from '../../src/plan/compute-plan.js';
import { renderJson } from '../../src/render/render-json.js';
import { renderMarkdown } from '../../src/render/render-markdown.js';
import { renderText } from '../../src/render/render-text.js';
import { desiredAccount, liveAccount, livePlan, liveState, planOptions } from './plan-fixtures.js';

/** plan_group_id is never silently ignored: the plan says where it is sent and where it cannot be checked. */

function groupPlan() {
  const desired = [
    desiredAccount({
      login_name: 'new_gold',
      file: 'accounts/new-gold.yaml',
      plan_type: 'GOLD',
      billing_day_of_month: 1,
      plan_group_id: 12,
      extra: { contact_email: 'g@example.com', country_code: 'GB' },
    }),
    desiredAccount({
      login_name: 'new_trial',
      file: 'accounts/new-trial.yaml',
      plan_group_id: 12,
      extra: { contact_email: 't@example.com', country_code: 'GB' },
    }),
    desiredAccount({
      login_name: 'upgrade',
      encoded_account_id: 'a07e1upgrade',
      file: 'accounts/upgrade.yaml',
      plan_type: 'SILVER',
      plan_group_id: 7,
    }),
    desiredAccount({
      login_name: 'steady',
      encoded_account_id: 'a07e1steady1',
      file: 'accounts/steady.yaml',
      plan_type: 'GOLD',
      plan_group_id: 7,
    }),
    desiredAccount({
      login_name: 'no_group',
      encoded_account_id: 'a07e1nogroup',
      file: 'accounts/no-group.yaml',
      plan_type: 'GOLD',
    }),
  ];
  const live = liveState([
    liveAccount('a07e1upgrade', 'Open', livePlan('BRONZE', 'Open', 3)),
    liveAccount('a07e1steady1', 'Open', livePlan('GOLD', 'Open', 3)),
    liveAccount('a07e1nogroup', 'Open', livePlan('GOLD', 'Open', 3)),
  ]);
  return computePlan(desired, live, planOptions());
}

describe('plan_group_id notices', () => {
  it('says where it is sent with a plan change, and where it is not sent or cannot be checked, at its line', () => {
    const plan = groupPlan();
    expect(plan.notices).toEqual([
      {
        file: 'accounts/new-gold.yaml',
        line: 7,
        col: 18,
        message:
          'plan_group_id 12 is sent with the plan change to GOLD; CTCT cannot read it back (GET ' +
          '/partner/accounts/{id}/plan does not return plan_group_id), so no later plan can check it',
      },
      {
        file: 'accounts/new-trial.yaml',
        line: 5,
        col: 18,
        message:
          'plan_group_id 12 is not sent: the new account stays on TRIAL, ' +
          'and CTCT takes a plan group only with a PUT of a paid plan_type',
      },
      {
        file: 'accounts/steady.yaml',
        line: 5,
        col: 18,
        message:
          'plan_group_id 7 is not sent: CTCT takes it only with a change of plan_type, ' +
          'and there is none; CTCT cannot read it back (GET /partner/accounts/{id}/plan ' +
          'does not return plan_group_id), so no later plan can check it',
      },
      {
        file: 'accounts/upgrade.yaml',
        line: 5,
        col: 18,
        message: expect.stringMatching(
          /^plan_group_id 7 is sent with the plan change to SILVER; CTCT cannot read it back/,
        ),
      },
    ]);
    // A notice is never a change: the steady account plans to nothing.
    expect(plan.changes.map((change) => `${change.action} ${change.login_name}`)).toEqual([
      'create new_gold',
      'create new_trial',
      'update upgrade',
    ]);
    expect(plan.changes.find((change) => change.login_name === 'upgrade')?.after).toEqual({
      plan_type: 'SILVER',
      plan_group_id: 7,
    });
  });

  it('leaves the plan document as it was when no file names a plan group', () => {
    const plan = computePlan(
      [desiredAccount({ login_name: 'plain', encoded_account_id: 'a07e1plain01', plan_type: 'GOLD' })],
      liveState([liveAccount('a07e1plain01', 'Open', livePlan('GOLD', 'Open', 3))]),
      planOptions(),
    );
    expect('notices' in plan).toBe(false);
  });

  it('renders the notes in text, Markdown and JSON', () => {
    const plan = groupPlan();
    expect(renderText(plan)).toMatchSnapshot();
    expect(renderMarkdown(plan)).toMatchSnapshot();
    expect(JSON.parse(renderJson(plan)).notices).toHaveLength(4);
  });

  it('a saved plan with notes reads back through schema/plan.schema.json', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ctct-plan-group-'));
    try {
      const plan = groupPlan();
      await writeFile(path.join(dir, 'plan.json'), renderJson(plan));
      expect(await readSavedPlan(dir, 'plan.json')).toEqual(JSON.parse(renderJson(plan)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
