import { afterEach, describe, expect, it } from 'vitest';
import { CtctApiError } from '../../src/ctct/ctct-api-error.js';
import { CtctClient } from '../../src/ctct/ctct-client.js';
import type { AccountType, PlanTiers, SiteOwner } from '../../src/ctct/ctct-types.js';
import type { DesiredAccount } from '../../src/model.js';
import { computePlan, needsPlanRead } from '../../src/plan/compute-plan.js';
import { fetchLiveState, type LiveReader, type ReadProgress } from '../../src/plan/fetch-live-state.js';
import { startSimulator, type Simulator } from '../../src/simulator/simulator.js';
import { desiredAccount, planOptions } from './plan-fixtures.js';

/** An in-memory LiveReader: a list of site owners and their plans, counting calls as the client does. */
class FakeReader implements LiveReader {
  readonly calls = { listAccounts: 0, getPlan: 0 };
  readonly planReads: string[] = [];
  readonly listOptions: ({ accountType?: AccountType } | undefined)[] = [];

  constructor(
    private readonly owners: SiteOwner[],
    private readonly plans: Record<string, PlanTiers | Error>,
  ) {}

  async listAccounts(options?: { accountType?: AccountType; onPage?: (pages: number) => void }): Promise<SiteOwner[]> {
    this.calls.listAccounts++;
    this.listOptions.push(options && { accountType: options.accountType });
    options?.onPage?.(1);
    return this.owners.map((owner) => ({ ...owner }));
  }

  async getPlan(id: string): Promise<PlanTiers> {
    this.calls.getPlan++;
    this.planReads.push(id);
    const plan = this.plans[id];
    if (plan === undefined)
      throw new CtctApiError({ method: 'GET', path: `/partner/accounts/${id}/plan`, status: 404 });
    if (plan instanceof Error) throw plan;
    return { ...plan };
  }
}

const owner = (id: string, billing_status: string, organization_name?: string): SiteOwner => ({
  encoded_account_id: id,
  billing_status,
  subscriber_count: 10,
  site_owner_name: `owner_${id}`,
  ...(organization_name !== undefined && { organization_name }),
});
const tiers = (plan_type: string, billing_status: string, billing_day_of_month: number | null): PlanTiers => ({
  plan_type,
  billing_status,
  billing_day_of_month,
  current_tiers: [{ usage_type: 'CONTACTS', tier: 1, price: 20, currency_code: 'USD' }],
});

