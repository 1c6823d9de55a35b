import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/simulator.js';
import { PartnerCaller, checkedResponses, provisionBody, type SimCall } from './sim-harness.js';

let sim: Simulator;
let running = false;
let api: PartnerCaller;
let clock = Date.UTC(2026, 2, 14, 12);

async function start(options: SimulatorOptions = {}): Promise<Simulator> {
  clock = Date.UTC(2026, 2, 14, 12);
  const started = await startSimulator({ requestsPerSecond: 0, now: () => clock, ...options });
  sim = started;
  running = true;
  api = new PartnerCaller(started);
  return started;
}

afterEach(async () => {
  if (running) await sim.close();
  running = false;
});

async function create(login: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await api.call('POST', '/v3/partner/accounts', { json: provisionBody(login, overrides) });
  expect(res.status).toBe(201);
  return res.body.encoded_account_id as string;
}

async function listAll(query: string): Promise<{ ids: string[]; hrefs: string[]; pageSizes: number[] }> {
  const ids: string[] = [];
  const hrefs: string[] = [];
  const pageSizes: number[] = [];
  let next: string | undefined = `/v3/partner/accounts${query}`;
  while (next) {
    const res: SimCall = await api.call('GET', next);
    expect(res.status).toBe(200);
    pageSizes.push(res.body.site_owner_list.length);
    ids.push(...res.body.site_owner_list.map((o: { encoded_account_id: string }) => o.encoded_account_id));
    next = res.body._links?.next?.href;
    if (next) hrefs.push(next);
  }
  return { ids, hrefs, pageSizes };
}

describe('GET /partner/accounts', () => {
  it(
    'pages with an opaque offset and an origin-relative ' + 'next href that includes /v3; the last page has no next',
    async () => {
      await start({ seed: 35 });
      const first = await api.call('GET', '/v3/partner/accounts?limit=10');
      expect(first.body.site_owner_list).toHaveLength(10);
      expect(first.body._links).toEqual({ next: { href: '/v3/partner/accounts?offset=MTA*&limit=10' } });
      const { ids, hrefs, pageSizes } = await listAll('?limit=10');
      expect(pageSizes).toEqual([10, 10, 10, 5]);
      expect(hrefs).toEqual(['MTA*', 'MjA*', 'MzA*'].map((o) => `/v3/partner/accounts?offset=${o}&limit=10`));
      expect(ids).toEqual(sim.accounts().map((a) => a.encoded_account_id));
      const last = await api.call('GET', '/v3/partner/accounts?offset=MzA*&limit=10');
      expect(last.body._links).toBeUndefined();
      expect(Object.keys(last.body)).toEqual(['site_owner_list']);
    },
  );

  it('falls back to 50 for a limit under 10, over 50 or not a number, and defaults to 50', async () => {
    await start({ seed: 120 });
    for (const query of ['', '?limit=9', '?limit=51', '?limit=0', '?limit=ten']) {
      const res = await api.call('GET', `/v3/partner/accounts${query}`);
      expect(res.body.site_owner_list, query).toHaveLength(50);
      expect(res.body._links.next.href).toBe('/v3/partner/accounts?offset=NTA*&limit=50');
    }
    expect((await api.call('GET', '/v3/partner/accounts?limit=50')).body.site_owner_list).toHaveLength(50);
    expect((await api.call('GET', '/v3/partner/accounts?limit=10')).body.site_owner_list).toHaveLength(10);
  });

  it('reads an offset as a start index, so a page can be fetched directly; a made-up offset is 400', async () => {
    await start({ seed: 30 });
    const all = sim.accounts().map((a) => a.encoded_account_id);
    const page = await api.call('GET', '/v3/partner/accounts?offset=MTA*&limit=10');
    expect(page.body.site_owner_list.map((o: { encoded_account_id: string }) => o.encoded_account_id)).toEqual(
      all.slice(10, 20),
    );
    const beyond = await api.call('GET', '/v3/partner/accounts?offset=MTAw&limit=10');
    expect(beyond.body).toEqual({ site_owner_list: [] });
    for (const offset of ['10', 'not-base64!', 'LTE*']) {
      const bad = await api.call('GET', `/v3/partner/accounts?offset=${offset}`);
      expect(bad.status, offset).toBe(400);
      expect(bad.body[0].error_key).toBe('partner.api.validation.error');
    }
  });

  it(
    'lists each account with the spec fields only: ' + 'site_owner_name is the login name, no last_login_date',
    async () => {
      await start();
      const id = await create('hanks_fresh_fruit', { organization_name: 'Hanks Fresh Fruit' });
      await create('no_org_name_acct', { organization_name: undefined });
      const res = await api.call('GET', '/v3/partner/accounts');
      expect(res.body.site_owner_list).toEqual([
        {
          encoded_account_id: id,
          subscriber_count: 0,
          organization_name: 'Hanks Fresh Fruit',
          site_owner_name: 'hanks_fresh_fruit',
          billing_status: 'Trial',
        },
        {
          encoded_account_id: expect.any(String),
          subscriber_count: 0,
          site_owner_name: 'no_org_name_acct',
          billing_status: 'Trial',
        },
      ]);
    },
  );

  it(
    'filters by account_type managed, unmanaged or all, keeps ' +
      'the filter in the next href, and refuses other values',
    async () => {
      await start({ seed: 60 });
      const accounts = sim.accounts();
      const managed = accounts.filter((a) => a.managed_site_owner).map((a) => a.encoded_account_id);
      const unmanaged = accounts.filter((a) => !a.managed_site_owner).map((a) => a.encoded_account_id);
      expect(managed.length).toBeGreaterThan(10);
      expect(unmanaged.length).toBeGreaterThan(10);
      const m = await listAll('?account_type=managed&limit=10');
      expect(m.ids).toEqual(managed);
      expect(m.hrefs[0]).toBe('/v3/partner/accounts?offset=MTA*&limit=10&account_type=managed');
      expect((await listAll('?account_type=unmanaged')).ids).toEqual(unmanaged);
      expect((await listAll('?account_type=all')).ids).toEqual(accounts.map((a) => a.encoded_account_id));
      const bad = await api.call('GET', '/v3/partner/accounts?account_type=partner');
      expect(bad.status).toBe(400);
    },
  );

  it('seeds a deterministic mix of plans and statuses', async () => {
    await start({ seed: 400 });
    const accounts = sim.accounts();
    const statuses = new Set(accounts.map((a) => `${a.plan_type}/${a.billing_status}`));
    for (const combo of ['TRIAL/Trial', 'TRIAL/Trial End', 'BRONZE/Open', 'SILVER/Open', 'GOLD/Open'])
      expect(statuses).toContain(combo);
    expect(accounts.some((a) => a.billing_status === 'Canceled' && a.plan_type !== 'TRIAL')).toBe(true);
    for (const a of accounts) {
      expect(a.encoded_account_id).toMatch(/^a07e1[a-z0-9]{7,9}$/);
      expect(a.billing_day_of_month === null).toBe(a.plan_type === 'TRIAL');
    }
    const again = await startSimulator({ seed: 400, requestsPerSecond: 0 });
    expect(again.accounts()).toEqual(accounts);
    await again.close();
  });
});

