import { describe, expect, it } from 'vitest';
import type { AccountPhysicalAddress } from '../../src/ctct/ctct-types.js';
import type { LiveAccount } from '../../src/model.js';
import { computePlan } from '../../src/plan/compute-plan.js';
import { desiredAccount, liveAccount, liveState, planOptions } from './plan-fixtures.js';

const ADDRESS: AccountPhysicalAddress = {
  address_line1: '12 Harbor Road',
  city: 'Portland',
  state_code: 'ME',
  postal_code: '04101',
  country_code: 'US',
};
const managed = (id: string, profile: LiveAccount['profile']): LiveAccount => ({
  ...liveAccount(id, 'Trial'),
  managed: true,
  profile,
});

function planOne(extra: Record<string, unknown>, live: LiveAccount) {
  const desired = [
    desiredAccount({
      login_name: 'harbor_books',
      encoded_account_id: live.encoded_account_id,
      file: 'accounts/books.yaml',
      extra,
    }),
  ];
  return computePlan(desired, liveState([live]), planOptions());
}

describe('computePlan: account details of managed accounts', () => {
  it('proposes update_profile with only the fields that differ; fields the file leaves out are left alone', () => {
    const plan = planOne(
      {
        managed_site_owner: true,
        organization_name: 'Harbor Books & Maps',
        contact_phone: '207-555-0100',
        first_name: 'Ada',
      },
      managed('a07e1books', {
        organization_name: 'Harbor Books',
        contact_phone: '207-555-0199',
        first_name: 'Ada',
        last_name: 'Lovelace',
        website: 'https://old.example.com',
      }),
    );
    expect(plan.changes).toEqual([
      expect.objectContaining({
        action: 'update_profile',
        encoded_account_id: 'a07e1books',
        before: { contact_phone: '207-555-0199', organization_name: 'Harbor Books' },
        after: { contact_phone: '207-555-0100', organization_name: 'Harbor Books & Maps' },
      }),
    ]);
    expect(plan.summary.update_profile).toBe(1);
    expect(plan.api.apply_calls).toBe(1);
  });

  it('without managed_site_owner: true sends only the name: the other details are those of the create', () => {
    const plan = planOne(
      { organization_name: 'Harbor Books & Maps', contact_phone: '207-555-0100' },
      managed('a07e1books', { organization_name: 'Harbor Books', contact_phone: '207-555-0199' }),
    );
    expect(plan.changes).toEqual([
      expect.objectContaining({
        action: 'update_profile',
        before: { organization_name: 'Harbor Books' },
        after: { organization_name: 'Harbor Books & Maps' },
      }),
    ]);
  });

  it(
    'adds a missing address (before null), replaces a differing ' +
      'one whole, and takes an empty live field as absent',
    () => {
      const added = planOne(
        { managed_site_owner: true, physical_address: ADDRESS },
        managed('a07e1books', { organization_name: 'Harbor Books' }),
      );
      expect(added.changes[0]).toMatchObject({
        before: { physical_address: null },
        after: { physical_address: ADDRESS },
      });
      expect(added.api.apply_calls).toBe(1);

      const moved = planOne(
        { managed_site_owner: true, physical_address: { ...ADDRESS, address_line1: '14 Harbor Road' } },
        managed('a07e1books', { physical_address: { ...ADDRESS, address_line2: '' } }),
      );
      expect(moved.changes[0]).toMatchObject({
        before: { physical_address: ADDRESS },
        after: { physical_address: { ...ADDRESS, address_line1: '14 Harbor Road' } },
      });

      const same = planOne(
        { managed_site_owner: true, organization_name: 'Harbor Books', physical_address: ADDRESS },
        managed('a07e1books', {
          organization_name: 'Harbor Books',
          contact_phone: '',
          physical_address: { ...ADDRESS, address_line3: '' },
        }),
      );
      expect(same.changes).toEqual([]);
    },
  );

  it(
    'sets the summary and the address in two calls, and counts ' +
      'the account once toward the share of accounts touched',
    () => {
      const desired = Array.from({ length: 10 }, (_, i) =>
        desiredAccount({
          login_name: `client_${i}`,
          encoded_account_id: `a07e1c${i}`,
          file: `accounts/c${i}.yaml`,
          plan_type: i < 3 ? 'GOLD' : 'TRIAL',
          extra: { organization_name: `New ${i}`, managed_site_owner: true, physical_address: ADDRESS },
        }),
      );
      const live = desired.map((_, i) =>
        managed(`a07e1c${i}`, { organization_name: i < 3 ? `Old ${i}` : `New ${i}`, physical_address: ADDRESS }),
      );
      const plan = computePlan(desired, liveState(live), planOptions());
      expect(plan.summary).toMatchObject({ update: 3, update_profile: 3 });
      // 3 of 10 accounts: the limit is 30 %, so the plan passes although it has 6 changes.
      expect(plan.refusals).toEqual([]);
      const more = computePlan(
        desired,
        liveState(
          live.map((account, i) => (i === 3 ? { ...account, profile: { organization_name: 'Old 3' } } : account)),
        ),
        planOptions(),
      );
      expect(more.refusals.map((r) => r.gate)).toEqual(['max_changed_share']);
      expect(more.refusals[0]?.message).toContain('changes 4 of 10 managed accounts');
    },
  );
});

