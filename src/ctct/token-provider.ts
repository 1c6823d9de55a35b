import type { Dispatcher } from 'undici';
import {
  CtctApiError,
  CtctAuthenticationError,
  QuotaExceededError,
  parseCtctErrorBody,
  type CtctApiErrorDetails,
} from './ctct-api-error.js';
import { RateLimiter } from './rate-limiter.js';
import type { Redactor } from './redact.js';
import { parseRetryAfter, type RetryOptions } from './retry-delay.js';
import { type AttemptOutcome, retryRequest } from './retry-request.js';
import { sendRequest, TransportError, type HttpResponse } from './send-request.js';
import { PARTNER_SCOPE } from '../settings/settings.js';

/**
 * CTCT's partner JWTs last one hour and cannot be refreshed
 * (https://developer.constantcontact.com/api_guide/partners_auth.html).
 */
const DEFAULT_TTL_SECONDS = 3600;
const MAX_REFRESH_MARGIN_MS = 60_000;

/** What the token provider reports to its client's counters. */
export type TokenEvent = 'request' | 'minted' | 'throttled' | 'retry';

/** Options of {@link TokenProvider}. */
export interface TokenProviderOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Asked for in the token request; '' asks for none (Cognito then grants the client's allowed scopes). */
  scope: string;
  dispatcher: Dispatcher;
  timeoutMs: number;
  retry: Required<RetryOptions>;
  /** Every minted token is added to it before anything else sees the token. */
  redactor: Redactor;
  log?: (line: string) => void;
  onEvent?: (event: TokenEvent) => void;
  now?: () => number;
}

interface CachedToken {
  token: string;
  refreshAt: number;
  /** How long the token endpoint said it lasts. */
  lifetimeMs: number;
}

/**
 * A token that lasts less than this may expire between its mint and its use; a refusal of one is blamed on its
 * lifetime.
 */
export const SHORT_TOKEN_LIFETIME_MS = 60_000;

/**
 * Partner JWTs from the client-credentials flow with HTTP Basic
 * (https://developer.constantcontact.com/api_guide/partners_auth.html). The token is cached and minted
 * again a little before it expires; concurrent callers share one mint in flight, and the token endpoint
 * sees at most one request per second (CTCT limits its authorization server to that).
 */
export class TokenProvider {
  readonly #options: TokenProviderOptions;
  readonly #now: () => number;
  readonly #pacer: RateLimiter;
  readonly #basic: string;
  #current: CachedToken | undefined;
  #minting: Promise<string> | undefined;

  constructor(options: TokenProviderOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#pacer = new RateLimiter({ requestsPerSecond: 1 });
    this.#basic = options.redactor.addBasicCredential(options.clientId, options.clientSecret);
  }

