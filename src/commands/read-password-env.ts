import { randomBytes } from 'node:crypto';
import type { DesiredAccount } from '../model.js';
import { computePasswordEnv, findPasswordProblem } from '../settings/compute-password-env.js';

/**
 * The environment a run reads initial passwords from: `CTCT_INITIAL_PASSWORDS` expanded and, under
 * `--simulator`, a throwaway password for each account to create whose variable is not usable,
 * so a rehearsal never stops for a password (the notice says which).
 */
export function readPasswordEnv(options: {
  env: NodeJS.ProcessEnv;
  simulator: boolean;
  accounts: readonly DesiredAccount[];
  notice?: (line: string) => void;
}): NodeJS.ProcessEnv {
  const env = computePasswordEnv(options.env);
  if (!options.simulator) return env;
  const creates = options.accounts.filter(
    (account) => account.encoded_account_id === undefined && account.password_env !== undefined,
  );
  const missing = [
    ...new Set(
      creates
        .filter(
          (account) =>
            findPasswordProblem(account.password_env!, env[account.password_env!], account.login_name) !== null,
        )
        .map((account) => account.password_env!),
    ),
  ].sort();
  if (missing.length === 0) return env;
  options.notice?.(
    `--simulator: a throwaway initial password stands in for ${missing.join(', ')}, ` +
      `which ${missing.length === 1 ? 'is' : 'are'} not set or unfit`,
  );
  const throwaway = { ...env };
  for (const name of missing) {
    const logins = creates.filter((account) => account.password_env === name).map((account) => account.login_name);
    // Random letters could by chance hold a piece of a login name, which CTCT refuses.
    do throwaway[name] = randomBytes(12).toString('base64url');
    while (logins.some((login) => findPasswordProblem(name, throwaway[name], login) !== null));
  }
  return throwaway;
}