describe('computePlan: account details of unmanaged accounts', () => {
  it('reports a differing organization name as drift, the one detail the list shows, and proposes nothing', () => {
    const plan = planOne(
      { organization_name: 'Pine Street Deli', contact_phone: '207-555-0100' },
      { ...liveAccount('a07e1deli', 'Trial', undefined, 'Pine St Deli'), managed: false },
    );
    expect(plan.changes).toEqual([
      expect.objectContaining({
        action: 'drift',
        before: { organization_name: 'Pine St Deli' },
        after: { organization_name: 'Pine Street Deli' },
        reason: expect.stringContaining('only of managed accounts'),
      }),
    ]);
    expect(plan.api.apply_calls).toBe(0);
  });

  it(
    'with --changed-since reports the details the file ' + 'changed since its base, whose live values cannot be read',
    () => {
      const desired = [
        desiredAccount({
          login_name: 'pine_deli',
          encoded_account_id: 'a07e1deli',
          file: 'accounts/deli.yaml',
          extra: { organization_name: 'Pine St Deli', contact_phone: '207-555-0100', first_name: 'Ada' },
        }),
      ];
      const live = liveState([{ ...liveAccount('a07e1deli', 'Trial', undefined, 'Pine St Deli'), managed: false }]);
      const detailBaselines = new Map([
        ['accounts/deli.yaml', { organization_name: 'Pine St Deli', contact_phone: '207-555-0199', first_name: 'Ada' }],
      ]);
      const plan = computePlan(desired, live, { ...planOptions(), detailBaselines });
      expect(plan.changes).toEqual([
        expect.objectContaining({ action: 'drift', before: {}, after: { contact_phone: '207-555-0100' } }),
      ]);
      expect(computePlan(desired, live, planOptions()).changes).toEqual([]);
    },
  );

  it('makes physical_address a problem when CTCT does not list the account as managed', () => {
    const plan = planOne(
      { managed_site_owner: true, physical_address: ADDRESS },
      { ...liveAccount('a07e1deli', 'Trial'), managed: false },
    );
    expect(plan.changes).toEqual([]);
    expect(plan.problems).toEqual([
      expect.objectContaining({
        file: 'accounts/books.yaml',
        message: expect.stringContaining('account_type=managed does not list a07e1deli'),
      }),
    ]);
  });

  it('decides nothing about details where the managed status was not read', () => {
    expect(
      planOne({ organization_name: 'Other' }, liveAccount('a07e1deli', 'Trial', undefined, 'Pine St Deli')).changes,
    ).toEqual([]);
  });
});
