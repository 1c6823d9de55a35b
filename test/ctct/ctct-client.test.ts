import { createServer } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  CreateOutcomeUnknownError,
  CtctApiError,
  CtctAuthenticationError,
  QuotaExceededError,
  SsoUserOutcomeUnknownError,
} from '../../src/ctct/ctct-api-error.js';
import { ACCOUNTS_PAGE_LIMIT } from '../../src/ctct/ctct-client.js';
import { WINDOW_MARGIN_MS } from '../../src/ctct/rate-limiter.js';
import { ExitCode } from '../../src/errors.js';
import { createSimClient, onCleanup, provisionRequest, startTestSimulator } from './sim-client.js';

const PLAN_PATH = '/v3/partner/accounts/{id}/plan';
const ACCOUNTS_PATH = '/v3/partner/accounts';

/** A port nothing listens on: bound by the OS, then released. */
async function findClosedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * An Agent that notes, on the client's monotonic clock, when each partner API request is handed to the socket and
 * when its response has been read in full (before the client releases its rate-limit slot).
 */
function recordPartnerExchanges(): { dispatcher: Dispatcher; exchanges: Array<{ start: number; end: number }> } {
  const exchanges: Array<{ start: number; end: number }> = [];
  const agent = new Agent();
  onCleanup(() => agent.close());
  const dispatcher = agent.compose((dispatch) => (opts, handler: Dispatcher.DispatchHandler): boolean => {
    if (!String(opts.path).startsWith('/v3/partner/')) return dispatch(opts, handler);
    const exchange = { start: performance.now(), end: Number.POSITIVE_INFINITY };
    exchanges.push(exchange);
    return dispatch(opts, {
      onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
      onRequestUpgrade: (controller, status, headers, socket) =>
        handler.onRequestUpgrade?.(controller, status, headers, socket),
      onResponseStart: (controller, status, headers, message) =>
        handler.onResponseStart?.(controller, status, headers, message),
      onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
      onResponseEnd: (controller, trailers) => {
        exchange.end = performance.now();
        handler.onResponseEnd?.(controller, trailers);
      },
      onResponseError: (controller, error) => {
        exchange.end = performance.now();
        handler.onResponseError?.(controller, error);
      },
    });
  });
  return { dispatcher, exchanges };
}

describe('listAccounts', () => {
  it('follows _links.next across every page, 50 accounts at a time', async () => {
    const sim = await startTestSimulator({ seed: 437 });
    const client = createSimClient(sim);

    const accounts = await client.listAccounts();

    const ids = accounts.map((a) => a.encoded_account_id);
    expect(new Set(ids).size).toBe(437);
    expect(ids).toEqual(sim.accounts().map((a) => a.encoded_account_id));
    expect(client.calls.listAccounts).toBe(Math.ceil(437 / ACCOUNTS_PAGE_LIMIT));
    expect(sim.stats.byOperation.listAccounts).toBe(9);
    expect(accounts[0]).toMatchObject({ site_owner_name: 'sim_client_00001', billing_status: expect.any(String) });
  });

  it('passes account_type on to every page', async () => {
    const sim = await startTestSimulator({ seed: 120 });
    const client = createSimClient(sim);

    const managed = await client.listAccounts({ accountType: 'managed' });

    const expected = sim
      .accounts()
      .filter((a) => a.managed_site_owner)
      .map((a) => a.encoded_account_id);
    expect(managed.map((a) => a.encoded_account_id)).toEqual(expected);
    expect(client.calls.listAccounts).toBe(Math.max(1, Math.ceil(expected.length / ACCOUNTS_PAGE_LIMIT)));
  });

  it('reads an empty partner account as an empty list in one call', async () => {
    const sim = await startTestSimulator();
    const client = createSimClient(sim);

    await expect(client.listAccounts()).resolves.toEqual([]);
    expect(client.calls.listAccounts).toBe(1);
  });

  it('fails rather than return a partial list when a later page keeps failing', async () => {
    const sim = await startTestSimulator({ seed: 120 });
    const failLaterPages = (line: string): void => {
      if (line.startsWith('GET /partner/accounts?limit=50 → 200')) {
        sim.faults.add({ method: 'GET', path: ACCOUNTS_PATH, kind: 'status', status: 503, times: Infinity });
      }
    };
    const client = createSimClient(sim, { log: failLaterPages });

    const error = await client.listAccounts().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CtctApiError);
    expect(error).toMatchObject({ status: 503, method: 'GET', exitCode: ExitCode.failure });
    expect((error as CtctApiError).path).toMatch(/^\/partner\/accounts\?offset=/);
    expect(client.calls.listAccounts).toBe(1 + 6);
  });
});

