/** What replaces a secret in every message, log line and error. */
export const REDACTED = '[REDACTED]';

/** Header names whose values are credentials whatever they hold. */
const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'proxy-authorization', 'cookie', 'set-cookie']);

// Anything shaped like a JWT (header.payload.signature, base64url), in case one reaches text before it is registered.
const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
// "password": "…" in JSON text, and password=… in form or query text.
const JSON_PASSWORD_PATTERN = /("password"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;
const FORM_PASSWORD_PATTERN = /(\bpassword=)[^&\s"\\]*/gi;
const HEADER_LINE_PATTERN = /\b(authorization|x-api-key)(\s*[:=]\s*)("?)(?:(?:Bearer|Basic)\s+)?[^\s",}]+/gi;

/**
 * Removes the known secrets (API key, partner secret, the Basic credential, every JWT seen) and any
 * password from text before it reaches a message, a log line or an error.
 * Secrets are added as they become known (each minted JWT), and past ones stay redacted.
 */
export class Redactor {
  readonly #secrets = new Set<string>();
  #ordered: string[] = [];

  constructor(secrets: Iterable<string | undefined> = []) {
    for (const secret of secrets) this.add(secret);
  }

  /** Registers a secret; it is replaced wherever it appears from now on. */
  add(secret: string | undefined): void {
    if (!secret || this.#secrets.has(secret)) return;
    this.#secrets.add(secret);
    // Longest first, so a secret that contains another is replaced whole.
    this.#ordered = [...this.#secrets].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.#ordered) out = out.split(secret).join(REDACTED);
    return out
      .replace(JWT_PATTERN, REDACTED)
      .replace(JSON_PASSWORD_PATTERN, `$1"${REDACTED}"`)
      .replace(FORM_PASSWORD_PATTERN, `$1${REDACTED}`)
      .replace(HEADER_LINE_PATTERN, `$1$2$3${REDACTED}`);
  }

  /** A copy of the headers with credential values replaced and the rest redacted as text. */
  redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      const text = Array.isArray(value) ? value.join(', ') : value;
      out[name] = SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : this.redact(text);
    }
    return out;
  }
}
