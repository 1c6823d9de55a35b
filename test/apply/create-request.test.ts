import { describe, expect, it } from 'vitest';
import {
  computeProvisionRequest,
  describeUnresolved,
  findCreatedAccount,
  resolveUnknownCreate,
} from '../../src/apply/apply-plan.js';
import { CtctClient } from '../../src/ctct/ctct-client.js';
import { liveAccount, startTestSim } from './apply-harness.js';
import type { Simulator } from '../../src/simulator/simulator.js';
import { onTestFinished } from 'vitest';

describe('computeProvisionRequest', () => {
  it('sends state_code "" outside the US and Canada, and never the plan fields or password_env', () => {
    const after = {
      contact_email: 'e@example.co.uk',
      country_code: 'GB',
      organization_name: 'Thames',
      billing_locale: 'en_GB',
      plan_type: 'BRONZE',
      billing_day_of_month: 28,
      plan_group_id: 12,
    };
    expect(computeProvisionRequest('thames_tea', after, {})).toEqual({
      contact_email: 'e@example.co.uk',
      country_code: 'GB',
      state_code: '',
      organization_name: 'Thames',
      billing_locale: 'en_GB',
      login_name: 'thames_tea',
    });
  });

  it('keeps a US state and takes the password from the named environment variable', () => {
    const after = {
      contact_email: 'h@example.com',
      country_code: 'US',
      state_code: 'MA',
      managed_site_owner: true,
      password_env: 'HANKS_PW',
      plan_type: 'GOLD',
      billing_day_of_month: 1,
    };
    const body = computeProvisionRequest('hanks_fresh_fruit', after, { HANKS_PW: 'Correct-Horse-9' });
    expect(body).toEqual({
      contact_email: 'h@example.com',
      country_code: 'US',
      state_code: 'MA',
      managed_site_owner: true,
      login_name: 'hanks_fresh_fruit',
      password: 'Correct-Horse-9',
    });
    expect(body).not.toHaveProperty('password_env');
    expect(body).not.toHaveProperty('plan_type');
    expect(body).not.toHaveProperty('billing_day_of_month');
  });

  it('sends no password when the file names no variable', () => {
    expect(
      computeProvisionRequest(
        'no_password',
        { contact_email: 'n@example.com', country_code: 'CA', state_code: 'ON', plan_type: 'TRIAL' },
        { SOMETHING: 'x' },
      ),
    ).not.toHaveProperty('password');
  });
});

function clientFor(sim: Simulator): CtctClient {
  const client = new CtctClient({
    baseUrl: sim.baseUrl,
    tokenUrl: sim.tokenUrl,
    ...sim.credentials,
    requestsPerSecond: 0,
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    timeoutMs: 5_000,
  });
  onTestFinished(() => client.close());
  return client;
}

