import { afterEach, describe, expect, it } from 'vitest';
import {
  COGNITO_TOKEN_PATH,
  DEFAULT_BEHAVIOUR,
  startSimulator,
  TOKEN_PATH,
  type Simulator,
  type SimulatorBehaviour,
} from '../../src/simulator/simulator.js';
import { basicAuth, mintToken, PartnerCaller, provisionBody } from './sim-harness.js';

/** Each reading of CTCT the simulator can play (SimulatorBehaviour), over HTTP, checked against the spec. */

const FORM = 'application/x-www-form-urlencoded';
let sim: Simulator;
afterEach(async () => {
  await sim.close();
});

async function start(behaviour: Partial<SimulatorBehaviour> = {}): Promise<{ sim: Simulator; api: PartnerCaller }> {
  sim = await startSimulator({ requestsPerSecond: 0, behaviour });
  return { sim, api: new PartnerCaller(sim) };
}

async function requestToken(url: string, body: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: basicAuth(sim.credentials.clientId, sim.credentials.clientSecret), 'content-type': FORM },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('simulator behaviours', () => {
  it(
    'defaults to the spec where it speaks: login as site_owner_name, 409 for a ' +
      'taken login, both token paths, any scheme, optional scope, managed by request',
    async () => {
      const { api } = await start();
      expect(sim.behaviour).toEqual(DEFAULT_BEHAVIOUR);
      expect(DEFAULT_BEHAVIOUR).toEqual({
        siteOwnerName: 'login',
        duplicateLogin: 409,
        tokenPaths: 'both',
        authorizationScheme: 'any',
        requireScope: false,
        managedSiteOwner: 'request',
      });
      const origin = new URL(sim.baseUrl).origin;
      expect(sim.tokenUrls).toEqual([`${origin}${TOKEN_PATH}`, `${origin}${COGNITO_TOKEN_PATH}`]);
      expect(sim.tokenUrl).toBe(`${origin}${TOKEN_PATH}`);
      expect((await api.call('POST', '/v3/partner/accounts', { json: provisionBody('hank_default') })).status).toBe(
        201,
      );
      expect((await api.call('POST', '/v3/partner/accounts', { json: provisionBody('HANK_default') })).status).toBe(
        409,
      );
      const list = await api.call('GET', '/v3/partner/accounts');
      expect(list.body.site_owner_list.map((a: { site_owner_name: string }) => a.site_owner_name)).toEqual([
        'hank_default',
      ]);
      expect(sim.findByLogin('hank_default')?.managed_site_owner).toBe(false);
    },
  );

  it("site_owner_name as the display name: the owner's name, else the organization, else the email", async () => {
    const { api } = await start({ siteOwnerName: 'display-name' });
    await api.call('POST', '/v3/partner/accounts', {
      json: provisionBody('jack_box_1', { first_name: 'Jack', last_name: 'Box' }),
    });
    await api.call('POST', '/v3/partner/accounts', {
      json: provisionBody('no_names_2', {
        first_name: undefined,
        last_name: undefined,
        organization_name: 'Jill Hill Ltd',
      }),
    });
    const list = await api.call('GET', '/v3/partner/accounts');
    expect(list.body.site_owner_list.map((a: { site_owner_name: string }) => a.site_owner_name)).toEqual([
      'Jack Box',
      'Jill Hill Ltd',
    ]);
  });

  it('a taken login answered 400 as a validation error, and nothing stored', async () => {
    const { api } = await start({ duplicateLogin: 400 });
    await api.call('POST', '/v3/partner/accounts', { json: provisionBody('taken_login') });
    const again = await api.call('POST', '/v3/partner/accounts', {
      json: provisionBody('taken_login', { organization_name: 'Other' }),
    });
    expect(again.status).toBe(400);
    expect(again.body).toEqual([
      { error_key: 'partner.api.validation.error', error_message: 'login_name taken_login is not available.' },
    ]);
    expect(sim.accounts()).toHaveLength(1);
  });

  it('serves only the token path asked for', async () => {
    await start({ tokenPaths: 'cognito' });
    const origin = new URL(sim.baseUrl).origin;
    expect(sim.tokenUrls).toEqual([`${origin}${COGNITO_TOKEN_PATH}`]);
    expect((await requestToken(`${origin}${COGNITO_TOKEN_PATH}`, 'grant_type=client_credentials')).status).toBe(200);
    expect((await fetch(`${origin}${TOKEN_PATH}`, { method: 'POST' })).status).toBe(404);
    await sim.close();
    await start({ tokenPaths: 'authz' });
    const authzOrigin = new URL(sim.baseUrl).origin;
    expect((await fetch(`${authzOrigin}${COGNITO_TOKEN_PATH}`, { method: 'POST' })).status).toBe(404);
  });

  for (const [scheme, refused] of [
    ['bearer', (t: string) => t],
    ['raw', (t: string) => `Bearer ${t}`],
  ] as const) {
    it(`authorization scheme ${scheme} only: the other form is 401`, async () => {
      const { api } = await start({ authorizationScheme: scheme });
      const token = await mintToken(sim);
      const accepted = scheme === 'bearer' ? `Bearer ${token}` : token;
      expect((await api.call('GET', '/v3/partner/accounts', { authorization: accepted })).status).toBe(200);
      const other = await api.call('GET', '/v3/partner/accounts', { authorization: refused(token) });
      expect(other.status).toBe(401);
      expect(other.body).toEqual({ error_key: 'unauthorized', error_message: 'Unauthorized' });
    });
  }

  it('with the scope required, a token request without it is 400 invalid_scope; with it, a token', async () => {
    await start({ requireScope: true });
    const without = await requestToken(sim.tokenUrl, 'grant_type=client_credentials');
    expect(without).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
    const wrong = await requestToken(sim.tokenUrl, 'grant_type=client_credentials&scope=openid');
    expect(wrong).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
    const right = await requestToken(sim.tokenUrl, 'grant_type=client_credentials&scope=v3api%2Fgeneral.partner');
    expect(right).toMatchObject({ status: 200, body: { scope: 'v3api/general.partner' } });
  });

  it('managed_site_owner decided by the partner set-up, whatever the request says', async () => {
    const { api } = await start({ managedSiteOwner: 'always' });
    await api.call('POST', '/v3/partner/accounts', {
      json: provisionBody('asked_unmanaged', { managed_site_owner: false }),
    });
    expect(sim.findByLogin('asked_unmanaged')?.managed_site_owner).toBe(true);
    const managed = await api.call('GET', '/v3/partner/accounts?account_type=managed');
    expect(managed.body.site_owner_list).toHaveLength(1);
    await sim.close();
    const never = await start({ managedSiteOwner: 'never' });
    await never.api.call('POST', '/v3/partner/accounts', {
      json: provisionBody('asked_managed', { managed_site_owner: true, enable_single_billing: true }),
    });
    expect(sim.findByLogin('asked_managed')).toMatchObject({ managed_site_owner: false });
    expect(sim.findByLogin('asked_managed')?.enable_single_billing).toBeUndefined();
  });
});
