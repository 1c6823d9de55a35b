import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { SimResponse } from './sim-response.js';

export const PARTNER_SCOPE = 'v3api/general.partner';

/**
 * Claims of a simulator token, shaped like the decoded CTCT partner JWT in the API notes §2
 * (an AWS Cognito client-credentials access token), plus `jti` so tokens can be revoked.
 */
export interface PartnerTokenClaims {
  sub: string;
  token_use: 'access';
  scope: string;
  iss: string;
  exp: number;
  iat: number;
  client_id: string;
  jti: string;
}

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'ctct-gitops-simulator' }));

function base64url(text: string | Buffer): string {
  return Buffer.from(text).toString('base64url');
}

function computeSignature(signingInput: string, key: Buffer): Buffer {
  return createHmac('sha256', key).update(signingInput).digest();
}

export function signPartnerToken(claims: PartnerTokenClaims, key: Buffer): string {
  const signingInput = `${HEADER}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${computeSignature(signingInput, key).toString('base64url')}`;
}

/** The claims of a token signed with `key`, or undefined when it is not one; expiry is the caller's. */
export function verifyPartnerToken(token: string, key: Buffer): PartnerTokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== HEADER) return undefined;
  const expected = computeSignature(`${parts[0]}.${parts[1]}`, key);
  const given = Buffer.from(parts[2] ?? '', 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as PartnerTokenClaims;
    return typeof claims === 'object' && claims !== null && typeof claims.jti === 'string' ? claims : undefined;
  } catch {
    return undefined;
  }
}

/** What the token endpoint reads of a request. */
export interface TokenRequest {
  method: string;
  contentType: string | undefined;
  authorization: string | undefined;
  query: URLSearchParams;
  rawBody: string;
  nowMs: number;
}

function answerOAuthError(
  status: number,
  error: string,
  description: string,
  headers?: Record<string, string>,
): SimResponse {
  return { status, body: { error, error_description: description }, ...(headers ? { headers } : {}) };
}

/**
 * The partner token endpoint (client credentials with HTTP Basic auth,
 * https://developer.constantcontact.com/api_guide/partners_auth.html) and the check of the
 * tokens it issued. Tokens are signed with a key made at start, so a restarted simulator
 * refuses old ones with 401, as an expired token is refused.
 */
export class TokenIssuer {
  private readonly key = randomBytes(32);
  /** jti → expiry (ms) of every live token. */
  private readonly live = new Map<string, number>();

  constructor(
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly ttlSeconds: number,
    private readonly issuer: () => string,
    /** Refuse a request that names no scope (`SimulatorBehaviour.requireScope`). */
    private readonly requireScope = false,
  ) {}

  answer(request: TokenRequest): SimResponse {
    if (request.method !== 'POST')
      return {
        ...answerOAuthError(405, 'invalid_request', 'The token endpoint accepts POST only.'),
        headers: { allow: 'POST' },
      };
    // "If you do not include required request headers, a 415 error response code is returned." (partners_auth.html)
    if (request.contentType?.split(';')[0]?.trim().toLowerCase() !== 'application/x-www-form-urlencoded') {
      return answerOAuthError(415, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded.');
    }
    const basic = /^Basic\s+(\S+)$/i.exec(request.authorization ?? '');
    if (!basic || Buffer.from(basic[1] ?? '', 'base64').toString('utf8') !== `${this.clientId}:${this.clientSecret}`) {
      return answerOAuthError(401, 'invalid_client', 'Client authentication failed.', {
        'www-authenticate': 'Basic realm="partners"',
      });
    }
    // The legacy docs pass grant_type as a query parameter with an empty body; RFC 6749 puts it in the body.
    const form = new URLSearchParams(request.rawBody);
    if ((form.get('grant_type') ?? request.query.get('grant_type')) !== 'client_credentials') {
      return answerOAuthError(400, 'unsupported_grant_type', 'grant_type must be client_credentials.');
    }
    const scope = form.get('scope') ?? request.query.get('scope');
    if (scope === null && this.requireScope) {
      return answerOAuthError(400, 'invalid_scope', `scope must be given: request ${PARTNER_SCOPE}.`);
    }
    if (scope !== null && !scope.split(' ').every((s) => s === PARTNER_SCOPE)) {
      return answerOAuthError(400, 'invalid_scope', `The only scope is ${PARTNER_SCOPE}.`);
    }
    for (const [jti, expiresAt] of this.live) if (expiresAt <= request.nowMs) this.live.delete(jti);
    const jti = randomUUID();
    const expiresAt = request.nowMs + this.ttlSeconds * 1000;
    this.live.set(jti, expiresAt);
    const claims: PartnerTokenClaims = {
      sub: this.clientId,
      token_use: 'access',
      scope: PARTNER_SCOPE,
      iss: this.issuer(),
      // Rounded down, so a client that trusts `exp` never holds a token the simulator already refuses.
      exp: Math.floor(expiresAt / 1000),
      iat: Math.floor(request.nowMs / 1000),
      client_id: this.clientId,
      jti,
    };
    return {
      status: 200,
      body: {
        access_token: signPartnerToken(claims, this.key),
        token_type: 'Bearer',
        expires_in: this.ttlSeconds,
        scope: PARTNER_SCOPE,
      },
      headers: { 'cache-control': 'no-store' },
    };
  }

  /** Whether `token` (from the Authorization header) is a live token of ours. */
  isLive(token: string | undefined, nowMs: number): boolean {
    const claims = token ? verifyPartnerToken(token, this.key) : undefined;
    const expiresAt = claims ? this.live.get(claims.jti) : undefined;
    return claims?.client_id === this.clientId && expiresAt !== undefined && nowMs < expiresAt;
  }

  expireAll(): void {
    this.live.clear();
  }
}