describe('POST /partner/accounts', () => {
  it(
    'creates a TRIAL account: 201 with encoded_account_id ' + 'and provision_uuid, Trial status, no billing day',
    async () => {
      await start();
      const res = await api.call('POST', '/v3/partner/accounts', { json: provisionBody('hanks_fresh_fruit') });
      expect(res.status).toBe(201);
      expect(Object.keys(res.body).sort()).toEqual(['encoded_account_id', 'provision_uuid']);
      expect(res.body.encoded_account_id).toMatch(/^a07e1[a-z0-9]{7,9}$/);
      expect(res.body.provision_uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const plan = await api.call('GET', `/v3/partner/accounts/${res.body.encoded_account_id}/plan`);
      expect(plan.body).toEqual({
        plan_type: 'TRIAL',
        current_tiers: [],
        billing_status: 'Trial',
        billing_day_of_month: null,
      });
      const stored = sim.findByLogin('hanks_fresh_fruit');
      expect(stored).toMatchObject({
        encoded_account_id: res.body.encoded_account_id,
        contact_email: 'hanksfreshfruit@example.com',
        has_password: true,
        managed_site_owner: false,
        created_seq: 1,
      });
      expect(JSON.stringify(sim.accounts())).not.toContain('Correct-Horse-9');
    },
  );

  it('keeps the create-only fields, managed_site_owner, and state_code "" outside the US and Canada', async () => {
    await start();
    await create('uk_client_01', {
      country_code: 'GB',
      state_code: '',
      billing_locale: 'en_GB',
      managed_site_owner: true,
      partner_account_id: 'p-1',
      website: 'https://example.co.uk',
    });
    await create('ca_client_01', { country_code: 'CA', state_code: 'ON' });
    expect(sim.findByLogin('uk_client_01')).toMatchObject({
      country_code: 'GB',
      state_code: '',
      billing_locale: 'en_GB',
      managed_site_owner: true,
      partner_account_id: 'p-1',
    });
    expect(sim.findByLogin('ca_client_01')?.state_code).toBe('ON');
  });

  it('answers 400 with an array naming every failed rule', async () => {
    await start();
    const missing = await api.call('POST', '/v3/partner/accounts', { json: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.map((e: { error_message: string }) => e.error_message)).toEqual(
      expect.arrayContaining([
        'contact_email is required.',
        'country_code is required.',
        'login_name is required.',
        'state_code is required.',
      ]),
    );
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['short login', { login_name: 'abc12' }, /login_name must be at least 6/],
      ['long login', { login_name: 'x'.repeat(51) }, /login_name must be at most 50/],
      ['login characters', { login_name: 'hank smith!' }, /only contain alphanumeric/],
      ['email', { contact_email: 'not-an-email' }, /valid email/],
      ['email length', { contact_email: `${'a'.repeat(75)}@example.com` }, /contact_email must be at most 80/],
      ['website', { website: 'ftp://example.com' }, /http:\/\/ or https:\/\//],
      ['short password', { password: 'Short-1' }, /password must be at least 8/],
      [
        'password with external id',
        { external_id: '123', external_provider: 'PayPal' },
        /password must not be used together/,
      ],
      [
        'password containing login',
        { password: 'my-hanks_fresh_fruit-1' },
        /must not contain any part of the username \("hanks_fresh_fruit"\)/,
      ],
      [
        'password containing part of the login',
        { password: 'Fresh-Start-2026' },
        /must not contain any part of the username \("fresh"\)/,
      ],
      ['US state', { state_code: 'ON' }, /valid US state/],
      ['CA province', { country_code: 'CA', state_code: 'MA' }, /valid Canadian province/],
      ['state outside US/CA', { country_code: 'GB', state_code: 'MA' }, /state_code must be blank/],
      ['country length', { country_code: 'U' }, /country_code must be at least 2/],
      ['organization length', { organization_name: 'o'.repeat(51) }, /organization_name must be at most 50/],
      ['first name length', { first_name: 'H' }, /first_name must be at least 2/],
      ['phone length', { contact_phone: '123' }, /contact_phone must be at least 5/],
      ['partner_account_id length', { partner_account_id: 'p'.repeat(81) }, /partner_account_id must be at most 80/],
      ['billing locale', { billing_locale: 'fr_FR' }, /en_US or en_GB/],
      ['boolean', { managed_site_owner: 'yes' }, /managed_site_owner must be a boolean/],
      ['type', { login_name: 123456 }, /login_name must be a string/],
    ];
    for (const [name, overrides, message] of cases) {
      const res = await api.call('POST', '/v3/partner/accounts', {
        json: provisionBody('hanks_fresh_fruit', overrides),
      });
      expect(res.status, name).toBe(400);
      expect(Array.isArray(res.body), name).toBe(true);
      expect(res.body.map((e: { error_message: string }) => e.error_message).join(' | '), name).toMatch(message);
    }
    expect(sim.accounts()).toEqual([]);
    await create('sso_only_client', { password: undefined, external_id: '99', external_provider: 'PayPal' });
  });

  it("checks the plan, cancel, SSO user and operation bodies against the spec's definitions", async () => {
    await start({ ssoForNewAccounts: true });
    const id = await create('spec_checked');
    const cases: Array<[string, string, string, Record<string, unknown>, RegExp]> = [
      [
        'PlanInfo type',
        'PUT',
        'plan',
        { plan_type: 'GOLD', plan_group_id: 'twelve' },
        /plan_group_id must be an integer/,
      ],
      ['PlanInfo string', 'PUT', 'plan', { plan_type: 5 }, /plan_type must be a string/],
      ['cancel date', 'PUT', 'status/cancel', { effective_date: 'next week' }, /effective_date must be an ISO-8601/],
      ['cancel reason type', 'PUT', 'status/cancel', { reason_id: '1' }, /reason_id must be an integer/],
      ['SSO required', 'POST', 'users/sso', { first_name: 'Jo' }, /external_provider is required\./],
      ['SSO length', 'POST', 'users/sso', { login_name: 'l'.repeat(51) }, /login_name must be at most 50/],
      ['operation required', 'POST', 'account_operations/sync', {}, /account_operation_url is required\./],
      [
        'operation items',
        'POST',
        'account_operations/sync',
        {
          account_operation_url: '/x',
          account_operation_method: 'GET',
          account_operation_headers: [{ header_key: 1 }],
        },
        /account_operation_headers\[0\]\.header_key must be a string\./,
      ],
    ];
    for (const [name, method, path, json, message] of cases) {
      const res = await api.call(method, `/v3/partner/accounts/${id}/${path}`, { json });
      expect(res.status, name).toBe(400);
      expect(res.body.map((e: { error_message: string }) => e.error_message).join(' | '), name).toMatch(message);
    }
    // The docs' own example sends the billing day as a string of digits.
    const digits = await api.call('PUT', `/v3/partner/accounts/${id}/plan`, {
      json: { plan_type: 'GOLD', billing_day_of_month: '7' },
    });
    expect(digits.status).toBe(200);
    expect(sim.findByLogin('spec_checked')?.billing_day_of_month).toBe(7);
  });

  it('answers 409 for a login name already in use, whatever its case', async () => {
    await start();
    await create('hanks_fresh_fruit');
    for (const login of ['hanks_fresh_fruit', 'HANKS_Fresh_Fruit']) {
      const res = await api.call('POST', '/v3/partner/accounts', { json: provisionBody(login) });
      expect(res.status).toBe(409);
      expect(res.body).toEqual([
        { error_key: 'partner.api.conflict', error_message: expect.stringContaining('already in use') },
      ]);
    }
    expect(sim.accounts()).toHaveLength(1);
  });

  it('answers 415 for a body that is not JSON by its content type, and 400 for malformed JSON', async () => {
    await start();
    const text = await api.call('POST', '/v3/partner/accounts', {
      raw: JSON.stringify(provisionBody('hanks_fresh_fruit')),
      contentType: 'text/plain',
    });
    expect(text.status).toBe(415);
    const none = await api.call('POST', '/v3/partner/accounts');
    expect(none.status).toBe(415);
    const malformed = await api.call('POST', '/v3/partner/accounts', {
      raw: '{"login_name": ',
      contentType: 'application/json; charset=utf-8',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body[0].error_key).toBe('partner.api.request.malformed');
    const array = await api.call('POST', '/v3/partner/accounts', { json: [provisionBody('hanks_fresh_fruit')] });
    expect(array.status).toBe(400);
    expect(sim.accounts()).toEqual([]);
  });
});

describe('GET and PUT /partner/accounts/{id}/plan', () => {
  it('leaving TRIAL opens billing with the billing day from the body', async () => {
    await start();
    const id = await create('hanks_fresh_fruit');
    const res = await api.call('PUT', `/v3/partner/accounts/${id}/plan`, {
      json: { plan_type: 'GOLD', billing_day_of_month: 15 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ plan_type: 'GOLD', billing_status: 'Open', billing_day_of_month: 15 });
    expect(res.body.current_tiers).toEqual([
      {
        usage_type: 'CONTACTS',
        current_usage: 0,
        tier: 1,
        tier_min: 0,
        tier_max: 500,
        price: expect.any(Number),
        currency_code: 'USD',
      },
    ]);
    expect((await api.call('GET', `/v3/partner/accounts/${id}/plan`)).body).toEqual(res.body);
    const listed = await api.call('GET', '/v3/partner/accounts');
    expect(listed.body.site_owner_list[0].billing_status).toBe('Open');
  });

  it(
    'leaving TRIAL without a billing day uses the day of ' + "the change (UTC); the docs' string day is accepted",
    async () => {
      await start();
      const a = await create('client_without_day');
      const b = await create('client_string_day');
      expect(
        (await api.call('PUT', `/v3/partner/accounts/${a}/plan`, { json: { plan_type: 'SILVER' } })).body
          .billing_day_of_month,
      ).toBe(14);
      expect(
        (
          await api.call('PUT', `/v3/partner/accounts/${b}/plan`, {
            json: { plan_type: 'BRONZE', billing_day_of_month: '1' },
          })
        ).body.billing_day_of_month,
      ).toBe(1);
    },
  );

  it('ignores the billing day when not leaving TRIAL', async () => {
    await start();
    const id = await create('hanks_fresh_fruit');
    await api.call('PUT', `/v3/partner/accounts/${id}/plan`, { json: { plan_type: 'GOLD', billing_day_of_month: 15 } });
    const res = await api.call('PUT', `/v3/partner/accounts/${id}/plan`, {
      json: { plan_type: 'BRONZE', billing_day_of_month: 3 },
    });
    expect(res.body).toMatchObject({ plan_type: 'BRONZE', billing_status: 'Open', billing_day_of_month: 15 });
  });

  it('has no way back to TRIAL; TRIAL on a trial account changes nothing', async () => {
    await start();
    const trial = await create('still_on_trial');
    const same = await api.call('PUT', `/v3/partner/accounts/${trial}/plan`, {
      json: { plan_type: 'TRIAL', billing_day_of_month: 5 },
    });
    expect(same.status).toBe(200);
    expect(same.body).toEqual({
      plan_type: 'TRIAL',
      current_tiers: [],
      billing_status: 'Trial',
      billing_day_of_month: null,
    });
    const paid = await create('already_paying');
    await api.call('PUT', `/v3/partner/accounts/${paid}/plan`, { json: { plan_type: 'SILVER' } });
    const back = await api.call('PUT', `/v3/partner/accounts/${paid}/plan`, { json: { plan_type: 'TRIAL' } });
    expect(back.status).toBe(400);
    expect(back.body[0].error_message).toMatch(/back to TRIAL/);
    expect(sim.findByLogin('already_paying')?.plan_type).toBe('SILVER');
  });

  it('reactivates a canceled account with a paid plan, never with TRIAL', async () => {
    await start();
    const paid = await create('hanks_fresh_fruit');
    await api.call('PUT', `/v3/partner/accounts/${paid}/plan`, {
      json: { plan_type: 'GOLD', billing_day_of_month: 9 },
    });
    await api.call('PUT', `/v3/partner/accounts/${paid}/status/cancel`, { json: { reason_id: 1 } });
    expect((await api.call('GET', `/v3/partner/accounts/${paid}/plan`)).body.billing_status).toBe('Canceled');
    const res = await api.call('PUT', `/v3/partner/accounts/${paid}/plan`, { json: { plan_type: 'SILVER' } });
    expect(res.body).toMatchObject({ plan_type: 'SILVER', billing_status: 'Open', billing_day_of_month: 9 });
    expect(sim.findByLogin('hanks_fresh_fruit')?.cancellation).toBeUndefined();

    const trial = await create('canceled_trial');
    await api.call('PUT', `/v3/partner/accounts/${trial}/status/cancel`);
    expect((await api.call('PUT', `/v3/partner/accounts/${trial}/plan`, { json: { plan_type: 'TRIAL' } })).status).toBe(
      400,
    );
    const reopened = await api.call('PUT', `/v3/partner/accounts/${trial}/plan`, {
      json: { plan_type: 'BRONZE', billing_day_of_month: 20 },
    });
    expect(reopened.body).toMatchObject({ plan_type: 'BRONZE', billing_status: 'Open', billing_day_of_month: 20 });
  });

  it(
    'answers 400 for a missing or unknown plan type, a ' + 'billing day outside 1–31 and a non-integer plan group',
    async () => {
      await start();
      const id = await create('hanks_fresh_fruit');
      const bodies: Array<Record<string, unknown> | undefined> = [
        undefined,
        {},
        { plan_type: 'PLATINUM' },
        { plan_type: 'gold' },
        { plan_type: 'GOLD', billing_day_of_month: 0 },
        { plan_type: 'GOLD', billing_day_of_month: 32 },
        { plan_type: 'GOLD', billing_day_of_month: 1.5 },
        { plan_type: 'GOLD', plan_group_id: 'twelve' },
      ];
      for (const json of bodies) {
        const res = await api.call(
          'PUT',
          `/v3/partner/accounts/${id}/plan`,
          json === undefined ? { contentType: 'application/json' } : { json },
        );
        expect(res.status, JSON.stringify(json)).toBe(400);
      }
      expect(sim.findByLogin('hanks_fresh_fruit')?.plan_type).toBe('TRIAL');
    },
  );

  it('accepts the legacy plan types and a plan_group_id, which GET does not return', async () => {
    await start();
    const id = await create('hanks_fresh_fruit');
    const res = await api.call('PUT', `/v3/partner/accounts/${id}/plan`, {
      json: { plan_type: 'BEST', plan_group_id: 152 },
    });
    expect(res.body.plan_type).toBe('BEST');
    expect(res.body).not.toHaveProperty('plan_group_id');
    expect(sim.findByLogin('hanks_fresh_fruit')?.plan_group_id).toBe(152);
  });

  it('answers 404 for an unknown id, 415 for a non-JSON body', async () => {
    await start();
    const get = await api.call('GET', '/v3/partner/accounts/a07e1nothere/plan');
    const put = await api.call('PUT', '/v3/partner/accounts/a07e1nothere/plan', { json: { plan_type: 'GOLD' } });
    expect([get.status, put.status]).toEqual([404, 404]);
    expect(get.body[0].error_key).toBe('partner.api.not_found');
    const id = await create('hanks_fresh_fruit');
    const text = await api.call('PUT', `/v3/partner/accounts/${id}/plan`, {
      raw: 'plan_type=GOLD',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(text.status).toBe(415);
  });

  it('prices the current tier by subscriber count and currency', async () => {
    await start({ seed: 200 });
    const paid = sim
      .accounts()
      .find((a) => a.billing_status === 'Open' && a.subscriber_count > 1000 && a.billing_locale === 'en_GB');
    expect(paid).toBeDefined();
    const res = await api.call('GET', `/v3/partner/accounts/${paid?.encoded_account_id}/plan`);
    const [tier] = res.body.current_tiers;
    expect(tier.currency_code).toBe('GBP');
    expect(tier.tier).toBeGreaterThanOrEqual(3);
    expect(tier.tier_min).toBeLessThanOrEqual(paid?.subscriber_count as number);
    expect(tier.tier_max).toBeGreaterThanOrEqual(paid?.subscriber_count as number);
  });
});

describe('PUT /partner/accounts/{id}/status/cancel', () => {
  it('cancels now with a reason, and the list shows Canceled', async () => {
    await start();
    const id = await create('hanks_fresh_fruit');
    const res = await api.call('PUT', `/v3/partner/accounts/${id}/status/cancel`, { json: { reason_id: 2 } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ reason_id: 2, effective_date: new Date(clock).toISOString() });
    expect((await api.call('GET', '/v3/partner/accounts')).body.site_owner_list[0].billing_status).toBe('Canceled');
  });

  it('cancels now without a body, and leaves reason_id out of the answer', async () => {
    await start();
    const id = await create('hanks_fresh_fruit');
    const res = await api.call('PUT', `/v3/partner/accounts/${id}/status/cancel`);
    expect(res.body).toEqual({ effective_date: new Date(clock).toISOString() });
    expect(sim.findByLogin('hanks_fresh_fruit')?.billing_status).toBe('Canceled');
  });

  it('keeps the status until a future effective date, then reads Canceled', async () => {
    await start({ tokenTtlSeconds: 30 * 86_400 });
    const id = await create('hanks_fresh_fruit');
    await api.call('PUT', `/v3/partner/accounts/${id}/plan`, { json: { plan_type: 'GOLD' } });
    const when = new Date(clock + 3 * 86_400_000).toISOString();
    const res = await api.call('PUT', `/v3/partner/accounts/${id}/status/cancel`, {
      json: { reason_id: 27, effective_date: when },
    });
    expect(res.body).toEqual({ reason_id: 27, effective_date: when });
    expect((await api.call('GET', `/v3/partner/accounts/${id}/plan`)).body.billing_status).toBe('Open');
    clock += 3 * 86_400_000;
    expect((await api.call('GET', `/v3/partner/accounts/${id}/plan`)).body.billing_status).toBe('Canceled');
    expect((await api.call('GET', '/v3/partner/accounts')).body.site_owner_list[0].billing_status).toBe('Canceled');
  });

  it('keeps a cancellation waiting for its date through a plan change', async () => {
    await start({ tokenTtlSeconds: 30 * 86_400 });
    const id = await create('hanks_fresh_fruit');
    const when = new Date(clock + 86_400_000).toISOString();
    await api.call('PUT', `/v3/partner/accounts/${id}/status/cancel`, { json: { effective_date: when } });
    const upgraded = await api.call('PUT', `/v3/partner/accounts/${id}/plan`, { json: { plan_type: 'GOLD' } });
    expect(upgraded.body.billing_status).toBe('Open');
    expect(sim.findByLogin('hanks_fresh_fruit')?.cancellation?.effective_date).toBe(when);
    clock += 86_400_000;
    expect((await api.call('GET', `/v3/partner/accounts/${id}/plan`)).body).toMatchObject({
      plan_type: 'GOLD',
      billing_status: 'Canceled',
    });
  });

  it('answers 400 for a reason id CTCT does not list or a date that is not ISO-8601', async () => {
    await start();
    const id = await create('hanks_fresh_fruit');
    for (const json of [
      { reason_id: 4 },
      { reason_id: '1' },
      { effective_date: 'tomorrow' },
      { effective_date: '2026-13-45T00:00:00Z' },
    ]) {
      const res = await api.call('PUT', `/v3/partner/accounts/${id}/status/cancel`, { json });
      expect(res.status, JSON.stringify(json)).toBe(400);
    }
    expect(sim.findByLogin('hanks_fresh_fruit')?.billing_status).toBe('Trial');
  });

  it('answers 404 for an unknown id; cancelling twice answers the cancellation in force', async () => {
    await start();
    expect(
      (await api.call('PUT', '/v3/partner/accounts/a07e1nothere/status/cancel', { json: { reason_id: 1 } })).status,
    ).toBe(404);
    const id = await create('hanks_fresh_fruit');
    const first = await api.call('PUT', `/v3/partner/accounts/${id}/status/cancel`, { json: { reason_id: 1 } });
    clock += 60_000;
    const second = await api.call('PUT', `/v3/partner/accounts/${id}/status/cancel`, { json: { reason_id: 14 } });
    expect(second.body).toEqual(first.body);
  });
});

describe('users/sso and account_operations/sync', () => {
  const ssoUser = {
    first_name: 'Josie',
    last_name: 'Lang',
    role_name: 'campaign_creator',
    contact_email: 'josie@example.com',
    login_name: 'josie.lang',
    external_id: '23378234122161121',
    external_provider: 'Yahoo',
  };
  const postUser = (id: string, json: unknown) => api.call('POST', `/v3/partner/accounts/${id}/users/sso`, { json });

  it(
    'adds an SSO user with 201 and no body; 409 for a login or email already ' +
      'in the account; 400 for missing or long fields; 404 for an unknown id',
    async () => {
      await start({ ssoForNewAccounts: true });
      const id = await create('hanks_fresh_fruit');
      const created = await postUser(id, ssoUser);
      expect(created.status).toBe(201);
      expect(created.body).toBeUndefined();
      expect(sim.findByLogin('hanks_fresh_fruit')?.sso_users).toEqual([
        { ...ssoUser, created_at: new Date(clock).toISOString() },
      ]);
      const conflicts = [
        ssoUser,
        { ...ssoUser, login_name: 'JOSIE.LANG', contact_email: 'other@example.com' },
        { ...ssoUser, login_name: 'other', contact_email: 'Josie@Example.com' },
        { ...ssoUser, login_name: 'Hanks_Fresh_Fruit', contact_email: 'x@example.com' },
      ];
      for (const json of conflicts) expect((await postUser(id, json)).status).toBe(409);
      const { external_id: _omitted, ...missing } = ssoUser;
      for (const json of [
        missing,
        { ...ssoUser, login_name: 'x'.repeat(51) },
        { ...ssoUser, login_name: 'other', role_name: 'owner' },
        { ...ssoUser, login_name: 'other', external_provider: 'p'.repeat(81) },
      ]) {
        expect((await postUser(id, json)).status).toBe(400);
      }
      expect((await postUser('a07e1nothere', ssoUser)).status).toBe(404);
      expect(sim.findByLogin('hanks_fresh_fruit')?.sso_users).toHaveLength(1);
    },
  );

  it('answers 403 where the account lacks SSO for all users, and stores nothing', async () => {
    await start();
    const id = await create('no_sso_client');
    const refused = await postUser(id, ssoUser);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error_key: 'forbidden',
      error_message: `Single Sign On (SSO) for all users is not enabled for client account ${id}.`,
    });
    expect(sim.findByLogin('no_sso_client')).toMatchObject({ sso_enabled: false, sso_users: [] });
  });

  it('seeds every fifth account with SSO for all users', async () => {
    await start({ seed: 10 });
    expect(sim.accounts().map((account) => account.sso_enabled)).toEqual([
      false,
      false,
      false,
      false,
      true,
      false,
      false,
      false,
      false,
      true,
    ]);
  });

  it('runs account operations only for managed accounts, after validating the request', async () => {
    await start();
    const managed = await create('managed_client', { managed_site_owner: true });
    const unmanaged = await create('unmanaged_client');
    const json = { account_operation_url: '/account/summary', account_operation_method: 'GET' };
    const ok = await api.call('POST', `/v3/partner/accounts/${managed}/account_operations/sync`, { json });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      encoded_account_id: managed,
      contact_email: 'managedclient@example.com',
      country_code: 'US',
      state_code: 'MA',
      organization_name: 'Hanks Fresh Fruit',
      first_name: 'Hank',
      last_name: 'Smith',
    });
    expect((await api.call('POST', `/v3/partner/accounts/${unmanaged}/account_operations/sync`, { json })).status).toBe(
      403,
    );
    for (const bad of [
      {},
      { account_operation_url: '/contacts' },
      { ...json, account_operation_method: 'TRACE' },
      { ...json, account_operation_url: 'https://api.cc.email/v3/contacts' },
      { ...json, account_operation_headers: 'Accept: x' },
    ]) {
      expect(
        (await api.call('POST', `/v3/partner/accounts/${managed}/account_operations/sync`, { json: bad })).status,
        JSON.stringify(bad),
      ).toBe(400);
    }
    expect((await api.call('POST', '/v3/partner/accounts/a07e1nothere/account_operations/sync', { json })).status).toBe(
      404,
    );
    const unserved = await api.call('POST', `/v3/partner/accounts/${managed}/account_operations/sync`, {
      json: {
        account_operation_url: '/contacts/{contact_id}',
        account_operation_method: 'GET',
        account_operation_path_parameters: [{ path_param_key: 'contact_id', path_param_value: 'c-1' }],
      },
    });
    expect(unserved.status).toBe(404);
    expect(unserved.body[0].error_message).toContain('GET /contacts/c-1');
  });

  it(
    'updates the summary partially and keeps one physical ' + 'address: POST once (then 409), PUT replaces it whole',
    async () => {
      await start();
      const id = await create('managed_client', { managed_site_owner: true, organization_name: 'Old Name' });
      const sync = (json: Record<string, unknown>) =>
        api.call('POST', `/v3/partner/accounts/${id}/account_operations/sync`, { json });
      const payload = (value: unknown) => JSON.stringify(value);

      const put = await sync({
        account_operation_url: '/account/summary',
        account_operation_method: 'PUT',
        account_operation_payload: payload({ organization_name: 'New Name', contact_phone: '555-0100' }),
      });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ organization_name: 'New Name', contact_phone: '555-0100', first_name: 'Hank' });
      const address = {
        address_line1: '12 Harbor Road',
        address_line2: 'Suite 4',
        city: 'Portland',
        state_code: 'ME',
        postal_code: '04101',
        country_code: 'US',
      };
      expect(
        (
          await sync({
            account_operation_url: '/account/summary/physical_address',
            account_operation_method: 'PUT',
            account_operation_payload: payload(address),
          })
        ).status,
      ).toBe(404);
      const posted = await sync({
        account_operation_url: '/account/summary/physical_address',
        account_operation_method: 'POST',
        account_operation_payload: payload(address),
      });
      expect(posted.status).toBe(200);
      expect(
        (
          await sync({
            account_operation_url: '/account/summary/physical_address',
            account_operation_method: 'POST',
            account_operation_payload: payload(address),
          })
        ).status,
      ).toBe(409);
      const { address_line2: _dropped, ...moved } = { ...address, address_line1: '14 Harbor Road' };
      expect(
        (
          await sync({
            account_operation_url: '/account/summary/physical_address',
            account_operation_method: 'PUT',
            account_operation_payload: payload(moved),
          })
        ).status,
      ).toBe(200);

      const summary = await sync({
        account_operation_url: '/account/summary',
        account_operation_method: 'GET',
        account_operation_query_parameters: [
          { query_param_key: 'extra_fields', query_param_value: 'physical_address' },
        ],
      });
      expect(summary.body).toMatchObject({
        organization_name: 'New Name',
        contact_phone: '555-0100',
        physical_address: moved,
      });
      expect(summary.body.physical_address).not.toHaveProperty('address_line2');
      const plain = await sync({ account_operation_url: '/account/summary', account_operation_method: 'GET' });
      expect(plain.body).not.toHaveProperty('physical_address');

      for (const bad of [
        { ...address, postal_code: undefined },
        { ...address, state_name: 'Maine' },
        { address_line1: 'x', city: 'London', country_code: 'GB', state_code: 'LN' },
        { city: 'Portland', country_code: 'US', state_code: 'ME', postal_code: '04101' },
      ]) {
        const res = await sync({
          account_operation_url: '/account/summary/physical_address',
          account_operation_method: 'PUT',
          account_operation_payload: payload(bad),
        });
        expect(res.status, JSON.stringify(bad)).toBe(400);
      }
      expect(
        (
          await sync({
            account_operation_url: '/account/summary',
            account_operation_method: 'PUT',
            account_operation_payload: payload({ contact_phone: 'x'.repeat(26) }),
          })
        ).status,
      ).toBe(400);
      expect(
        (
          await sync({
            account_operation_url: '/account/summary',
            account_operation_method: 'PUT',
            account_operation_payload: '{not json',
          })
        ).status,
      ).toBe(400);
      expect(sim.findByLogin('managed_client')).toMatchObject({
        organization_name: 'New Name',
        physical_address: moved,
      });
    },
  );
});

