/** What a route answers; the server writes it, or drops the connection when a fault says so. */
export interface SimResponse {
  status: number;
  /** JSON body; undefined means no body at all. */
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * CTCT's general error body is an array of `{error_key, error_message}`
 * (https://developer.constantcontact.com/api_guide/glossary_responses.html).
 * The keys are the simulator's own: CTCT does not document the partner ones.
 */
export function answerErrors(
  status: number,
  errors: ReadonlyArray<readonly [key: string, message: string]>,
): SimResponse {
  return { status, body: errors.map(([error_key, error_message]) => ({ error_key, error_message })) };
}

export function answerError(status: number, key: string, message: string): SimResponse {
  return answerErrors(status, [[key, message]]);
}

/** 401 and 403 carry one object (`AuthorizationErrorSchema` in the vendor spec), not an array. */
export function answerUnauthorized(): SimResponse {
  return { status: 401, body: { error_key: 'unauthorized', error_message: 'Unauthorized' } };
}

export function answerForbidden(message = 'Forbidden'): SimResponse {
  return { status: 403, body: { error_key: 'forbidden', error_message: message } };
}

/** Rate-limit bodies are single objects, https://developer.constantcontact.com/api_guide/rate_limits.html */
export function answerThrottled(): SimResponse {
  return { status: 429, body: { error_key: 'throttled', error_message: 'Too Many Requests' } };
}

export function answerQuotaExceeded(): SimResponse {
  return { status: 429, body: { error_key: 'quota_exceeded', error_message: 'Limit Exceeded' } };
}

/** The spec's own wording for each status, used as the message of generic errors. */
const STATUS_MESSAGES: Record<number, readonly [string, string]> = {
  400: ['partner.api.bad_request', 'Bad request. Either the JSON was malformed or there was a data validation error.'],
  404: ['partner.api.not_found', 'The requested resource was not found.'],
  405: ['partner.api.method_not_allowed', 'Unsupported method used.'],
  409: [
    'partner.api.conflict',
    'Conflict. The resource you are creating or updating conflicts with an existing resource.',
  ],
  413: ['partner.api.payload_too_large', 'Request body too large.'],
  415: ['partner.api.unsupported_media_type', 'Unsupported Media Type.'],
  500: ['partner.api.internal_error', 'There was a problem with our internal service.'],
  502: ['partner.api.bad_gateway', 'Bad gateway.'],
  503: ['partner.api.service_unavailable', 'Our internal service is temporarily unavailable.'],
  504: ['partner.api.gateway_timeout', 'Gateway timeout.'],
};

/** The body CTCT would send with `status`: the rate-limit and auth objects, else an error array. */
export function answerStatus(status: number): SimResponse {
  if (status === 429) return answerThrottled();
  if (status === 401) return answerUnauthorized();
  if (status === 403) return answerForbidden();
  const known = STATUS_MESSAGES[status];
  return answerError(status, known?.[0] ?? `partner.api.http_${status}`, known?.[1] ?? `HTTP ${status}`);
}
