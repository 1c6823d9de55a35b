import { parse } from 'yaml';

/** Environment variables whose values are secrets: the API key, the partner secret, any password. */
const SECRET_NAME = /^(CTCT_API_KEY|CTCT_PARTNER_SECRET)$|PASSWORD/i;
/** The built-in simulator's own credentials, used by every `--simulator` run. */
const SIMULATOR_SECRETS = ['sim-api-key', 'sim-partner-secret'];
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}/;

/**
 * What a CLI run must never print: the secret values it was given, the simulator's credentials,
 * or any JWT. Every harness that runs the CLI checks its output with this, so the whole suite is a
 * secrets canary.
 */
export function findLeakedSecrets(env: NodeJS.ProcessEnv | undefined, ...outputs: string[]): string[] {
  const text = outputs.join('\n');
  const leaks: string[] = [];
  for (const [name, value] of Object.entries(env ?? {})) {
    if (!SECRET_NAME.test(name) || value === undefined || value.length < 6) continue;
    // Raw, JSON-escaped and URL-encoded: the forms an echoing server or an encoder hands back.
    const forms = new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]);
    if ([...forms].some((form) => text.includes(form))) leaks.push(`the value of ${name}`);
  }
  for (const [name, value] of Object.entries(initialPasswords(env))) {
    if (value.length >= 6 && text.includes(value)) leaks.push(`the password of ${name} in CTCT_INITIAL_PASSWORDS`);
  }
  for (const secret of SIMULATOR_SECRETS) if (text.includes(secret)) leaks.push(`the simulator credential ${secret}`);
  if (JWT.test(text)) leaks.push('a JWT');
  return leaks;
}

/** The passwords that CTCT_INITIAL_PASSWORDS maps, when it is a map. */
function initialPasswords(env: NodeJS.ProcessEnv | undefined): Record<string, string> {
  try {
    const map: unknown = parse(env?.['CTCT_INITIAL_PASSWORDS'] ?? '');
    if (map === null || typeof map !== 'object') return {};
    return Object.fromEntries(Object.entries(map).map(([name, value]) => [name, String(value)]));
  } catch {
    return {};
  }
}

/** Throws when a run printed a secret; the message names what leaked, never the value. */
export function assertNoLeakedSecrets(
  env: NodeJS.ProcessEnv | undefined,
  args: readonly string[],
  ...outputs: string[]
): void {
  const leaks = findLeakedSecrets(env, ...outputs);
  if (leaks.length > 0) throw new Error(`ctct-gitops ${args.join(' ')} printed ${leaks.join(', ')}`);
}
