import { CtctGitopsError, ExitCode } from '../errors.js';
import type { CtctErrorEntry } from './ctct-types.js';

export const RATE_LIMITS_DOC = 'https://developer.constantcontact.com/api_guide/rate_limits.html';
export const CREATE_ACCOUNT_DOC = 'https://developer.constantcontact.com/api_guide/partners_accts_create.html';

/** The request an error came from, credentials already redacted. */
export interface CtctRequestInfo {
  method: string;
  url: string;
  headers: Record<string, string>;
}

/** The response an error came from, redacted; the body is cut to a few kilobytes. */
export interface CtctResponseInfo {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What a {@link CtctApiError} is built from; every string is already redacted. */
export interface CtctApiErrorDetails {
  method: string;
  /** Path below the base URL, with its query, e.g. `/partner/accounts?limit=50`. */
  path: string;
  /** HTTP status; undefined when no response arrived. */
  status?: number;
  /** CTCT's error entries, normalised by {@link parseCtctErrorBody}. */
  errors?: CtctErrorEntry[];
  /** For failures without a response: the system or undici error code, or `TIMEOUT`. */
  code?: string;
  /** For failures without a response: what happened. */
  detail?: string;
  request?: CtctRequestInfo;
  response?: CtctResponseInfo;
  cause?: unknown;
}

/**
 * The one error of the CTCT client: an HTTP error response, or a request that got no response
 * (`status` undefined, `code` set). The message is built from CTCT's own `error_message`s, e.g.
 * `POST /partner/accounts → 409: login_name already exists (conflict)`. Credentials never reach it.
 *
 * Subclasses mark the cases a caller must treat differently: {@link QuotaExceededError},
 * {@link CreateOutcomeUnknownError} and {@link CtctAuthenticationError}.
 */
export class CtctApiError extends CtctGitopsError {
  readonly status: number | undefined;
  readonly method: string;
  readonly path: string;
  readonly errors: CtctErrorEntry[];
  /** The first `error_key` CTCT sent, if any. */
  readonly errorKey: string | undefined;
  readonly code: string | undefined;
  readonly request: CtctRequestInfo | undefined;
  readonly response: CtctResponseInfo | undefined;