describe('partner token', () => {
  it('mints again before a short-lived token expires, so a longer run never sees a 401', async () => {
    const sim = await startTestSimulator({ seed: 60, tokenTtlSeconds: 2 });
    const client = createSimClient(sim, { requestsPerSecond: 10 });
    const [first] = await client.listAccounts();

    // 45 paced requests at 10/s take about 4.7 s, more than two token lifetimes.
    const results = await Promise.all(Array.from({ length: 45 }, () => client.getPlan(first!.encoded_account_id)));

    expect(results.every((r) => typeof r.plan_type === 'string')).toBe(true);
    expect(client.stats.tokenMints).toBeGreaterThanOrEqual(3);
    expect(client.stats.retries).toBe(0);
    expect(sim.stats.tokenRequests).toBe(client.calls.token);
    expect(client.calls.getPlan).toBe(45);
  }, 30_000);

  it('sends the raw JWT when the authorization scheme says so', async () => {
    const sim = await startTestSimulator({ seed: 1 });
    const agent = new Agent();
    onCleanup(() => agent.close());
    const sent: string[] = [];
    const dispatcher = agent.compose((dispatch) => (options, handler) => {
      const value = (options.headers as Record<string, string> | undefined)?.authorization;
      if (value && !value.startsWith('Basic ')) sent.push(value);
      return dispatch(options, handler);
    });
    const client = createSimClient(sim, { authorizationScheme: 'raw', dispatcher });

    await expect(client.listAccounts()).resolves.toHaveLength(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('mints once for many concurrent first requests', async () => {
    const sim = await startTestSimulator({ seed: 10 });
    const client = createSimClient(sim);
    const ids = sim.accounts().map((a) => a.encoded_account_id);

    await Promise.all(ids.map((id) => client.getPlan(id)));

    expect(sim.stats.tokenRequests).toBe(1);
    expect(client.stats.tokenMints).toBe(1);
  });

  it('re-mints once after a 401 and retries the request once', async () => {
    const sim = await startTestSimulator({ seed: 5 });
    const client = createSimClient(sim);
    const [account] = await client.listAccounts();
    sim.expireTokens();

    const plans = await Promise.all([1, 2, 3, 4].map(() => client.getPlan(account!.encoded_account_id)));

    expect(plans).toHaveLength(4);
    expect(client.stats.tokenMints).toBe(2);
    expect(sim.stats.tokenRequests).toBe(2);
    expect(client.calls.getPlan).toBeGreaterThan(4);
  });

  it('gives up when a freshly minted token is refused too', async () => {
    const sim = await startTestSimulator({ seed: 1 });
    const client = createSimClient(sim);
    const id = sim.accounts()[0]!.encoded_account_id;
    sim.faults.add({ method: 'GET', path: PLAN_PATH, kind: 'status', status: 401, times: Infinity });

    const error = await client.getPlan(id).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CtctApiError);
    expect(error).toMatchObject({ status: 401, errorKey: 'unauthorized' });
    expect((error as Error).message).toContain('CTCT_API_KEY');
    expect(client.calls.getPlan).toBe(2);
    expect(client.stats.tokenMints).toBe(2);
  });

  it('names the credential variables, and not their values, when the token endpoint refuses them', async () => {
    const sim = await startTestSimulator({ seed: 1 });
    const client = createSimClient(sim, { clientSecret: 'not-the-secret-4711' });

    const error = await client.listAccounts().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CtctAuthenticationError);
    expect(error).toMatchObject({ status: 401, errorKey: 'invalid_client', exitCode: ExitCode.failure });
    const message = (error as Error).message;
    expect(message).toContain('CTCT_PARTNER_CLIENT_ID');
    expect(message).toContain('CTCT_PARTNER_SECRET');
    expect(message).not.toContain('not-the-secret-4711');
    expect(client.calls.token).toBe(1);
    expect(client.calls.listAccounts).toBe(0);
  });
});

describe('rate limit', () => {
  it('starts no request before the one rps places earlier ' +
    'was answered and a window has passed, whatever the load', async () => {
    const rps = 8;
    const sim = await startTestSimulator({ seed: 32, requestsPerSecond: rps });
    const { dispatcher, exchanges } = recordPartnerExchanges();
    const client = createSimClient(sim, { requestsPerSecond: rps, concurrency: 4, dispatcher });

    const accounts = await client.listAccounts();
    const plans = await Promise.all(accounts.map((a) => client.getPlan(a.encoded_account_id)));

    expect(plans).toHaveLength(32);
    // Every exchange the server saw, retries included (a throttled one would be one more), in the order they started.
    const { getPlan, listAccounts } = sim.stats.byOperation;
    expect(exchanges.length).toBe(getPlan! + listAccounts! + sim.stats.throttled);
    expect(exchanges.length).toBeGreaterThanOrEqual(33);
    const window = 1000 + WINDOW_MARGIN_MS;
    for (let i = rps; i < exchanges.length; i++)
      expect(exchanges[i]!.start - exchanges[i - rps]!.end).toBeGreaterThanOrEqual(window - 0.001);
  }, 30_000);

  it('keeps requests in flight within the concurrency limit', async () => {
    const sim = await startTestSimulator({ seed: 12 });
    const client = createSimClient(sim, { concurrency: 2 });
    sim.faults.add({ kind: 'latency', ms: 30, times: Infinity });

    await Promise.all(sim.accounts().map((a) => client.getPlan(a.encoded_account_id)));

    expect(sim.stats.maxInFlight).toBe(2);
  });

  it('backs off and retries when the server throttles an unpaced client', async () => {
    const sim = await startTestSimulator({ seed: 20, requestsPerSecond: 4 });
    const client = createSimClient(sim, {
      requestsPerSecond: 0,
      retry: { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1_000 },
    });

    const plans = await Promise.all(sim.accounts().map((a) => client.getPlan(a.encoded_account_id)));

    expect(plans).toHaveLength(20);
    expect(client.stats.throttled).toBeGreaterThan(0);
    expect(client.stats.throttled).toBe(sim.stats.throttled);
    expect(client.calls.getPlan).toBe(20 + client.stats.throttled);
  }, 30_000);
});

describe('retries of GET and PUT', () => {
  it('retries 500, 502, 503 and 504 on GET until it succeeds', async () => {
    const sim = await startTestSimulator({ seed: 1 });
    const client = createSimClient(sim);
    const id = sim.accounts()[0]!.encoded_account_id;
    for (const status of [500, 502, 503, 504])
      sim.faults.add({ method: 'GET', path: PLAN_PATH, kind: 'status', status });

    const plan = await client.getPlan(id);

    expect(plan.plan_type).toBe(sim.accounts()[0]!.plan_type);
    expect(client.calls.getPlan).toBe(5);
    expect(client.stats.retries).toBe(4);
  });

  it('retries a 503 and a dropped connection on PUT, and the change is made', async () => {
    const sim = await startTestSimulator({ seed: 1 });
    const client = createSimClient(sim);
    const id = sim.accounts()[0]!.encoded_account_id;
    sim.faults.add({ method: 'PUT', path: PLAN_PATH, kind: 'status', status: 503 });
    sim.faults.add({ method: 'PUT', path: PLAN_PATH, kind: 'drop' });

    const plan = await client.setPlan(id, { plan_type: 'GOLD', billing_day_of_month: 12 });

    expect(plan).toMatchObject({ plan_type: 'GOLD', billing_status: 'Open' });
    expect(sim.accounts()[0]).toMatchObject({ plan_type: 'GOLD', billing_status: 'Open' });
    expect(client.calls.setPlan).toBe(3);
  });

  it('retries a 500 on cancel', async () => {
    const sim = await startTestSimulator({ seed: 3 });
    const client = createSimClient(sim);
    const account = sim.accounts().find((a) => a.billing_status !== 'Canceled')!;
    sim.faults.add({ method: 'PUT', path: '/v3/partner/accounts/{id}/status/cancel', kind: 'status', status: 500 });

    const cancellation = await client.cancelAccount(account.encoded_account_id, { reason_id: 1 });

    expect(cancellation.reason_id).toBe(1);
    expect(sim.findByLogin(account.login_name)?.billing_status).toBe('Canceled');
    expect(client.calls.cancelAccount).toBe(2);
  });

  it('stops after maxAttempts and reports the last failure', async () => {
    const sim = await startTestSimulator({ seed: 1 });
    const client = createSimClient(sim, { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } });
    const id = sim.accounts()[0]!.encoded_account_id;
    sim.faults.add({ method: 'GET', path: PLAN_PATH, kind: 'status', status: 503, times: Infinity });

    const error = await client.getPlan(id).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CtctApiError);
    expect((error as Error).message).toBe(
      `GET /partner/accounts/${id}/plan → 503: Our internal service ` +
        'is temporarily unavailable. (partner.api.service_unavailable)',
    );
    expect(client.calls.getPlan).toBe(3);
  });

  it('does not retry a 404', async () => {
    const sim = await startTestSimulator({ seed: 1 });
    const client = createSimClient(sim);

    const error = await client.getPlan('a07e1nosuchid').catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 404, errorKey: 'partner.api.not_found' });
    expect(client.calls.getPlan).toBe(1);
  });

  it('treats a request with no complete response in time as a network failure and retries it', async () => {
    const sim = await startTestSimulator({ seed: 1 });
    const client = createSimClient(sim, { timeoutMs: 150 });
    const id = sim.accounts()[0]!.encoded_account_id;
    sim.faults.add({ method: 'GET', path: PLAN_PATH, kind: 'latency', ms: 600 });

    await expect(client.getPlan(id)).resolves.toMatchObject({ billing_status: expect.any(String) });
    expect(client.calls.getPlan).toBe(2);
  });
});

