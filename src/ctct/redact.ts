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

/** JSON string escaping as `JSON.stringify` does it, without the quotes. */
function jsonEscape(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** JSON string escaping as other encoders do it: `/` as `\\/`, and everything past ASCII as `\\uXXXX`. */
function jsonEscapeStrict(text: string, slash: boolean, hexCase: 'lower' | 'upper' | 'none'): string {
  let out = jsonEscape(text);
  if (slash) out = out.replace(/\//g, '\\/');
  if (hexCase === 'none') return out;
  return out.replace(/[^\x00-\x7f]/g, (c) => {
    const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
    return `\\u${hexCase === 'upper' ? hex.toUpperCase() : hex}`;
  });
}

/** Percent-encoding with lower-case hex digits, which some servers write. */
function lowerHex(encoded: string): string {
  return encoded.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** One step of encoding a text can go through between the tool and its output. */
const ENCODINGS: Array<(text: string) => string> = [
  jsonEscape,
  (t) => jsonEscapeStrict(t, true, 'none'),
  (t) => jsonEscapeStrict(t, false, 'lower'),
  (t) => jsonEscapeStrict(t, true, 'lower'),
  (t) => jsonEscapeStrict(t, false, 'upper'),
  (t) => jsonEscapeStrict(t, true, 'upper'),
  encodeURIComponent,
  (t) => lowerHex(encodeURIComponent(t)),
  (t) => new URLSearchParams({ v: t }).toString().slice(2), // form encoding: space as +
  (t) => t.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!),
  // UTF-8 bytes read back as Latin-1, as Node's HTTP server reads non-ASCII header values.
  (t) => Buffer.from(t, 'utf8').toString('latin1'),
];

/**
 * Every form a secret can take in output: raw, JSON-escaped (once, or twice when an echoed body is
 * itself quoted in JSON), URL- and form-encoded, HTML-escaped, and one of these inside another.
 * Most secrets are plain ASCII, for which the set is just the secret itself.
 */
function encodedForms(secret: string): string[] {
  const forms = new Set([secret]);
  let frontier = [secret];
  for (let depth = 0; depth < 2; depth++) {
    const next: string[] = [];
    for (const form of frontier) {
      for (const encode of ENCODINGS) {
        let encoded: string;
        try {
          encoded = encode(form);
        } catch {
          continue; // encodeURIComponent refuses a lone surrogate, which no URL can then carry
        }
        if (!forms.has(encoded)) {
          forms.add(encoded);
          next.push(encoded);
        }
      }
    }
    frontier = next;
  }
  return [...forms];
}

/**
 * Removes the known secrets (API key, partner secret, the Basic credential, every JWT seen) and any
 * password from text before it reaches a message, a log line or an error.
 * Secrets are added as they become known (each minted JWT), and past ones stay redacted.
 */
export class Redactor {
  readonly #secrets = new Set<string>();
  readonly #forms = new Set<string>();
  #ordered: string[] = [];

  constructor(secrets: Iterable<string | undefined> = []) {
    for (const secret of secrets) this.add(secret);
  }

  /** Registers a secret; it is replaced wherever it appears from now on, in every form {@link encodedForms} lists. */
  add(secret: string | undefined): void {
    if (!secret || this.#secrets.has(secret)) return;
    this.#secrets.add(secret);
    for (const form of encodedForms(secret)) this.#forms.add(form);
    // Longest first, so a secret that contains another is replaced whole.
    this.#ordered = [...this.#forms].sort((a, b) => b.length - a.length);
  }

  /** Registers the HTTP Basic credential of `id:secret` (RFC 7617), base64 and base64url, in every encoded form. */
  addBasicCredential(id: string, secret: string | undefined): string {
    const basic = Buffer.from(`${id}:${secret ?? ''}`);
    this.add(basic.toString('base64'));
    this.add(basic.toString('base64url'));
    return basic.toString('base64');
  }

  redact(text: string): string {
    let out = text;
    for (const form of this.#ordered) if (out.includes(form)) out = out.split(form).join(REDACTED);
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
