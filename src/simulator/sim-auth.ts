import type { IncomingHttpHeaders } from 'node:http';
import type { TokenIssuer } from './partner-token.js';
import { readAuthorizationToken, type SimulatorBehaviour } from './sim-behaviour.js';
import { answerForbidden, answerUnauthorized, type SimResponse } from './sim-response.js';

/**
 * Both headers are required on partner calls (one security requirement with both schemes in the
 * vendor spec). A missing or invalid token, or no key, is 401 "The Access Token used is invalid.";
 * a valid token with another application's key is 403, the spec's "application … lack[s] the
 * necessary privileges", since one API key belongs to one set of partner credentials
 * (partners_reg_creds.html). The Authorization header's form is `behaviour.authorizationScheme`'s.
 * Undefined when the call may go on.
 */
export function checkPartnerAuth(
  headers: IncomingHttpHeaders,
  tokens: TokenIssuer,
  apiKey: string,
  behaviour: SimulatorBehaviour,
  nowMs: number,
): SimResponse | undefined {
  if (!tokens.isLive(readAuthorizationToken(headers.authorization, behaviour), nowMs)) return answerUnauthorized();
  const sent = headers['x-api-key'];
  if (typeof sent !== 'string' || sent === '') return answerUnauthorized();
  if (sent !== apiKey) return answerForbidden();
  return undefined;
}