  constructor(details: CtctApiErrorDetails, hint?: string) {
    const errors = details.errors ?? [];
    super(formatMessage(details, errors) + (hint ? `; ${hint}` : ''), ExitCode.failure, { cause: details.cause });
    this.status = details.status;
    this.method = details.method;
    this.path = details.path;
    this.errors = errors;
    this.errorKey = errors.find((e) => e.error_key)?.error_key;
    this.code = details.code;
    this.request = details.request;
    this.response = details.response;
  }
}

/** 429 `quota_exceeded`: the API key's daily budget is spent. Never retried. */
export class QuotaExceededError extends CtctApiError {
  constructor(details: CtctApiErrorDetails) {
    super(details, `the daily request limit of this API key is used up and resets at 00:00 UTC (${RATE_LIMITS_DOC})`);
  }
}

/**
 * The read budget of the run (`--max-api-calls`) is spent: the request was not sent. Whoever set
 * the budget decides what to leave unread; it is not an API failure.
 */
export class ReadBudgetSpentError extends CtctGitopsError {
  constructor(readonly budget: number) {
    super(`the budget of ${budget} API calls for reading is spent (max_api_calls)`, ExitCode.failure);
  }
}

/**
 * POST /partner/accounts may or may not have created the account: it timed out, the connection
 * dropped after the request was sent, or CTCT answered 5xx (a 503 create is stored and provisioned
 * later, {@link CREATE_ACCOUNT_DOC}). Resolve it by listing accounts again, never by a blind second POST.
 */
export class CreateOutcomeUnknownError extends CtctApiError {
  /** The `login_name` of the account whose creation is in doubt. */
  readonly loginName: string;
  constructor(details: CtctApiErrorDetails, loginName: string) {
    super(
      details,
      `the outcome of creating ${loginName} is unknown: CTCT may have created it or may ` +
        `still provision it (${CREATE_ACCOUNT_DOC}); list the accounts before trying again`,
    );
    this.loginName = loginName;
  }
}

/**
 * POST /partner/accounts/{id}/users/sso may or may not have stored the user (timeout, dropped
 * connection, 5xx). CTCT cannot list SSO users, so only one deliberate re-post tells: 201 it is
 * created now, 409 it existed.
 */
export class SsoUserOutcomeUnknownError extends CtctApiError {
  readonly encodedAccountId: string;
  readonly loginName: string;
  constructor(details: CtctApiErrorDetails, encodedAccountId: string, loginName: string) {
    super(
      details,
      `the outcome of creating SSO user ${loginName} in ${encodedAccountId} is unknown: CTCT may have stored it`,
    );
    this.encodedAccountId = encodedAccountId;
    this.loginName = loginName;
  }
}

/**
 * The token endpoint refused the request: the credentials, the scope or the grant; `hint` says which and what to
 * change.
 */
export class CtctAuthenticationError extends CtctApiError {
  constructor(
    details: CtctApiErrorDetails,
    hint = 'CTCT rejected the partner credentials: check ' +
      'CTCT_PARTNER_CLIENT_ID and CTCT_PARTNER_SECRET (and CTCT_TOKEN_URL)',
  ) {
    super(details, hint);
  }
}

const SNIPPET_LENGTH = 200;

/**
 * Normalises an error body to entries, each string passed through `redact`: CTCT documents an array of
 * `{error_key, error_message}` (https://developer.constantcontact.com/api_guide/glossary_responses.html), sends
 * single objects for 401 and 429, token endpoints answer OAuth2's `{error, error_description}`, and proxies send
 * text or HTML. An empty body gives no entries.
 */
export function parseCtctErrorBody(text: string, redact: (text: string) => string = (t) => t): CtctErrorEntry[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return [{ error_message: describeText(redact(trimmed)) }];
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  const entries = items.map(toEntry).filter((e): e is CtctErrorEntry => e !== undefined);
  if (entries.length === 0 && items.length > 0) return [{ error_message: describeText(redact(trimmed)) }];
  // Redacted after parsing: a pattern applied to the raw text could cut through its JSON.
  return entries.map((e) => {
    const out: CtctErrorEntry = {};
    if (e.error_key !== undefined) out.error_key = redact(e.error_key);
    if (e.error_message !== undefined) out.error_message = redact(e.error_message);
    return out;
  });
}

function toEntry(item: unknown): CtctErrorEntry | undefined {
  if (typeof item === 'string') return { error_message: item };
  if (typeof item !== 'object' || item === null) return undefined;
  const o = item as Record<string, unknown>;
  const key = stringField(o.error_key) ?? stringField(o.error);
  const message = stringField(o.error_message) ?? stringField(o.error_description) ?? stringField(o.message);
  if (key === undefined && message === undefined) return undefined;
  const entry: CtctErrorEntry = {};
  if (key !== undefined) entry.error_key = key;
  if (message !== undefined) entry.error_message = message;
  return entry;
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
}

function describeText(text: string): string {
  if (text.startsWith('<')) return `non-JSON response of ${text.length} characters`;
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > SNIPPET_LENGTH ? `${flat.slice(0, SNIPPET_LENGTH)}…` : flat;
}

function formatMessage(details: CtctApiErrorDetails, errors: CtctErrorEntry[]): string {
  const head = `${details.method} ${details.path} → `;
  if (details.status === undefined) return `${head}no response: ${details.detail ?? details.code ?? 'request failed'}`;
  const described = errors
    .map((e) =>
      e.error_message && e.error_key ? `${e.error_message} (${e.error_key})` : (e.error_message ?? e.error_key),
    )
    .join('; ');
  return `${head}${details.status}: ${described || 'no error details in the response body'}`;
}