  /** A token valid for a while yet; mints one when there is none. */
  getToken(): Promise<string> {
    if (this.#current && this.#now() < this.#current.refreshAt) return Promise.resolve(this.#current.token);
    this.#minting ??= this.#mint().finally(() => {
      this.#minting = undefined;
    });
    return this.#minting;
  }

  /** Whether `token` is still the current one and not yet due for renewal. */
  isFresh(token: string): boolean {
    return this.#current?.token === token && this.#now() < this.#current.refreshAt;
  }

  /** How long the token endpoint said `token` lasts, while it is the current one. */
  lifetimeMs(token: string): number | undefined {
    return this.#current?.token === token ? this.#current.lifetimeMs : undefined;
  }

  /** Drops `token` after the API refused it, so the next {@link getToken} mints a new one; a newer token is kept. */
  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }

  #mint(): Promise<string> {
    const { retry, tokenUrl } = this.#options;
    const url = new URL(tokenUrl);
    return retryRequest(
      retry,
      async (): Promise<AttemptOutcome<string>> => {
        const release = await this.#pacer.acquire();
        this.#options.onEvent?.('request');
        let outcome: HttpResponse | TransportError;
        try {
          outcome = await sendRequest({
            method: 'POST',
            url,
            headers: {
              authorization: `Basic ${this.#basic}`,
              'content-type': 'application/x-www-form-urlencoded',
              accept: 'application/json',
            },
            body: new URLSearchParams({
              grant_type: 'client_credentials',
              ...(this.#options.scope !== '' && { scope: this.#options.scope }),
            }).toString(),
            timeoutMs: this.#options.timeoutMs,
            dispatcher: this.#options.dispatcher,
          });
        } catch (error) {
          if (!(error instanceof TransportError)) throw error;
          outcome = error;
        } finally {
          release();
        }
        if (!(outcome instanceof TransportError) && outcome.status >= 200 && outcome.status < 300)
          return { kind: 'done', value: this.#accept(outcome) };

        const details = this.#details(outcome);
        const status = details.status;
        if (status === 400 || status === 401 || status === 403)
          throw new CtctAuthenticationError(details, this.#explainRefusal(details));
        const key = details.errors?.[0]?.error_key;
        if (status === 429 && key === 'quota_exceeded') throw new QuotaExceededError(details);
        if (status === 429) this.#options.onEvent?.('throttled');
        const retryable = status === undefined || status === 429 || status >= 500;
        if (!retryable) throw new CtctApiError(details);
        const retryAfterMs =
          outcome instanceof TransportError ? undefined : parseRetryAfter(outcome.headers['retry-after'], this.#now());
        return {
          kind: 'retry',
          what: String(status ?? details.code),
          circumstances: { retryAfterMs, throttled: status === 429 },
          giveUp: () => new CtctApiError(details),
        };
      },
      (attempt, delayMs, { what }) => {
        this.#options.onEvent?.('retry');
        this.#log(`token request: ${what}; retry ${attempt + 1}/${retry.maxAttempts} in ${delayMs} ms`);
      },
    );
  }

  #accept(res: HttpResponse): string {
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(res.text) as typeof body;
    } catch {
      body = {};
    }
    const token = typeof body?.access_token === 'string' ? body.access_token : '';
    if (token === '') {
      throw new CtctApiError({
        ...this.#details(res),
        errors: [{ error_message: 'the token response has no access_token' }],
      });
    }
    this.#options.redactor.add(token);
    const now = this.#now();
    const expiresIn =
      typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TTL_SECONDS;
    let expiresAt = now + expiresIn * 1000;
    const exp = readJwtExpiry(token);
    // A JWT `exp` already in the past means the clocks disagree; expires_in is then the better guide.
    if (exp !== undefined && exp * 1000 > now) expiresAt = Math.min(expiresAt, exp * 1000);
    const ttl = expiresAt - now;
    this.#current = { token, refreshAt: expiresAt - Math.min(MAX_REFRESH_MARGIN_MS, ttl / 10), lifetimeMs: ttl };
    this.#options.onEvent?.('minted');
    this.#log(`minted a partner token valid for ${Math.round(ttl / 1000)} s`);
    return token;
  }

  /**
   * What to change when the token endpoint says no. OAuth2 error codes (RFC 6749 §5.2) tell a
   * refused scope or grant, which new credentials would not fix, from refused credentials.
   */
  #explainRefusal(details: CtctApiErrorDetails): string {
    const codes = (details.errors ?? []).map((e) => e.error_key);
    const { scope, tokenUrl } = this.#options;
    if (codes.includes('invalid_scope')) {
      const asked = scope === '' ? 'no scope' : `the scope "${scope}"`;
      return (
        `the token endpoint refused ${asked} (invalid_scope), not ` +
        `the credentials: set token_scope in ctct-gitops.yaml or ` +
        `CTCT_TOKEN_SCOPE to ${PARTNER_SCOPE} (CTCT's partner scope)${scope === '' ? '' : ', or to "" to ask for none'}`
      );
    }
    if (
      codes.some(
        (code) => code === 'unsupported_grant_type' || code === 'invalid_grant' || code === 'unauthorized_client',
      )
    ) {
      return (
        `the token endpoint refused the client_credentials grant ` +
        `(${codes.join(', ')}), not the credentials: check that the token URL ` +
        (`(${this.#options.redactor.redact(tokenUrl)}; token_url or CTCT_TOKEN_URL) is ` +
          `CTCT's partner token endpoint and that these partner credentials may use it`)
      );
    }
    return (
      'CTCT rejected the partner credentials: check ' +
      'CTCT_PARTNER_CLIENT_ID and CTCT_PARTNER_SECRET (and the token URL)'
    );
  }

  #details(outcome: HttpResponse | TransportError): CtctApiErrorDetails {
    const redactor = this.#options.redactor;
    const request = {
      method: 'POST',
      url: redactor.redact(this.#options.tokenUrl),
      headers: { authorization: '[REDACTED]', 'content-type': 'application/x-www-form-urlencoded' },
    };
    const path = redactor.redact(this.#options.tokenUrl);
    if (outcome instanceof TransportError) {
      return {
        method: 'POST',
        path,
        code: outcome.code,
        detail: redactor.redact(outcome.message),
        request,
        cause: outcome,
      };
    }
    const body = redactor.redact(outcome.text);
    return {
      method: 'POST',
      path,
      status: outcome.status,
      errors: parseCtctErrorBody(outcome.text, (t) => redactor.redact(t)),
      request,
      response: { status: outcome.status, headers: redactor.redactHeaders(outcome.headers), body: body.slice(0, 4000) },
    };
  }

  #log(line: string): void {
    this.#options.log?.(this.#options.redactor.redact(line));
  }
}

/** The `exp` claim of a JWT in seconds, or undefined when the token is not a readable JWT. */
export function readJwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp : undefined;
  } catch {
    return undefined;
  }
}