describe('daily quota', () => {
  it('stops at quota_exceeded without retrying and says when the limit resets', async () => {
    const sim = await startTestSimulator({ seed: 10, dailyQuota: 4 });
    const client = createSimClient(sim);
    const ids = sim.accounts().map((a) => a.encoded_account_id);

    let error: unknown;
    let succeeded = 0;
    for (const id of ids) {
      try {
        await client.getPlan(id);
        succeeded++;
      } catch (e) {
        error = e;
        break;
      }
    }

    expect(succeeded).toBe(4);
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect(error).toMatchObject({ status: 429, errorKey: 'quota_exceeded', exitCode: ExitCode.failure });
    expect((error as Error).message).toContain('00:00 UTC');
    expect(client.calls.getPlan).toBe(5);
    expect(sim.stats.quotaExceeded).toBe(1);
    expect(client.stats.quotaExceeded).toBe(1);
    expect(client.stats.retries).toBe(0);
  });
});

describe('createAccount', () => {
  it('creates an account and returns its id', async () => {
    const sim = await startTestSimulator();
    const client = createSimClient(sim);

    const created = await client.createAccount(provisionRequest('hanks_fresh_fruit'));

    expect(created.encoded_account_id).toBe(sim.findByLogin('hanks_fresh_fruit')?.encoded_account_id);
    expect(client.calls.createAccount).toBe(1);
  });

  it.each([
    ['a connection dropped after the account was stored', { kind: 'drop-after-store' as const }, undefined],
    ['a 503 that CTCT provisions later', { kind: 'provision-later' as const }, 503],
    ['a 500', { kind: 'status' as const, status: 500 }, 500],
  ])('surfaces %s as CreateOutcomeUnknownError, sent once', async (_name, fault, status) => {
    const sim = await startTestSimulator({ provisionDelayMs: 50 });
    const client = createSimClient(sim);
    sim.faults.add({ method: 'POST', path: ACCOUNTS_PATH, ...fault });

    const error = await client.createAccount(provisionRequest('ambiguous_create')).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CreateOutcomeUnknownError);
    expect(error).toMatchObject({ status, loginName: 'ambiguous_create', method: 'POST', path: '/partner/accounts' });
    expect((error as Error).message).toContain('list the accounts before trying again');
    expect(client.calls.createAccount).toBe(1);
    expect(sim.stats.byOperation.createAccount).toBe(1);
  });

  it('surfaces a create that times out as CreateOutcomeUnknownError', async () => {
    const sim = await startTestSimulator();
    const client = createSimClient(sim, { timeoutMs: 150 });
    sim.faults.add({ method: 'POST', path: ACCOUNTS_PATH, kind: 'latency', ms: 600 });

    const error = await client.createAccount(provisionRequest('slow_create')).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CreateOutcomeUnknownError);
    expect(error).toMatchObject({ status: undefined, code: 'TIMEOUT' });
    expect(client.calls.createAccount).toBe(1);
  });

  it('resends a create that was throttled, which CTCT did not process', async () => {
    const sim = await startTestSimulator();
    const client = createSimClient(sim);
    sim.faults.add({ method: 'POST', path: ACCOUNTS_PATH, kind: 'status', status: 429 });

    await client.createAccount(provisionRequest('throttled_once'));

    expect(client.calls.createAccount).toBe(2);
    expect(client.stats.throttled).toBe(1);
    expect(sim.accounts().filter((a) => a.login_name === 'throttled_once')).toHaveLength(1);
  });

  it(
    'retries a create whose connection was refused, and ' + 'reports a plain error when it never gets through',
    async () => {
      const sim = await startTestSimulator();
      const port = await findClosedPort();
      const client = createSimClient(sim, {
        baseUrl: `http://127.0.0.1:${port}/v3`,
        retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
      });

      const error = await client.createAccount(provisionRequest('never_sent')).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(CtctApiError);
      expect(error).not.toBeInstanceOf(CreateOutcomeUnknownError);
      expect(error).toMatchObject({ status: undefined, code: 'ECONNREFUSED' });
      expect((error as Error).message).toMatch(/^POST \/partner\/accounts → no response: .*ECONNREFUSED/);
      expect(client.calls.createAccount).toBe(3);
    },
  );

  it('reports a duplicate login_name as a plain 409 CtctApiError', async () => {
    const sim = await startTestSimulator();
    const client = createSimClient(sim);
    await client.createAccount(provisionRequest('duplicate_login'));

    const error = await client.createAccount(provisionRequest('duplicate_login')).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CtctApiError);
    expect(error).not.toBeInstanceOf(CreateOutcomeUnknownError);
    expect(error).toMatchObject({ status: 409, errorKey: 'partner.api.conflict' });
    expect((error as Error).message).toBe(
      'POST /partner/accounts → 409: login_name duplicate_login is already in use. (partner.api.conflict)',
    );
    expect(client.calls.createAccount).toBe(2);
  });
});