/** Each file names a live account in a state whose need for GET plan differs. */
function mixedWorld() {
  const desired: DesiredAccount[] = [
    desiredAccount({ login_name: 'trial_stays', encoded_account_id: 'a07e1t1', file: 'accounts/t1.yaml' }),
    desiredAccount({
      login_name: 'trial_upgrades',
      encoded_account_id: 'a07e1t2',
      plan_type: 'GOLD',
      file: 'accounts/t2.yaml',
    }),
    desiredAccount({
      login_name: 'paid_same',
      encoded_account_id: 'a07e1o1',
      plan_type: 'SILVER',
      file: 'accounts/o1.yaml',
    }),
    desiredAccount({
      login_name: 'paid_to_trial',
      encoded_account_id: 'a07e1o2',
      plan_type: 'TRIAL',
      file: 'accounts/o2.yaml',
    }),
    desiredAccount({
      login_name: 'paid_cancel',
      encoded_account_id: 'a07e1o3',
      status: 'cancelled',
      cancel: { reason_id: 1 },
      file: 'accounts/o3.yaml',
    }),
    desiredAccount({
      login_name: 'canceled_back',
      encoded_account_id: 'a07e1c1',
      plan_type: 'BRONZE',
      file: 'accounts/c1.yaml',
    }),
    desiredAccount({
      login_name: 'trial_ended',
      encoded_account_id: 'a07e1e1',
      plan_type: 'TRIAL',
      file: 'accounts/e1.yaml',
    }),
    desiredAccount({
      login_name: 'odd_status',
      encoded_account_id: 'a07e1x1',
      plan_type: 'GOLD',
      file: 'accounts/x1.yaml',
    }),
    desiredAccount({ login_name: 'to_create', plan_type: 'GOLD', file: 'accounts/new.yaml' }),
    desiredAccount({
      login_name: 'not_live',
      encoded_account_id: 'a07e1gone',
      plan_type: 'GOLD',
      file: 'accounts/gone.yaml',
    }),
  ];
  const owners = [
    owner('a07e1t1', 'Trial'),
    owner('a07e1t2', 'Trial'),
    owner('a07e1o1', 'Open'),
    owner('a07e1o2', 'Open'),
    owner('a07e1o3', 'Open'),
    owner('a07e1c1', 'Canceled'),
    owner('a07e1e1', 'Trial End'),
    owner('a07e1x1', 'Active', 'Odd Status Inc'),
    owner('a07e1orphan', 'Open'),
  ];
  const plans: Record<string, PlanTiers> = {
    a07e1t1: tiers('TRIAL', 'Trial', null),
    a07e1t2: tiers('TRIAL', 'Trial', null),
    a07e1o1: tiers('SILVER', 'Open', 12),
    a07e1o2: tiers('GOLD', 'Open', 2),
    a07e1o3: tiers('BRONZE', 'Open', 4),
    a07e1c1: tiers('GOLD', 'Canceled', 8),
    a07e1e1: tiers('TRIAL', 'Trial End', null),
    a07e1x1: tiers('GOLD', 'Open', 30),
    a07e1orphan: tiers('GOLD', 'Open', 1),
  };
  return { desired, owners, plans };
}

