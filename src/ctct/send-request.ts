import { request, type Dispatcher } from 'undici';

/** One HTTP request as the CTCT client sends it. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** Covers the response headers and the whole body. */
  timeoutMs: number;
  dispatcher: Dispatcher;
}

/** A complete response, whatever its status. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

// Failures that happen before a single byte of the request leaves this process.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The request got no complete response: refused, timed out, or the connection dropped. */
export class TransportError extends Error {
  /** The system or undici error code, or `TIMEOUT`. */
  readonly code: string;
  /** False only when the request certainly never reached the server, so any request may be sent again. */
  readonly mayHaveBeenSent: boolean;
  constructor(message: string, code: string, mayHaveBeenSent: boolean, cause?: unknown) {
    super(message, { cause });
    this.name = 'TransportError';
    this.code = code;
    this.mayHaveBeenSent = mayHaveBeenSent;
  }
}

/**
 * Sends one request through undici and reads the whole body, translating network failures to {@link TransportError}.
 */
export async function sendRequest(req: HttpRequest): Promise<HttpResponse> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, req.timeoutMs);
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: controller.signal,
      dispatcher: req.dispatcher,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  } catch (error) {
    if (timedOut) throw new TransportError(`no complete response within ${req.timeoutMs} ms`, 'TIMEOUT', true, error);
    const code = errorCode(error) ?? 'UNKNOWN';
    const message = error instanceof Error && error.message ? error.message : String(error);
    throw new TransportError(`${message} (${code})`, code, !NOT_SENT_CODES.has(code), error);
  } finally {
    clearTimeout(timer);
  }
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  // Happy-eyeballs connects fail with an AggregateError of one error per address.
  if (Array.isArray(errors) && errors.length > 0) return errorCode(errors[0]);
  return errorCode(cause);
}