describe('createSsoUser', () => {
  const SSO_PATH = '/v3/partner/accounts/{id}/users/sso';
  const user = {
    first_name: 'Josie',
    last_name: 'Lang',
    role_name: 'campaign_creator',
    contact_email: 'josie@example.com',
    login_name: 'josie.lang',
    external_id: '23378234122161121',
    external_provider: 'Yahoo',
  };

  it('adds the user (201, no body) and counts the call', async () => {
    const sim = await startTestSimulator({ ssoForNewAccounts: true });
    const client = createSimClient(sim);
    const id = (await client.createAccount(provisionRequest('sso_client'))).encoded_account_id;

    await client.createSsoUser(id, user);

    expect(sim.findByLogin('sso_client')?.sso_users.map((u) => u.login_name)).toEqual(['josie.lang']);
    expect(client.calls.createSsoUser).toBe(1);
  });

  it.each([
    ['a connection dropped after the user was stored', { kind: 'drop-after-store' as const }, undefined, 1],
    ['a 500', { kind: 'status' as const, status: 500 }, 500, 0],
    ['a 503', { kind: 'status' as const, status: 503 }, 503, 0],
  ])('surfaces %s as SsoUserOutcomeUnknownError, sent once', async (_name, fault, status, stored) => {
    const sim = await startTestSimulator({ ssoForNewAccounts: true });
    const client = createSimClient(sim);
    const id = (await client.createAccount(provisionRequest('sso_client'))).encoded_account_id;
    sim.faults.add({ method: 'POST', path: SSO_PATH, ...fault });

    const error = await client.createSsoUser(id, user).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SsoUserOutcomeUnknownError);
    expect(error).toMatchObject({ status, encodedAccountId: id, loginName: 'josie.lang' });
    expect(client.calls.createSsoUser).toBe(1);
    expect(sim.findByLogin('sso_client')?.sso_users).toHaveLength(stored);
  });

  it('resends after a 429 throttled, which CTCT did not process', async () => {
    const sim = await startTestSimulator({ ssoForNewAccounts: true });
    const client = createSimClient(sim);
    const id = (await client.createAccount(provisionRequest('sso_client'))).encoded_account_id;
    sim.faults.add({ method: 'POST', path: SSO_PATH, kind: 'status', status: 429 });

    await client.createSsoUser(id, user);

    expect(client.calls.createSsoUser).toBe(2);
    expect(sim.findByLogin('sso_client')?.sso_users).toHaveLength(1);
  });

  it('says that SSO is not enabled when CTCT answers 403, and 409 is a plain CtctApiError', async () => {
    const sim = await startTestSimulator();
    const client = createSimClient(sim);
    const id = (await client.createAccount(provisionRequest('no_sso_client'))).encoded_account_id;

    const forbidden = await client.createSsoUser(id, user).catch((e: unknown) => e);
    expect(forbidden).toMatchObject({ status: 403 });
    expect((forbidden as Error).message).toContain(`SSO for all users is not enabled on account ${id}`);
    expect((forbidden as Error).message).not.toContain('CTCT_API_KEY');

    const sso = await startTestSimulator({ ssoForNewAccounts: true });
    const ssoClient = createSimClient(sso);
    const ssoId = (await ssoClient.createAccount(provisionRequest('sso_client'))).encoded_account_id;
    await ssoClient.createSsoUser(ssoId, user);
    const conflict = await ssoClient.createSsoUser(ssoId, user).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(CtctApiError);
    expect(conflict).not.toBeInstanceOf(SsoUserOutcomeUnknownError);
    expect(conflict).toMatchObject({ status: 409 });
  });
});

