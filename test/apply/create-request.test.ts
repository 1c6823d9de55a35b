import { describe, expect, it } from 'vitest';
import { computeProvisionRequest, resolveUnknownCreate } from '../../src/apply/apply-plan.js';
import { CtctClient } from '../../src/ctct/ctct-client.js';
import { liveAccount, startTestSim } from './apply-harness.js';
import type { Simulator } from '../../src/simulator/simulator.js';
import { onTestFinished } from 'vitest';

describe('computeProvisionRequest', () => {
  it('sends state_code "" outside the US and Canada, and never the plan fields or password_env', () => {
    const after = { contact_email: 'e@example.co.uk', country_code: 'GB', organization_name: 'Thames', billing_locale: 'en_GB', plan_type: 'BRONZE', billing_day_of_month: 28, plan_group_id: 12 };
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
    const after = { contact_email: 'h@example.com', country_code: 'US', state_code: 'MA', managed_site_owner: true, password_env: 'HANKS_PW', plan_type: 'GOLD', billing_day_of_month: 1 };
    const body = computeProvisionRequest('hanks_fresh_fruit', after, { HANKS_PW: 'Correct-Horse-9' });
    expect(body).toEqual({ contact_email: 'h@example.com', country_code: 'US', state_code: 'MA', managed_site_owner: true, login_name: 'hanks_fresh_fruit', password: 'Correct-Horse-9' });
    expect(body).not.toHaveProperty('password_env');
    expect(body).not.toHaveProperty('plan_type');
    expect(body).not.toHaveProperty('billing_day_of_month');
  });

  it('sends no password when the file names no variable', () => {
    expect(computeProvisionRequest('no_password', { contact_email: 'n@example.com', country_code: 'CA', state_code: 'ON', plan_type: 'TRIAL' }, { SOMETHING: 'x' })).not.toHaveProperty('password');
  });
});

function clientFor(sim: Simulator): CtctClient {
  const client = new CtctClient({ baseUrl: sim.baseUrl, tokenUrl: sim.tokenUrl, ...sim.credentials, requestsPerSecond: 0, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 }, timeoutMs: 5_000 });
  onTestFinished(() => client.close());
  return client;
}

describe('resolveUnknownCreate against the simulator', () => {
  const body = (login: string, organization = `Org ${login}`) => ({ contact_email: `${login}@example.com`, country_code: 'US', state_code: 'MA', login_name: login, organization_name: organization });

  it('finds an account the lost POST did create by listing, without a second POST', async () => {
    const sim = await startTestSim({ accounts: [liveAccount('a07e1old0001', 'someone_else')] });
    const client = clientFor(sim);
    sim.faults.add({ method: 'POST', path: '/v3/partner/accounts', kind: 'drop-after-store' });
    await expect(client.createAccount(body('lost_answer'))).rejects.toThrow(/outcome of creating lost_answer is unknown/);
    const posts = sim.stats.byOperation['createAccount'];

    const claimed = new Set<string>();
    const found = await resolveUnknownCreate(client, { login: 'lost_answer', organizationName: 'Org lost_answer', knownIds: new Set(['a07e1old0001']), claimed, body: body('lost_answer') }, [10, 10]);
    expect(found).toEqual({ id: sim.findByLogin('lost_answer')?.encoded_account_id, how: 'listed' });
    expect(claimed.has(found!.id)).toBe(true);
    expect(sim.stats.byOperation['createAccount']).toBe(posts);
    expect(sim.accounts()).toHaveLength(2);
  });

  it('creates the account with one re-POST when the first never reached CTCT', async () => {
    const sim = await startTestSim();
    const client = clientFor(sim);
    const found = await resolveUnknownCreate(client, { login: 'never_sent', organizationName: undefined, knownIds: new Set(), claimed: new Set(), body: body('never_sent') }, [10]);
    expect(found).toEqual({ id: sim.findByLogin('never_sent')?.encoded_account_id, how: 're-post' });
    expect(sim.accounts()).toHaveLength(1);
  });

  it('waits for an account CTCT provisions later: the re-POST meets 409 and a later listing finds it', async () => {
    const sim = await startTestSim({ provisionDelayMs: 150 });
    const client = clientFor(sim);
    sim.faults.add({ method: 'POST', path: '/v3/partner/accounts', kind: 'provision-later' });
    await expect(client.createAccount(body('later_one'))).rejects.toThrow(/unknown/);
    const found = await resolveUnknownCreate(client, { login: 'later_one', organizationName: 'Org later_one', knownIds: new Set(), claimed: new Set(), body: body('later_one') }, [50, 100, 200, 400]);
    expect(found).toEqual({ id: sim.findByLogin('later_one')?.encoded_account_id, how: 'listed' });
    expect(sim.accounts().filter((a) => a.login_name === 'later_one')).toHaveLength(1);
  });

  it('gives up (null) without a blind POST when there is no body and nothing appears', async () => {
    const sim = await startTestSim();
    const client = clientFor(sim);
    expect(await resolveUnknownCreate(client, { login: 'ghost_login', organizationName: 'Ghost', knownIds: new Set(), claimed: new Set(), body: null }, [5, 5])).toBeNull();
    expect(sim.stats.byOperation['createAccount']).toBeUndefined();
    expect(sim.stats.byOperation['listAccounts']).toBe(3);
  });

  it('refuses to guess between two new accounts with the same organization name', async () => {
    const sim = await startTestSim({ accounts: [liveAccount('a07e1twin0001', 'twin_one', { organization_name: 'Twins' }), liveAccount('a07e1twin0002', 'twin_two', { organization_name: 'Twins' })] });
    const client = clientFor(sim);
    await expect(resolveUnknownCreate(client, { login: 'renamed_login', organizationName: 'Twins', knownIds: new Set(), claimed: new Set(), body: null }, [5])).rejects.toThrow(/cannot tell which of a07e1twin0001, a07e1twin0002 is renamed_login/);
  });
});