describe('unknown routes and methods', () => {
  it('answers 404 for an unknown route and 405 with Allow for a wrong method, in CTCT error arrays', async () => {
    await start();
    const unknown = await api.call('GET', '/v3/partner/nowhere');
    expect(unknown.status).toBe(404);
    expect(unknown.body[0].error_key).toBe('partner.api.not_found');
    const outside = await api.call('GET', '/v3/contacts');
    expect(outside.status).toBe(404);
    const wrong = await api.call('DELETE', '/v3/partner/accounts');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, POST');
    expect((await api.call('POST', '/v3/partner/accounts/a07e1x/plan', { json: {} })).status).toBe(405);
    expect((await api.call('GET', '/v3/partner/accounts/a07e1x/status/cancel')).status).toBe(405);
  });

  it('counts requests per operation', async () => {
    await start();
    const id = await create('hanks_fresh_fruit');
    await api.call('GET', `/v3/partner/accounts/${id}/plan`);
    await api.call('PUT', `/v3/partner/accounts/${id}/plan`, { json: { plan_type: 'GOLD' } });
    await api.call('PUT', `/v3/partner/accounts/${id}/status/cancel`);
    await api.call('GET', '/v3/partner/accounts');
    expect(sim.stats.byOperation).toEqual({
      token: 1,
      createAccount: 1,
      getPlan: 1,
      setPlan: 1,
      cancelAccount: 1,
      listAccounts: 1,
    });
    expect(sim.stats.maxInFlight).toBe(1);
  });
});

describe('contract coverage', () => {
  it('checked a response of every operation and declared schema against the spec', () => {
    for (const name of [
      'getPartnerSiteOwners 200',
      'provision 201',
      'getPlan 200',
      'setPlan 200',
      'cancelAccount 200',
      'createSSOUser 201 (no schema)',
      'partnerAccountOperationsPostSync 200 (no schema)',
    ]) {
      expect(checkedResponses).toContain(name);
    }
    for (const name of [
      'APIErrorSchema 400',
      'APIErrorSchema 404',
      'APIErrorSchema 405',
      'APIErrorSchema 409',
      'APIErrorSchema 415',
      'AuthorizationErrorSchema 403',
    ]) {
      expect(checkedResponses).toContain(name);
    }
  });
});