describe('account_operations/sync', () => {
  const address = {
    address_line1: '12 Harbor Road',
    city: 'Portland',
    state_code: 'ME',
    postal_code: '04101',
    country_code: 'US',
  };

  async function managedAccount(sim: Awaited<ReturnType<typeof startTestSimulator>>): Promise<string> {
    const client = createSimClient(sim);
    return (
      await client.createAccount(
        provisionRequest('managed_client', { managed_site_owner: true, organization_name: 'Old Name' }),
      )
    ).encoded_account_id;
  }

  it('reads and writes the summary and the address through the typed helpers', async () => {
    const sim = await startTestSimulator();
    const id = await managedAccount(sim);
    const client = createSimClient(sim);

    expect(await client.getAccountSummary(id)).toEqual({
      encoded_account_id: id,
      contact_email: 'managed_client@example.com',
      country_code: 'US',
      state_code: 'MA',
      organization_name: 'Old Name',
    });
    await client.updateAccountSummary(id, { organization_name: 'New Name' });
    await client.addPhysicalAddress(id, address);
    await client.updatePhysicalAddress(id, { ...address, address_line1: '14 Harbor Road' });

    expect(await client.getAccountSummary(id)).toMatchObject({
      organization_name: 'New Name',
      physical_address: { ...address, address_line1: '14 Harbor Road' },
    });
    expect(client.calls.accountOperationsSync).toBe(5);
    expect(sim.stats.byOperation.accountOperationsSync).toBe(5);
  });

  it('maps an inner error to CtctApiError naming the inner request', async () => {
    const sim = await startTestSimulator();
    const id = await managedAccount(sim);
    const client = createSimClient(sim);
    await client.addPhysicalAddress(id, address);

    const error = await client.addPhysicalAddress(id, address).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CtctApiError);
    expect(error).toMatchObject({ status: 409, errorKey: 'account.api.conflict' });
    expect((error as CtctApiError).message).toContain(
      `POST /partner/accounts/${id}/account_operations/sync (POST /account/summary/physical_address) → 409`,
    );
    const unmanaged = (await client.createAccount(provisionRequest('unmanaged_client'))).encoded_account_id;
    await expect(client.getAccountSummary(unmanaged)).rejects.toMatchObject({ status: 403 });
  });

  it('retries a GET after a 5xx, but a write only after a 429: a 5xx write may have been carried out', async () => {
    const sim = await startTestSimulator();
    const id = await managedAccount(sim);
    const client = createSimClient(sim);
    const path = `/v3/partner/accounts/${id}/account_operations/sync`;

    sim.faults.add({ method: 'POST', path, kind: 'status', status: 503, times: 2 });
    await expect(client.getAccountSummary(id)).resolves.toMatchObject({ encoded_account_id: id });
    expect(client.calls.accountOperationsSync).toBe(3);

    sim.faults.add({ method: 'POST', path, kind: 'status', status: 503 });
    await expect(client.updateAccountSummary(id, { organization_name: 'New Name' })).rejects.toMatchObject({
      status: 503,
    });
    expect(client.calls.accountOperationsSync).toBe(4);

    sim.faults.add({ method: 'POST', path, kind: 'status', status: 429 });
    await client.updateAccountSummary(id, { organization_name: 'New Name' });
    expect(client.calls.accountOperationsSync).toBe(6);
    expect(sim.findByLogin('managed_client')?.organization_name).toBe('New Name');
  });
});
