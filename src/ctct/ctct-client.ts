import pLimit, { type LimitFunction } from 'p-limit';
import { Agent, type Dispatcher } from 'undici';
import { CtctGitopsError, ExitCode } from '../errors.js';
import { DEFAULT_TOKEN_URL, PARTNER_SCOPE, type Settings } from '../settings/settings.js';
import {
  CreateOutcomeUnknownError,
  CtctApiError,
  SsoUserOutcomeUnknownError,
  QuotaExceededError,
  ReadBudgetSpentError,
  parseCtctErrorBody,
  type CtctApiErrorDetails,
} from './ctct-api-error.js';
import type {
  AccountCancellation,
  AccountPhysicalAddress,
  AccountType,
  CustomerPut,
  CustomerSummary,
  PartnerAccountOperationsRequest,
  PartnerAccountPage,
  PlanInfo,
  PlanTiers,
  ProvisionRequest,
  ProvisionResponse,
  SiteOwner,
  SsoUser,
} from './ctct-types.js';
import { RateLimiter, type ReleaseSlot } from './rate-limiter.js';
import { Redactor } from './redact.js';
import { DEFAULT_RETRY, parseRetryAfter, type RetryOptions } from './retry-delay.js';
import { type AttemptOutcome, retryRequest } from './retry-request.js';
import { sendRequest, TransportError, type HttpResponse } from './send-request.js';
import { SHORT_TOKEN_LIFETIME_MS, TokenProvider } from './token-provider.js';

