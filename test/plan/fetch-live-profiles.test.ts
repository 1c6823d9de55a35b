import { describe, expect, it } from 'vitest';
import { CtctApiError } from '../../src/ctct/ctct-api-error.js';
import { ACCOUNTS_PAGE_LIMIT } from '../../src/ctct/ctct-client.js';
import { fetchLiveProfiles } from '../../src/plan/fetch-live-profiles.js';
import { fetchLiveState, type ReadProgress } from '../../src/plan/fetch-live-state.js';
import { createSimClient, provisionRequest, startTestSimulator } from '../ctct/sim-client.js';
import { desiredAccount } from './plan-fixtures.js';

/**
 * 60 seeded accounts (about 60 % managed) and five files: a managed one renamed, one flagged managed with details,
 * one unmanaged renamed, two managed with the listed name and no flag.
 */
async function world() {
  const sim = await startTestSimulator({ seed: 60 });
  const client = createSimClient(sim);
  const managedOne = (
    await client.createAccount(provisionRequest('managed_one', { managed_site_owner: true, organization_name: 'One' }))
  ).encoded_account_id;
  const managedTwo = (await client.createAccount(provisionRequest('managed_two', { managed_site_owner: true })))
    .encoded_account_id;
  const unmanaged = (await client.createAccount(provisionRequest('unmanaged', { organization_name: 'Deli' })))
    .encoded_account_id;
  const plain = (
    await client.createAccount(
      provisionRequest('plain_one', { managed_site_owner: true, organization_name: 'Hanks Fresh Fruit' }),
    )
  ).encoded_account_id;
  const plainTwo = (
    await client.createAccount(
      provisionRequest('plain_two', { managed_site_owner: true, organization_name: 'Hanks Fresh Fruit' }),
    )
  ).encoded_account_id;
  await client.addPhysicalAddress(managedTwo, {
    address_line1: '1 Main St',
    city: 'Boston',
    state_code: 'MA',
    postal_code: '02101',
    country_code: 'US',
  });
  const desired = [
    desiredAccount({
      login_name: 'managed_one',
      encoded_account_id: managedOne,
      file: 'accounts/one.yaml',
      extra: { organization_name: 'One Renamed' },
    }),
    desiredAccount({
      login_name: 'managed_two',
      encoded_account_id: managedTwo,
      file: 'accounts/two.yaml',
      extra: { managed_site_owner: true, contact_phone: '555-0100' },
    }),
    // Details without managed_site_owner: true are not compared, and cost nothing, while the name is the listed one.
    desiredAccount({
      login_name: 'plain_two',
      encoded_account_id: plainTwo,
      file: 'accounts/plain-two.yaml',
      extra: { organization_name: 'Hanks Fresh Fruit', contact_phone: '555-0100' },
    }),
    desiredAccount({
      login_name: 'unmanaged',
      encoded_account_id: unmanaged,
      file: 'accounts/deli.yaml',
      extra: { organization_name: 'Deli Renamed' },
    }),
    // The organization name the list shows: nothing to read.
    desiredAccount({
      login_name: 'plain_one',
      encoded_account_id: plain,
      file: 'accounts/plain.yaml',
      extra: { organization_name: 'Hanks Fresh Fruit' },
    }),
  ];
  const managedCount = sim.accounts().filter((a) => a.managed_site_owner).length;
  return {
    sim,
    client: createSimClient(sim),
    desired,
    managedCount,
    ids: { managedOne, managedTwo, unmanaged, plain, plainTwo },
  };
}

describe('fetchLiveProfiles against the simulator', () => {
  it('lists managed accounts once and reads summaries through sync only for managed files with details', async () => {
    const { sim, client, desired, managedCount, ids } = await world();
    const events: ReadProgress[] = [];
    const onProgress = (progress: ReadProgress) => events.push(progress);
    const listed = await fetchLiveState(client, desired, { accountType: 'all', onProgress });
    const syncBefore = sim.stats.byOperation['accountOperationsSync'] ?? 0;
    // The real client tells each page it reads.
    const pageEvents = events.filter((event) => event.plans.total === null).map((event) => event.pages.done);
    expect(pageEvents).toEqual(Array.from({ length: listed.calls.list + 1 }, (_, i) => i));
    events.length = 0;

    const live = await fetchLiveProfiles(client, desired, listed, { accountType: 'all', onProgress });

    const pages = listed.calls.list + (live.calls.managed_list ?? 0);
    expect(events.map((event) => event.details)).toEqual([0, 1, 2].map((done) => ({ done, total: 2 })));
    expect(events[0]).toMatchObject({ pages: { done: pages, total: pages } });

    expect(live.calls).toMatchObject({ managed_list: Math.ceil(managedCount / ACCOUNTS_PAGE_LIMIT), summary: 2 });
    expect((sim.stats.byOperation['accountOperationsSync'] ?? 0) - syncBefore).toBe(2);
    const byId = new Map(live.accounts.map((a) => [a.encoded_account_id, a]));
    expect(byId.get(ids.managedOne)).toMatchObject({ managed: true, profile: { organization_name: 'One' } });
    expect(byId.get(ids.managedTwo)?.profile?.physical_address).toMatchObject({ city: 'Boston' });
    expect(byId.get(ids.unmanaged)).toMatchObject({ managed: false });
    expect(byId.get(ids.unmanaged)).not.toHaveProperty('profile');
    expect(byId.get(ids.plain)).not.toHaveProperty('managed');
    expect(byId.get(ids.plainTwo)).not.toHaveProperty('managed');
  });

  it('reads nothing more without declared details, nor a managed list when the list was managed-only', async () => {
    const { client, desired } = await world();
    const plainOnly = desired.filter((a) => a.file === 'accounts/plain.yaml');
    const listed = await fetchLiveState(client, plainOnly, { accountType: 'all' });
    expect((await fetchLiveProfiles(client, plainOnly, listed, { accountType: 'all' })).calls).toMatchObject({
      managed_list: 0,
      summary: 0,
    });

    const managedOnly = await fetchLiveState(client, desired, { accountType: 'managed' });
    const live = await fetchLiveProfiles(client, desired, managedOnly, { accountType: 'managed' });
    expect(live.calls).toMatchObject({ managed_list: 0, summary: 2 });
  });

  it('with a scope reads the summary of the scoped files only', async () => {
    const { client, desired, ids } = await world();
    const scope = new Set(['accounts/two.yaml']);
    const listed = await fetchLiveState(client, desired, { accountType: 'all', scope });
    const live = await fetchLiveProfiles(client, desired, listed, { accountType: 'all' });
    expect(live.calls.summary).toBe(1);
    expect(live.accounts.filter((a) => a.profile !== undefined).map((a) => a.encoded_account_id)).toEqual([
      ids.managedTwo,
    ]);
  });

  it('fails the read when a summary read fails', async () => {
    const { sim, client, desired } = await world();
    const listed = await fetchLiveState(client, desired, { accountType: 'all' });
    sim.faults.add({
      method: 'POST',
      path: '/v3/partner/accounts/{id}/account_operations/sync',
      kind: 'status',
      status: 403,
      times: Infinity,
    });
    await expect(fetchLiveProfiles(client, desired, listed, { accountType: 'all' })).rejects.toBeInstanceOf(
      CtctApiError,
    );
  });
});