describe('resolveUnknownCreate against the simulator', () => {
  const body = (login: string, organization = `Org ${login}`) => ({
    contact_email: `${login}@example.com`,
    country_code: 'US',
    state_code: 'MA',
    login_name: login,
    organization_name: organization,
  });
  const wanted = (
    login: string,
    fields: {
      knownIds?: string[];
      claimed?: Set<string>;
      body?: ReturnType<typeof body> | null;
      pending?: boolean;
    } = {},
  ) => ({
    login,
    knownIds: new Set(fields.knownIds ?? []),
    claimed: fields.claimed ?? new Set<string>(),
    body: fields.body === undefined ? body(login) : fields.body,
    pending: fields.pending ?? false,
  });

  it('finds an account the lost POST did create by listing, without a second POST', async () => {
    const sim = await startTestSim({ accounts: [liveAccount('a07e1old0001', 'someone_else')] });
    const client = clientFor(sim);
    sim.faults.add({ method: 'POST', path: '/v3/partner/accounts', kind: 'drop-after-store' });
    await expect(client.createAccount(body('lost_answer'))).rejects.toThrow(
      /outcome of creating lost_answer is unknown/,
    );
    const posts = sim.stats.byOperation['createAccount'];

    const claimed = new Set<string>();
    const found = await resolveUnknownCreate(
      client,
      wanted('lost_answer', { knownIds: ['a07e1old0001'], claimed }),
      [10, 10],
    );
    expect(found).toEqual({ kind: 'found', id: sim.findByLogin('lost_answer')?.encoded_account_id, how: 'listed' });
    expect(claimed.has(sim.findByLogin('lost_answer')!.encoded_account_id)).toBe(true);
    expect(sim.stats.byOperation['createAccount']).toBe(posts);
    expect(sim.accounts()).toHaveLength(2);
  });

  it('creates the account with one re-POST when the first never reached CTCT (a listing shows nothing)', async () => {
    const sim = await startTestSim();
    const client = clientFor(sim);
    const waits: string[] = [];
    const found = await resolveUnknownCreate(client, wanted('never_sent'), [10], (line) => waits.push(line));
    expect(found).toEqual({ kind: 'found', id: sim.findByLogin('never_sent')?.encoded_account_id, how: 're-post' });
    expect(sim.accounts()).toHaveLength(1);
    expect(sim.stats.byOperation['listAccounts']).toBe(1);
    expect(waits).toEqual([]);
  });

  it('a create answered 503 is waited for and found by listing, never posted again', async () => {
    const sim = await startTestSim({ provisionDelayMs: 150 });
    const client = clientFor(sim);
    sim.faults.add({ method: 'POST', path: '/v3/partner/accounts', kind: 'status', status: 503 });
    await expect(client.createAccount(body('later_one'))).rejects.toThrow(/unknown/);
    const found = await resolveUnknownCreate(client, wanted('later_one', { pending: true }), [50, 100, 200, 400]);
    expect(found).toEqual({ kind: 'found', id: sim.findByLogin('later_one')?.encoded_account_id, how: 'listed' });
    expect(sim.stats.byOperation['createAccount']).toBe(1);
    expect(sim.accounts().filter((a) => a.login_name === 'later_one')).toHaveLength(1);
  });

  it(
    'a create answered 503 that is not listed by the ' + 'end of the wait stays pending, without a second POST',
    async () => {
      const sim = await startTestSim({ provisionDelayMs: 60_000 });
      const client = clientFor(sim);
      sim.faults.add({ method: 'POST', path: '/v3/partner/accounts', kind: 'status', status: 503 });
      await expect(client.createAccount(body('slow_one'))).rejects.toThrow(/unknown/);
      expect(await resolveUnknownCreate(client, wanted('slow_one', { pending: true }), [20, 20])).toEqual({
        kind: 'pending',
        waitedMs: 40,
      });
      expect(sim.stats.byOperation['createAccount']).toBe(1);
    },
  );

  it('stops as unproven without a POST when there is no body and nothing appears', async () => {
    const sim = await startTestSim();
    const client = clientFor(sim);
    expect(await resolveUnknownCreate(client, wanted('ghost_login', { body: null }), [5, 5])).toEqual({
      kind: 'unproven',
      waitedMs: 0,
      conflict: null,
    });
    expect(sim.stats.byOperation['createAccount']).toBeUndefined();
    expect(sim.stats.byOperation['listAccounts']).toBe(1);
  });

  it('never takes an account by organization name, nor one that was listed before the POST', async () => {
    const sim = await startTestSim({
      accounts: [
        liveAccount('a07e1twin0001', 'twin_one', { organization_name: 'Twins' }),
        liveAccount('a07e1same0001', 'renamed_login'),
      ],
    });
    const client = clientFor(sim);
    const result = await resolveUnknownCreate(
      client,
      wanted('renamed_login', { knownIds: ['a07e1twin0001', 'a07e1same0001'], body: null }),
      [5],
    );
    expect(result).toEqual({ kind: 'unproven', waitedMs: 0, conflict: null });
  });

  it('a re-POST answered 409 proves nothing: it waits, then stops as unproven, nothing adopted', async () => {
    const sim = await startTestSim({ accounts: [liveAccount('a07e1held0001', 'held_login')] });
    const client = clientFor(sim);
    const result = await resolveUnknownCreate(client, wanted('held_login', { knownIds: ['a07e1held0001'] }), [5]);
    expect(result).toMatchObject({ kind: 'unproven', waitedMs: 5, conflict: { status: 409 } });
  });

  it('so is a re-POST answered 400 where CTCT answers a taken login with 400, and the message says why', async () => {
    const sim = await startTestSim({
      accounts: [liveAccount('a07e1held0002', 'held_400')],
      behaviour: { duplicateLogin: 400 },
    });
    const client = clientFor(sim);
    const result = await resolveUnknownCreate(client, wanted('held_400', { knownIds: ['a07e1held0002'] }), [5]);
    expect(result).toMatchObject({ kind: 'unproven', waitedMs: 5, conflict: { status: 400 } });
    if (result.kind !== 'unproven') throw new Error('unreachable');
    expect(describeUnresolved(result, 'held_400', 'accounts/held.yaml', 'the answer was lost')).toBe(
      'the outcome of creating held_400 is unproven (the answer was lost): one more POST was refused ' +
        'with 400 (login_name held_400 is not available.), which may mean the login is in use, yet no new ' +
        'account lists it after 0 s; nothing was written on a guess. Run apply again later (the journal ' +
        'keeps it open), or set encoded_account_id in accounts/held.yaml to the id CTCT shows for held_400',
    );
  });

  it('two new accounts that both list the login name are never guessed between', () => {
    const owner = (id: string) => ({
      encoded_account_id: id,
      site_owner_name: 'twin_login',
      organization_name: 'Twins',
      billing_status: 'Trial',
    });
    expect(() =>
      findCreatedAccount([owner('a07e1twin0001'), owner('a07e1twin0002')], {
        login: 'twin_login',
        knownIds: new Set(),
        claimed: new Set(),
      }),
    ).toThrow(/cannot prove which of a07e1twin0001, a07e1twin0002 is twin_login/);
    expect(
      findCreatedAccount([owner('a07e1twin0001'), owner('a07e1twin0002')], {
        login: 'twin_login',
        knownIds: new Set(['a07e1twin0001']),
        claimed: new Set(),
      }),
    ).toBe('a07e1twin0002');
  });
});
