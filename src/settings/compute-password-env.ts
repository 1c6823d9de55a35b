import { parse } from 'yaml';
import { InvalidInputError } from '../errors.js';
import type { DesiredAccount } from '../model.js';
import { validatePassword } from '../ctct/validate-password.js';

/** One secret holding every initial password, so a workflow needs no line per account. */
export const INITIAL_PASSWORDS_VAR = 'CTCT_INITIAL_PASSWORDS';
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The environment with `CTCT_INITIAL_PASSWORDS` expanded: a JSON or YAML map from the names that
 * files give in `password_env` to the passwords. A variable set on its own wins over the map. Pure;
 * an error names the variable and what is wrong, never a value (a YAML parser's message would quote
 * the text, so none is passed on).
 */
export function computePasswordEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const text = env[INITIAL_PASSWORDS_VAR];
  if (text === undefined || text.trim() === '') return env;
  let map: unknown;
  try {
    map = parse(text);
  } catch {
    map = undefined;
  }
  if (map === null || typeof map !== 'object' || Array.isArray(map)) {
    throw new InvalidInputError(
      [],
      `${INITIAL_PASSWORDS_VAR} is not a JSON or YAML map from password_env ` +
        'names to passwords, such as {"HANKS_INITIAL_PASSWORD": "..."}',
    );
  }
  const expanded: NodeJS.ProcessEnv = { ...env };
  for (const [name, value] of Object.entries(map)) {
    if (!VARIABLE_NAME.test(name))
      throw new InvalidInputError([], `${INITIAL_PASSWORDS_VAR}: "${name}" is not an environment variable name`);
    if (typeof value !== 'string' && typeof value !== 'number')
      throw new InvalidInputError([], `${INITIAL_PASSWORDS_VAR}: the password of ${name} is not a string`);
    if (expanded[name] === undefined || expanded[name] === '') expanded[name] = String(value);
  }
  return expanded;
}

/**
 * Why the value of `name` cannot be the initial password of `loginName`, or null when it can:
 * CTCT's rules in {@link validatePassword}. The reason never holds the password.
 */
export function findPasswordProblem(name: string, value: string | undefined, loginName?: string): string | null {
  if (value === undefined || value === '') return `the environment variable ${name} is not set`;
  const unfit = validatePassword(value, loginName);
  return unfit === undefined ? null : `the password in ${name} ${unfit} (CTCT's rule for a new account's password)`;
}

/**
 * For each account to create (by file) whose `password_env` cannot give its password (unset, or unfit by CTCT's rules),
 * why not.
 */
export function computePasswordProblems(
  accounts: readonly DesiredAccount[],
  env: NodeJS.ProcessEnv,
): Map<string, string> {
  const problems = new Map<string, string>();
  for (const account of accounts) {
    const name = account.password_env;
    if (account.encoded_account_id !== undefined || name === undefined) continue;
    const problem = findPasswordProblem(name, env[name], account.login_name);
    if (problem !== null) problems.set(account.file, problem);
  }
  return problems;
}