export const DEFAULT_BASE_URL = 'https://api.cc.email/v3';
export { DEFAULT_TOKEN_URL } from '../settings/settings.js';
export const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * The largest page GET /partner/accounts serves
 * (https://developer.constantcontact.com/api_guide/partners_accts_get.html).
 */
export const ACCOUNTS_PAGE_LIMIT = 50;

const ERROR_BODY_KEEP = 4000;
const RETRYABLE_STATUSES = new Set([500, 502, 503, 504]);

/** How to reach CTCT and how hard to push it. */
export interface CtctClientOptions {
  /** Default {@link DEFAULT_BASE_URL}. */
  baseUrl: string;
  /** Default {@link DEFAULT_TOKEN_URL}. */
  tokenUrl: string;
  /** The V3 application's API key, sent as `x-api-key`. */
  apiKey: string;
  /** Partner credentials for the client-credentials token request. */
  clientId: string;
  clientSecret: string;
  /** `Bearer <jwt>` (default) or the raw JWT in the Authorization header; CTCT's documents show both. */
  authorizationScheme?: 'bearer' | 'raw';
  /** The scope asked of the token endpoint; default {@link PARTNER_SCOPE}, '' for none. */
  tokenScope?: string;
  /** Client-side limit for every API request of this client; default 4, 0 for none. */
  requestsPerSecond?: number;
  /** API requests in flight at once; default 4. */
  concurrency?: number;
  retry?: RetryOptions;
  /** Per request, response headers and body together; default 30 s. */
  timeoutMs?: number;
  /** Transport; by default the client makes its own undici Agent and closes it in {@link CtctClient.close}. */
  dispatcher?: Dispatcher;
  /** Receives one line per request and retry, secrets already redacted. */
  log?: (line: string) => void;
}

/** Operations counted in {@link CtctClient.calls}; `token` is the partner token endpoint. */
export type CtctOperation =
  | 'listAccounts'
  | 'getPlan'
  | 'setPlan'
  | 'cancelAccount'
  | 'createAccount'
  | 'createSsoUser'
  | 'accountOperationsSync'
  | 'token';

/** Counters of what the client met on the wire. */
export interface CtctClientStats {
  /** 429 `throttled` responses received (token endpoint included). */
  throttled: number;
  /** Requests sent again after a failure, token re-mints after a 401 included. */
  retries: number;
  /** 429 `quota_exceeded` responses received. */
  quotaExceeded: number;
  /** Tokens obtained from the token endpoint. */
  tokenMints: number;
}

type ApiOperation = Exclude<CtctOperation, 'token'>;

interface Call {
  operation: ApiOperation;
  method: 'GET' | 'POST' | 'PUT';
  url: URL;
  body?: unknown;
  /**
   * Set for a POST that creates something (an account, an SSO user): never sent twice unless CTCT
   * surely did not process it; a timeout, a dropped connection or a 5xx throws what this returns.
   */
  outcomeUnknown?: (details: CtctApiErrorDetails) => CtctApiError;
  /** A hint for a 403 that means something narrower than a refused API key. */
  forbiddenHint?: string;
  /** A write CTCT may have carried out: sent again only after a 429 or a connection that never left. */
  noBlindRetry?: boolean;
  /** The inner request of an account_operations/sync call, as messages show it (`PUT /account/summary`). */
  inner?: string;
}

/**
 * The CTCT V3 partner API (https://developer.constantcontact.com/api_guide/partners_overview.html):
 * every request shares one rate limiter and one concurrency limit, carries a cached partner JWT,
 * and is retried by the rules in the module's issue: GET and PUT on throttling, 5xx and network
 * errors; POST /partner/accounts only when CTCT surely did not process it.
 */
export class CtctClient {
  /** HTTP requests actually sent, per operation, retries included. */
  readonly calls: Record<CtctOperation, number> = {
    listAccounts: 0,
    getPlan: 0,
    setPlan: 0,
    cancelAccount: 0,
    createAccount: 0,
    createSsoUser: 0,
    accountOperationsSync: 0,
    token: 0,
  };
  readonly stats: CtctClientStats = { throttled: 0, retries: 0, quotaExceeded: 0, tokenMints: 0 };

  readonly #baseUrl: URL;
  readonly #apiKey: string;
  readonly #scheme: 'bearer' | 'raw';
  readonly #timeoutMs: number;
  readonly #retry: Required<RetryOptions>;
  readonly #dispatcher: Dispatcher;
  readonly #ownAgent: Agent | undefined;
  readonly #limiter: RateLimiter;
  readonly #inFlight: LimitFunction;
  readonly #redactor: Redactor;
  readonly #tokens: TokenProvider;
  readonly #log: ((line: string) => void) | undefined;
  #readBudget: { max: number; left: number } | undefined;

  constructor(options: CtctClientOptions) {
    this.#baseUrl = parseUrl(options.baseUrl, 'baseUrl');
    parseUrl(options.tokenUrl, 'tokenUrl');
    const concurrency = options.concurrency ?? 4;
    const rps = options.requestsPerSecond ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw invalid(`concurrency must be a whole number ≥ 1, got ${concurrency}`);
    if (!(rps >= 0)) throw invalid(`requestsPerSecond must be ≥ 0, got ${rps}`);
    // The key travels as a header value, which undici refuses outside printable ASCII (RFC 9110 §5.5); said once, not
    // retried.
    if (!HEADER_SAFE.test(options.apiKey))
      throw invalid(
        'the API key (CTCT_API_KEY) holds a character that cannot ' +
          'be sent in an HTTP header: only printable ASCII is allowed',
      );
    this.#apiKey = options.apiKey;
    this.#scheme = options.authorizationScheme ?? 'bearer';
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#redactor = new Redactor([options.apiKey, options.clientSecret]);
    const log = options.log;
    this.#log = log && ((line) => log(this.#redactor.redact(line)));
    if (options.dispatcher) {
      this.#dispatcher = options.dispatcher;
    } else {
      this.#ownAgent = new Agent({ connect: { timeout: this.#timeoutMs } });
      this.#dispatcher = this.#ownAgent;
    }
    this.#limiter = new RateLimiter({ requestsPerSecond: rps });
    this.#inFlight = pLimit(concurrency);
    this.#tokens = new TokenProvider({
      tokenUrl: options.tokenUrl,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      scope: options.tokenScope ?? PARTNER_SCOPE,
      dispatcher: this.#dispatcher,
      timeoutMs: this.#timeoutMs,
      retry: this.#retry,
      redactor: this.#redactor,
      log: this.#log,
      onEvent: (event) => {
        if (event === 'request') this.calls.token++;
        else if (event === 'minted') this.stats.tokenMints++;
        else if (event === 'throttled') this.stats.throttled++;
        else this.stats.retries++;
      },
    });
  }

  /** Every client account, following `_links.next` to the last page; `onPage` is told the pages read so far. */
  async listAccounts(
    options: { accountType?: AccountType; onPage?: (pages: number) => void } = {},
  ): Promise<SiteOwner[]> {
    let url: URL | undefined = this.#url('/partner/accounts');
    url.searchParams.set('limit', String(ACCOUNTS_PAGE_LIMIT));
    if (options.accountType) url.searchParams.set('account_type', options.accountType);
    const accounts: SiteOwner[] = [];
    const seen = new Set<string>();
    while (url) {
      const call: Call = { operation: 'listAccounts', method: 'GET', url };
      if (seen.has(url.href)) throw this.#unexpected(call, 200, '_links.next points at a page already read');
      seen.add(url.href);
      const page = await this.#send<PartnerAccountPage>(call);
      if (
        !Array.isArray(page?.site_owner_list) ||
        !page.site_owner_list.every((a) => typeof a?.encoded_account_id === 'string')
      ) {
        throw this.#unexpected(call, 200, 'the response has no site_owner_list of accounts');
      }
      accounts.push(...page.site_owner_list);
      options.onPage?.(seen.size);
      const href = page._links?.next?.href;
      url = href ? this.#resolveNext(call, href) : undefined;
    }
    return accounts;
  }

  getPlan(encodedAccountId: string): Promise<PlanTiers> {
    return this.#send({ operation: 'getPlan', method: 'GET', url: this.#accountUrl(encodedAccountId, 'plan') });
  }

  setPlan(encodedAccountId: string, body: PlanInfo): Promise<PlanTiers> {
    return this.#send({ operation: 'setPlan', method: 'PUT', url: this.#accountUrl(encodedAccountId, 'plan'), body });
  }

  cancelAccount(encodedAccountId: string, body: AccountCancellation): Promise<AccountCancellation> {
    return this.#send({
      operation: 'cancelAccount',
      method: 'PUT',
      url: this.#accountUrl(encodedAccountId, 'status/cancel'),
      body,
    });
  }

  /**
   * Sends a V3 request on behalf of a managed account through
   * `POST /partner/accounts/{id}/account_operations/sync` (spec/ctct-v3-partner-subset-3.0.178.yaml lines 324-370) and
   * returns
   * the inner response body. CTCT answers with the inner call's status and body (its 404 "may
   * indicate … the API request you are sending on behalf of an account returned a 404"), so an inner
   * error is the one {@link CtctApiError}, naming the inner request. A GET is retried like any read;
   * a write only when CTCT surely did not process it.
   */
  syncOperation<T>(encodedAccountId: string, request: PartnerAccountOperationsRequest): Promise<T> {
    const write = request.account_operation_method !== 'GET';
    return this.#send<T>({
      operation: 'accountOperationsSync',
      method: 'POST',
      url: this.#accountUrl(encodedAccountId, 'account_operations/sync'),
      body: request,
      ...(write && { noBlindRetry: true }),
      inner: `${request.account_operation_method} ${request.account_operation_url}`,
      // Sync works "on behalf of a managed client account" only (spec/ctct-v3-partner-subset-3.0.178.yaml line 329).
      forbiddenHint:
        'CTCT acts on behalf of managed accounts only: check that ' +
        'GET /partner/accounts?account_type=managed lists this account',
    });
  }

  /** GET /account/summary with the physical address (spec/ctct-v3-swagger-3.0.178.yaml lines 104-153), through sync. */
  getAccountSummary(encodedAccountId: string): Promise<CustomerSummary> {
    return this.syncOperation(encodedAccountId, {
      account_operation_url: '/account/summary',
      account_operation_method: 'GET',
      account_operation_query_parameters: [{ query_param_key: 'extra_fields', query_param_value: 'physical_address' }],
    });
  }

  /**
   * PUT /account/summary (spec/ctct-v3-swagger-3.0.178.yaml lines 154-201): a partial update, so send only what
   * changes.
   */
  updateAccountSummary(encodedAccountId: string, body: CustomerPut): Promise<CustomerPut> {
    return this.syncOperation(encodedAccountId, {
      account_operation_url: '/account/summary',
      account_operation_method: 'PUT',
      account_operation_payload: JSON.stringify(body),
    });
  }

  /**
   * POST /account/summary/physical_address (spec/ctct-v3-swagger-3.0.178.yaml lines 242-295): 409 when the account has
   * one already.
   */
  addPhysicalAddress(encodedAccountId: string, address: AccountPhysicalAddress): Promise<AccountPhysicalAddress> {
    return this.syncOperation(encodedAccountId, {
      account_operation_url: '/account/summary/physical_address',
      account_operation_method: 'POST',
      account_operation_payload: JSON.stringify(address),
    });
  }

  /**
   * PUT /account/summary/physical_address (spec/ctct-v3-swagger-3.0.178.yaml lines 296-353): replaces the whole
   * address; a field left out is removed.
   */
  updatePhysicalAddress(encodedAccountId: string, address: AccountPhysicalAddress): Promise<AccountPhysicalAddress> {
    return this.syncOperation(encodedAccountId, {
      account_operation_url: '/account/summary/physical_address',
      account_operation_method: 'PUT',
      account_operation_payload: JSON.stringify(address),
    });
  }

  /**
   * Creates (provisions) a client account. Sent again only after a 429 `throttled` or a connection
   * that failed before the request left; a timeout, a dropped connection or a 5xx rejects with
   * {@link CreateOutcomeUnknownError}, to be resolved by listing accounts, not by posting again.
   */
  async createAccount(body: ProvisionRequest): Promise<ProvisionResponse> {
    // Known exactly, the password is redacted however an echoing server escapes or nests it.
    this.#redactor.add(body.password);
    const call: Call = {
      operation: 'createAccount',
      method: 'POST',
      url: this.#url('/partner/accounts'),
      body,
      outcomeUnknown: (details) => new CreateOutcomeUnknownError(details, body.login_name),
    };
    const res = await this.#exchange(call);
    let created: Partial<ProvisionResponse> | undefined;
    try {
      created = JSON.parse(res.text) as Partial<ProvisionResponse>;
    } catch {
      created = undefined;
    }
    if (typeof created?.encoded_account_id === 'string') return created as ProvisionResponse;
    // CTCT said yes but not to what: the account exists, and only listing can find its id.
    const details = {
      ...this.#responseDetails(call, res),
      errors: [{ error_message: 'the response has no encoded_account_id' }],
    };
    throw new CreateOutcomeUnknownError(details, body.login_name);
  }

  /**
   * Adds a user to a client account with SSO for all users: POST /partner/accounts/{id}/users/sso
   * (partner subset lines 375-417), 201 with no body. Like {@link createAccount} never sent twice
   * blindly: CTCT offers no way to read SSO users, so an unknown outcome rejects with
   * {@link SsoUserOutcomeUnknownError}, and only one deliberate re-post (409 = the user exists)
   * resolves it.
   */
  async createSsoUser(encodedAccountId: string, body: SsoUser): Promise<void> {
    await this.#exchange({
      operation: 'createSsoUser',
      method: 'POST',
      url: this.#accountUrl(encodedAccountId, 'users/sso'),
      body,
      outcomeUnknown: (details) => new SsoUserOutcomeUnknownError(details, encodedAccountId, body.login_name),
      // The spec's 403 covers missing privileges; for this call it means the account lacks the feature.
      forbiddenHint:
        `SSO for all users is not enabled on account ${encodedAccountId}: ` +
        `the Constant Contact Partner team sets it up per client account`,
    });
  }

  /**
   * From now on, sends at most `max` more read requests (list pages and plan reads, retries
   * included); the next one rejects with {@link ReadBudgetSpentError} without being sent.
   * `undefined` lifts the limit.
   */
  limitReads(max: number | undefined): void {
    this.#readBudget = max === undefined ? undefined : { max, left: max };
  }

  /** Closes the client's own Agent; an injected dispatcher is left to its owner. */
  async close(): Promise<void> {
    if (this.#ownAgent && !this.#ownAgent.closed) await this.#ownAgent.close();
  }

  async #send<T>(call: Call): Promise<T> {
    const res = await this.#exchange(call);
    try {
      return JSON.parse(res.text) as T;
    } catch (error) {
      throw new CtctApiError({
        ...this.#responseDetails(call, res),
        errors: [{ error_message: 'the response body is not JSON' }],
        cause: error,
      });
    }
  }

  #exchange(call: Call): Promise<HttpResponse> {
    let reminted = false;
    return retryRequest(
      this.#retry,
      async (): Promise<AttemptOutcome<HttpResponse>> => {
        const { token, outcome } = await this.#inFlight(() => this.#attempt(call));
        if (outcome instanceof TransportError) {
          const details = this.#transportDetails(call, outcome);
          if (call.outcomeUnknown !== undefined && outcome.mayHaveBeenSent) throw call.outcomeUnknown(details);
          if (call.noBlindRetry && outcome.mayHaveBeenSent) throw new CtctApiError(details);
          return { kind: 'retry', what: outcome.code, circumstances: {}, giveUp: () => new CtctApiError(details) };
        }
        const { status } = outcome;
        if (status >= 200 && status < 300) return { kind: 'done', value: outcome };
        const details = this.#responseDetails(call, outcome);
        if (status === 401) {
          if (reminted) throw new CtctApiError(details, this.#explainRefusedToken(token));
          reminted = true;
          this.#tokens.invalidate(token);
          return { kind: 'retry-now', what: '401; minting a new token and retrying once' };
        }
        if (status === 429 && details.errors?.some((e) => e.error_key === 'quota_exceeded')) {
          this.stats.quotaExceeded++;
          throw new QuotaExceededError(details);
        }
        const throttled = status === 429;
        if (throttled) this.stats.throttled++;
        if (call.outcomeUnknown !== undefined && status >= 500) throw call.outcomeUnknown(details);
        const giveUp = (): CtctApiError =>
          new CtctApiError(
            details,
            status === 403 && call.forbiddenHint !== undefined ? call.forbiddenHint : this.#hintFor(status),
          );
        const retryable =
          status === 429 || (call.outcomeUnknown === undefined && !call.noBlindRetry && RETRYABLE_STATUSES.has(status));
        if (!retryable) throw giveUp();
        const retryAfterMs = parseRetryAfter(outcome.headers['retry-after']);
        return { kind: 'retry', what: String(status), circumstances: { retryAfterMs, throttled }, giveUp };
      },
      (attempt, _delayMs, retry) => {
        this.stats.retries++;
        const line =
          retry.kind === 'retry-now'
            ? ` → ${retry.what}`
            : `: ${retry.what}; retry ${attempt + 1}/${this.#retry.maxAttempts}`;
        this.#log?.(`${call.method} ${this.#describe(call)}${line}`);
      },
    );
  }

  /** One request inside the concurrency limit: token first, then the rate-limit slot, then the send. */
  async #attempt(call: Call): Promise<{ token: string; outcome: HttpResponse | TransportError }> {
    if (this.#readBudget !== undefined && (call.operation === 'listAccounts' || call.operation === 'getPlan')) {
      if (this.#readBudget.left === 0) throw new ReadBudgetSpentError(this.#readBudget.max);
      this.#readBudget.left--;
    }
    let token = '';
    let release: ReleaseSlot = () => {};
    // The wait for a slot can outlast a short-lived token's margin; a wasted slot is cheaper than a 401.
    // Bounded, because a token that never outlives the wait would loop for ever; the 401 path covers the rest.
    for (let tries = 0; tries < 3 && (tries === 0 || !this.#tokens.isFresh(token)); tries++) {
      release();
      token = await this.#tokens.getToken();
      release = await this.#limiter.acquire();
    }
    try {
      return await this.#sendAttempt(call, token);
    } finally {
      release();
    }
  }

  async #sendAttempt(call: Call, token: string): Promise<{ token: string; outcome: HttpResponse | TransportError }> {
    this.calls[call.operation]++;
    const headers: Record<string, string> = {
      authorization: this.#scheme === 'bearer' ? `Bearer ${token}` : token,
      'x-api-key': this.#apiKey,
      accept: 'application/json',
      'user-agent': 'ctct-gitops',
    };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    const started = Date.now();
    try {
      const outcome = await sendRequest({
        method: call.method,
        url: call.url,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        timeoutMs: this.#timeoutMs,
        dispatcher: this.#dispatcher,
      });
      this.#log?.(`${call.method} ${this.#describe(call)} → ${outcome.status} in ${Date.now() - started} ms`);
      return { token, outcome };
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      this.#log?.(`${call.method} ${this.#describe(call)} → ${error.message} after ${Date.now() - started} ms`);
      return { token, outcome: error };
    }
  }

  /** What a person can check when CTCT refuses every request of a misconfigured run. */
  #hintFor(status: number): string | undefined {
    // 403: "… you lack the necessary user privileges, or the application is deactivated"
    // (spec/ctct-v3-partner-subset-3.0.178.yaml:83).
    if (status === 403)
      return (
        'CTCT refused the API key: check that CTCT_API_KEY is the API key of your technology-partner ' +
        'V3 application (the one the partner credentials belong to) and that the application is active'
      );
    // basePath: /v3 (spec/ctct-v3-partner-subset-3.0.178.yaml:16).
    if (status === 404 && !/\/v3\/?$/.test(this.#baseUrl.pathname))
      return `CTCT_BASE_URL does not end with /v3; the V3 API root is ${DEFAULT_BASE_URL}`;
    return undefined;
  }

  #url(path: string): URL {
    return new URL(`${this.#baseUrl.pathname.replace(/\/$/, '')}${path}`, this.#baseUrl.origin);
  }

  #accountUrl(encodedAccountId: string, rest: string): URL {
    if (encodedAccountId === '') throw invalid('encoded_account_id must not be empty');
    return this.#url(`/partner/accounts/${encodeURIComponent(encodedAccountId)}/${rest}`);
  }

  // CTCT's next links are origin-relative and already hold /v3 (partners_accts_get.html), so they resolve against the
  // origin.
  #resolveNext(call: Call, href: string): URL {
    const next = new URL(href, this.#baseUrl.origin);
    if (next.origin !== this.#baseUrl.origin) throw this.#unexpected(call, 200, '_links.next leaves the API origin');
    return next;
  }

  /** The path below the base URL, with the query, as messages show it. */
  #display(url: URL): string {
    const base = this.#baseUrl.pathname.replace(/\/$/, '');
    const path = base && url.pathname.startsWith(`${base}/`) ? url.pathname.slice(base.length) : url.pathname;
    return this.#redactor.redact(path + url.search);
  }

  /** The path as messages show it, with the inner request of a sync call. */
  #describe(call: Call): string {
    return call.inner === undefined ? this.#display(call.url) : `${this.#display(call.url)} (${call.inner})`;
  }

  #requestInfo(call: Call): CtctApiErrorDetails['request'] {
    return {
      method: call.method,
      url: this.#redactor.redact(call.url.href),
      headers: { authorization: '[REDACTED]', 'x-api-key': '[REDACTED]', accept: 'application/json' },
    };
  }

  #responseDetails(call: Call, res: HttpResponse): CtctApiErrorDetails {
    const body = this.#redactor.redact(res.text);
    return {
      method: call.method,
      path: this.#describe(call),
      status: res.status,
      errors: parseCtctErrorBody(res.text, (t) => this.#redactor.redact(t)),
      request: this.#requestInfo(call),
      response: {
        status: res.status,
        headers: this.#redactor.redactHeaders(res.headers),
        body: body.slice(0, ERROR_BODY_KEEP),
      },
    };
  }

  #transportDetails(call: Call, error: TransportError): CtctApiErrorDetails {
    return {
      method: call.method,
      path: this.#describe(call),
      code: error.code,
      detail: this.#redactor.redact(error.message),
      request: this.#requestInfo(call),
      cause: error,
    };
  }

  /** Why a token minted moments ago was refused: a lifetime too short to use it, or the key and scheme. */
  #explainRefusedToken(token: string): string {
    const lifetime = this.#tokens.lifetimeMs(token);
    if (lifetime !== undefined && lifetime < SHORT_TOKEN_LIFETIME_MS) {
      return (
        `CTCT refused a freshly minted token that the token endpoint said lasts only ${Math.round(lifetime / 1000)} ` +
        `s, too short to be used before it expires: check CTCT_TOKEN_URL (or the simulator's --token-ttl)`
      );
    }
    return 'CTCT refused a freshly minted token: check CTCT_API_KEY and the authorization_scheme setting';
  }

  #unexpected(call: Call, status: number, message: string): CtctApiError {
    return new CtctApiError({
      method: call.method,
      path: this.#display(call.url),
      status,
      errors: [{ error_message: message }],
      request: this.#requestInfo(call),
    });
  }
}