describe('fetchLiveState with a fake reader', () => {
  it('reads a plan exactly where needsPlanRead says, and nowhere else', async () => {
    const { desired, owners, plans } = mixedWorld();
    const reader = new FakeReader(owners, plans);
    const state = await fetchLiveState(reader, desired, { accountType: 'all' });

    const byId = new Map(owners.map((o) => [o.encoded_account_id, o.billing_status]));
    const expected = desired.filter(
      (d) =>
        d.encoded_account_id !== undefined &&
        byId.has(d.encoded_account_id) &&
        needsPlanRead(d, byId.get(d.encoded_account_id) ?? ''),
    );
    expect([...reader.planReads].sort()).toEqual(['a07e1e1', 'a07e1o1', 'a07e1x1']);
    expect([...reader.planReads].sort()).toEqual(expected.map((d) => d.encoded_account_id).sort());
    expect(
      state.accounts
        .filter((a) => a.plan !== undefined)
        .map((a) => a.encoded_account_id)
        .sort(),
    ).toEqual(['a07e1e1', 'a07e1o1', 'a07e1x1']);
    expect(state.calls).toEqual({ list: 1, plan: 3 });
    expect(state.notRefreshed).toEqual([]);
  });

  it('keeps every listed account, in list order, with the plan fields the plan needs', async () => {
    const { desired, owners, plans } = mixedWorld();
    const state = await fetchLiveState(new FakeReader(owners, plans), desired, { accountType: 'all' });
    expect(state.accounts.map((a) => a.encoded_account_id)).toEqual(owners.map((o) => o.encoded_account_id));
    expect(state.accounts.find((a) => a.encoded_account_id === 'a07e1x1')).toEqual({
      encoded_account_id: 'a07e1x1',
      billing_status: 'Active',
      organization_name: 'Odd Status Inc',
      site_owner_name: 'owner_a07e1x1',
      subscriber_count: 10,
      plan: { plan_type: 'GOLD', billing_status: 'Open', billing_day_of_month: 30 },
    });
    expect(state.accounts.find((a) => a.encoded_account_id === 'a07e1e1')?.plan).toEqual({
      plan_type: 'TRIAL',
      billing_status: 'Trial End',
      billing_day_of_month: null,
    });
  });

  it('takes a plan without billing_day_of_month as null', async () => {
    const desired = [desiredAccount({ login_name: 'paid_one', encoded_account_id: 'a07e1p', plan_type: 'GOLD' })];
    const state = await fetchLiveState(
      new FakeReader([owner('a07e1p', 'Open')], { a07e1p: { plan_type: 'GOLD', billing_status: 'Open' } }),
      desired,
      { accountType: 'all' },
    );
    expect(state.accounts[0]?.plan).toEqual({ plan_type: 'GOLD', billing_status: 'Open', billing_day_of_month: null });
  });

  it('passes the account type to the list', async () => {
    const reader = new FakeReader([], {});
    await fetchLiveState(reader, [], { accountType: 'managed' });
    expect(reader.listOptions).toEqual([{ accountType: 'managed' }]);
  });

  it('tells its progress: the expected list page, each page read, then each plan read of those to do', async () => {
    const { desired, owners, plans } = mixedWorld();
    const events: ReadProgress[] = [];
    const reader = new FakeReader(owners, plans);
    await fetchLiveState(reader, desired, { accountType: 'all', onProgress: (progress) => events.push(progress) });
    const reads = reader.calls.getPlan;
    expect(reads).toBeGreaterThan(1);
    expect(events.slice(0, 3)).toEqual([
      { pages: { done: 0, total: 1 }, plans: { done: 0, total: null } },
      { pages: { done: 1, total: 1 }, plans: { done: 0, total: null } },
      { pages: { done: 1, total: 1 }, plans: { done: 0, total: reads } },
    ]);
    expect(events.slice(3).map((event) => event.plans.done)).toEqual(Array.from({ length: reads }, (_, i) => i + 1));
    expect(events.at(-1)).toEqual({ pages: { done: 1, total: 1 }, plans: { done: reads, total: reads } });
  });

  it('gives computePlan every plan it needs', async () => {
    const { desired, owners, plans } = mixedWorld();
    const state = await fetchLiveState(new FakeReader(owners, plans), desired, { accountType: 'all' });
    const plan = computePlan(desired, state, planOptions());
    expect(plan.changes.map((c) => `${c.action} ${c.encoded_account_id ?? c.login_name}`)).toEqual([
      'create to_create',
      'update a07e1t2',
      'reactivate a07e1c1',
      'cancel a07e1o3',
      'orphan a07e1orphan',
    ]);
    expect(plan.problems.map((p) => p.file)).toEqual(['accounts/gone.yaml', 'accounts/o2.yaml']);
  });

  it('with a scope reads no list, one GET per scoped file with an id; a 404 is an id that is not live', async () => {
    const { desired, owners, plans } = mixedWorld();
    const reader = new FakeReader(owners, plans);
    const scope = new Set([
      'accounts/x1.yaml',
      'accounts/t1.yaml',
      'accounts/new.yaml',
      'accounts/gone.yaml',
      'README.md',
    ]);
    const state = await fetchLiveState(reader, desired, { accountType: 'all', scope });
    expect([...reader.planReads].sort()).toEqual(['a07e1gone', 'a07e1t1', 'a07e1x1']);
    expect(state.calls).toEqual({ list: 0, plan: 3 });
    expect(state.listed).toBe(false);
    // Sorted; a create needs no read, and an id that answered 404 is neither refreshed nor skipped.
    expect(state.notRefreshed).toEqual(['a07e1c1', 'a07e1e1', 'a07e1o1', 'a07e1o2', 'a07e1o3', 'a07e1t2']);
    expect(state.refreshed).toEqual(['a07e1t1', 'a07e1x1']);
    expect(state.accounts.map((a) => [a.encoded_account_id, a.billing_status])).toEqual([
      ['a07e1t1', 'Trial'],
      ['a07e1x1', 'Open'],
    ]);
    const plan = computePlan(desired, state, planOptions());
    expect(plan.api.not_refreshed).toBe(6);
    expect(plan.managed_accounts).toBe(8);
    expect(plan.changes.map((c) => c.action)).toEqual(['create']);
    expect(plan.problems.map((p) => [p.file, p.message])).toEqual([
      ['accounts/gone.yaml', expect.stringMatching(/not a live account.*answers 404/)],
    ]);
  });

  it('with an empty scope makes no call at all', async () => {
    const { desired, owners, plans } = mixedWorld();
    const reader = new FakeReader(owners, plans);
    const state = await fetchLiveState(reader, desired, { accountType: 'all', scope: new Set() });
    expect(reader.calls).toEqual({ listAccounts: 0, getPlan: 0 });
    expect(state.notRefreshed).toHaveLength(9);
  });

  it("reads a removed file's account by the id it had, so the plan shows it as an orphan", async () => {
    const { desired, owners, plans } = mixedWorld();
    const reader = new FakeReader(owners, plans);
    const removed = [
      { encoded_account_id: 'a07e1orphan', file: 'accounts/orphan.yaml', organization_name: 'Gone Florist' },
      { encoded_account_id: 'a07e1x1', file: 'accounts/old-x1.yaml' },
    ];
    const state = await fetchLiveState(reader, desired, {
      accountType: 'all',
      scope: new Set(['accounts/orphan.yaml', 'accounts/x1.yaml']),
      removed,
    });
    // a07e1x1 moved to another file: read once, as that file's account.
    expect([...reader.planReads].sort()).toEqual(['a07e1orphan', 'a07e1x1']);
    const plan = computePlan(desired, state, planOptions());
    expect(plan.changes.map((c) => [c.action, c.encoded_account_id, c.organization_name])).toEqual([
      ['create', null, null],
      ['orphan', 'a07e1orphan', 'Gone Florist'],
    ]);
    // Named as the removed file's account, not as an orphan no file ever named; the moved one is no orphan.
    expect(state.accounts.find((account) => account.encoded_account_id === 'a07e1orphan')?.removed_file).toBe(
      'accounts/orphan.yaml',
    );
    expect(plan.changes[1]).toMatchObject({ removed_file: 'accounts/orphan.yaml' });
  });

  it('under a budget reads the list, then the least recently verified accounts first', async () => {
    const { desired, owners, plans } = mixedWorld();
    const reader = new FakeReader(owners, plans);
    const verifiedAt = new Map([
      ['a07e1e1', '2026-11-01T00:00:00.000Z'],
      ['a07e1o1', '2026-10-01T00:00:00.000Z'],
    ]);
    const state = await fetchLiveState(reader, desired, { accountType: 'all', maxCalls: 3, verifiedAt });
    // Three reads need GET (e1, o1, x1): x1 was never verified, o1 before e1.
    expect(reader.planReads).toEqual(['a07e1x1', 'a07e1o1']);
    expect(state.calls).toEqual({ list: 1, plan: 2 });
    expect(state.skipped).toEqual([
      { encoded_account_id: 'a07e1e1', file: 'accounts/e1.yaml', last_verified: '2026-11-01T00:00:00.000Z' },
    ]);
    expect(state.notRefreshed).toEqual(['a07e1e1']);
    // The list answered the others; a07e1gone is not live, so it was never verified.
    expect(state.refreshed).toEqual(['a07e1c1', 'a07e1o1', 'a07e1o2', 'a07e1o3', 'a07e1t1', 'a07e1t2', 'a07e1x1']);
    const plan = computePlan(desired, state, { ...planOptions(), maxCalls: 3 });
    expect(plan.over_budget).toEqual(state.skipped);
    expect(plan.api).toMatchObject({ max_calls: 3, refreshed: 7, not_refreshed: 1 });
  });

  it('under a budget the list cannot fit, skips the list and reads accounts by id', async () => {
    const { desired, owners, plans } = mixedWorld();
    const reader = new FakeReader(owners, plans);
    const state = await fetchLiveState(reader, desired, { accountType: 'all', maxCalls: 2, lastListPages: 2 });
    expect(reader.calls).toEqual({ listAccounts: 0, getPlan: 2 });
    expect(state.listed).toBe(false);
    expect(state.skipped).toHaveLength(7);
  });

  it('counts only the calls it made, not those the reader made before', async () => {
    const { desired, owners, plans } = mixedWorld();
    const reader = new FakeReader(owners, plans);
    reader.calls.listAccounts = 40;
    reader.calls.getPlan = 7;
    const state = await fetchLiveState(reader, desired, { accountType: 'all' });
    expect(state.calls).toEqual({ list: 1, plan: 3 });
    expect(reader.calls).toEqual({ listAccounts: 41, getPlan: 10 });
  });

  it('rejects when a plan read fails, never returning a partial state', async () => {
    const { desired, owners, plans } = mixedWorld();
    const failure = new Error('503 from CTCT');
    const reader = new FakeReader(owners, { ...plans, a07e1o1: failure });
    await expect(fetchLiveState(reader, desired, { accountType: 'all' })).rejects.toBe(failure);
    // The other reads were still awaited, so nothing is left running.
    expect(reader.calls.getPlan).toBe(3);
  });

  it('rejects when the list fails', async () => {
    const reader = new FakeReader([], {});
    reader.listAccounts = async () => {
      throw new Error('list failed');
    };
    await expect(fetchLiveState(reader, [], { accountType: 'all' })).rejects.toThrow('list failed');
  });
});

describe('fetchLiveState with the real client against the simulator', () => {
  let sim: Simulator | undefined;
  let client: CtctClient | undefined;
  afterEach(async () => {
    await client?.close();
    await sim?.close();
    client = undefined;
    sim = undefined;
  });

  async function world() {
    sim = await startSimulator({ requestsPerSecond: 0, dailyQuota: 0 });
    client = new CtctClient({
      baseUrl: sim.baseUrl,
      tokenUrl: sim.tokenUrl,
      ...sim.credentials,
      requestsPerSecond: 0,
      timeoutMs: 5000,
    });
    const create = async (login: string) =>
      (
        await client!.createAccount({
          login_name: login,
          contact_email: `${login.replace(/_/g, '')}@example.com`,
          country_code: 'US',
          state_code: 'MA',
          password: 'Correct-Horse-Battery-9',
        })
      ).encoded_account_id;
    const trial = await create('sim_trial');
    const trialUp = await create('sim_trial_up');
    const paid = await create('sim_paid');
    await client.setPlan(paid, { plan_type: 'SILVER', billing_day_of_month: 12 });
    const paidDown = await create('sim_paid_down');
    await client.setPlan(paidDown, { plan_type: 'GOLD', billing_day_of_month: 2 });
    const leaving = await create('sim_leaving');
    await client.setPlan(leaving, { plan_type: 'BRONZE', billing_day_of_month: 3 });
    const cancelled = await create('sim_cancelled');
    await client.setPlan(cancelled, { plan_type: 'BRONZE', billing_day_of_month: 3 });
    await client.cancelAccount(cancelled, { reason_id: 1 });
    const orphan = await create('sim_orphan');
    await client.setPlan(orphan, { plan_type: 'GOLD', billing_day_of_month: 1 });

    const desired = [
      desiredAccount({ login_name: 'sim_trial', encoded_account_id: trial, file: 'accounts/a.yaml' }),
      desiredAccount({
        login_name: 'sim_trial_up',
        encoded_account_id: trialUp,
        plan_type: 'GOLD',
        billing_day_of_month: 9,
        file: 'accounts/b.yaml',
      }),
      desiredAccount({
        login_name: 'sim_paid',
        encoded_account_id: paid,
        plan_type: 'SILVER',
        billing_day_of_month: 20,
        file: 'accounts/c.yaml',
      }),
      desiredAccount({
        login_name: 'sim_paid_down',
        encoded_account_id: paidDown,
        plan_type: 'TRIAL',
        file: 'accounts/d.yaml',
      }),
      desiredAccount({
        login_name: 'sim_leaving',
        encoded_account_id: leaving,
        plan_type: 'BRONZE',
        status: 'cancelled',
        cancel: { reason_id: 2 },
        file: 'accounts/e.yaml',
      }),
      desiredAccount({
        login_name: 'sim_cancelled',
        encoded_account_id: cancelled,
        plan_type: 'GOLD',
        file: 'accounts/f.yaml',
      }),
      desiredAccount({ login_name: 'sim_new', plan_type: 'GOLD', file: 'accounts/g.yaml' }),
    ];
    return { sim, client, desired, ids: { trial, trialUp, paid, paidDown, leaving, cancelled, orphan } };
  }

  it('lists once and GETs only the plan the list cannot answer', async () => {
    const { sim, client, desired, ids } = await world();
    const simPlansBefore = sim.stats.byOperation['getPlan'] ?? 0;
    const simListsBefore = sim.stats.byOperation['listAccounts'] ?? 0;
    const state = await fetchLiveState(client, desired, { accountType: 'all' });

    expect((sim.stats.byOperation['getPlan'] ?? 0) - simPlansBefore).toBe(1);
    expect((sim.stats.byOperation['listAccounts'] ?? 0) - simListsBefore).toBe(1);
    expect(state.calls).toEqual({ list: 1, plan: 1 });
    expect(state.accounts.map((a) => a.encoded_account_id).sort()).toEqual(Object.values(ids).sort());
    expect(state.accounts.filter((a) => a.plan !== undefined).map((a) => [a.encoded_account_id, a.plan])).toEqual([
      [ids.paid, { plan_type: 'SILVER', billing_status: 'Open', billing_day_of_month: 12 }],
    ]);

    const plan = computePlan(desired, state, planOptions());
    expect(plan.changes.map((c) => [c.action, c.login_name ?? c.encoded_account_id])).toEqual([
      ['create', 'sim_new'],
      ['update', 'sim_trial_up'],
      ['reactivate', 'sim_cancelled'],
      ['cancel', 'sim_leaving'],
      ['drift', 'sim_paid'],
      ['orphan', ids.orphan],
    ]);
    expect(plan.problems.map((p) => p.file)).toEqual(['accounts/d.yaml']);
    expect(plan.api.plan_calls).toBe(1);
  });

  it('with a scope GETs the plan of the changed file only, and lists nothing', async () => {
    const { sim, client, desired, ids } = await world();
    const before = { ...sim.stats.byOperation };
    const state = await fetchLiveState(client, desired, {
      accountType: 'all',
      scope: new Set(['accounts/c.yaml', 'accounts/g.yaml']),
    });
    expect((sim.stats.byOperation['getPlan'] ?? 0) - (before['getPlan'] ?? 0)).toBe(1);
    expect((sim.stats.byOperation['listAccounts'] ?? 0) - (before['listAccounts'] ?? 0)).toBe(0);
    expect(state.notRefreshed).toEqual([ids.trial, ids.trialUp, ids.paidDown, ids.leaving, ids.cancelled].sort());
  });

  it('rejects when CTCT fails a plan read', async () => {
    const { sim, client, desired } = await world();
    sim.faults.add({ method: 'GET', path: '/v3/partner/accounts/{id}/plan', kind: 'status', status: 404 });
    const error = await fetchLiveState(client, desired, { accountType: 'all' }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(CtctApiError);
    expect((error as CtctApiError).message).toMatch(/404/);
    expect((error as CtctApiError).message).toMatch(/\/plan/);
  });
});