/** What a credential sent in a header may hold: printable ASCII. */
export const HEADER_SAFE = /^[\x20-\x7e]+$/;

const REQUIRED_ENV = ['CTCT_API_KEY', 'CTCT_PARTNER_CLIENT_ID', 'CTCT_PARTNER_SECRET'] as const;

/**
 * Client options from the environment (credentials, URLs, the token request) and the settings
 * (pace, and the token URL, scope and scheme, which the environment beats).
 * A missing credential is an invalid-input error naming the variable, never showing any value.
 */
export function readCtctClientOptions(
  env: NodeJS.ProcessEnv,
  settings: Pick<Settings, 'requests_per_second' | 'concurrency' | 'authorization_scheme'> &
    Partial<Pick<Settings, 'token_url' | 'token_scope'>>,
): CtctClientOptions {
  const value = (name: string): string | undefined => env[name]?.trim() || undefined;
  const missing = REQUIRED_ENV.filter((name) => value(name) === undefined);
  if (missing.length > 0) {
    throw invalid(
      `missing environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: the CTCT API key ` +
        `and partner credentials are required (or pass --simulator to rehearse against the built-in simulator)`,
    );
  }
  const baseUrl = value('CTCT_BASE_URL') ?? DEFAULT_BASE_URL;
  checkEnvUrl('CTCT_BASE_URL', baseUrl);
  const tokenUrl = value('CTCT_TOKEN_URL') ?? settings.token_url ?? DEFAULT_TOKEN_URL;
  checkEnvUrl(value('CTCT_TOKEN_URL') === undefined ? 'token_url' : 'CTCT_TOKEN_URL', tokenUrl);
  // Set but empty is meaningful here: ask for no scope.
  const tokenScope =
    env['CTCT_TOKEN_SCOPE'] !== undefined ? env['CTCT_TOKEN_SCOPE'].trim() : (settings.token_scope ?? PARTNER_SCOPE);
  const scheme = value('CTCT_AUTHORIZATION_SCHEME')?.toLowerCase() ?? settings.authorization_scheme;
  if (scheme !== 'bearer' && scheme !== 'raw') throw invalid('CTCT_AUTHORIZATION_SCHEME must be bearer or raw');
  return {
    baseUrl,
    tokenUrl,
    apiKey: value('CTCT_API_KEY')!,
    clientId: value('CTCT_PARTNER_CLIENT_ID')!,
    clientSecret: value('CTCT_PARTNER_SECRET')!,
    authorizationScheme: scheme,
    tokenScope,
    requestsPerSecond: settings.requests_per_second,
    concurrency: settings.concurrency,
  };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

// Credentials travel in headers, so plain http is only accepted for a local simulator.
function checkEnvUrl(name: string, text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(`${name} is not a URL`);
  }
  if (url.username || url.password) throw invalid(`${name} must not contain credentials`);
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return;
  throw invalid(`${name} must be an https:// URL (http:// only for a loopback simulator)`);
}

function parseUrl(text: string, name: string): URL {
  try {
    return new URL(text);
  } catch {
    throw invalid(`${name} is not a URL`);
  }
}

function invalid(message: string): CtctGitopsError {
  return new CtctGitopsError(message, ExitCode.invalid);
}
