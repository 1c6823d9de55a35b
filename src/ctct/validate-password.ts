/** The vendor spec's length limits of `Provision.password` (subset spec, lines 835-846). */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 80;
/** Shorter pieces of a login name ("a", "jo") would refuse too many good passwords. */
const MIN_LOGIN_PART = 3;

/**
 * What is wrong with an initial password by the rules CTCT states for a create, or undefined:
 * "at least 8 characters and no more than 80 characters in length", letters, digits, special
 * characters and spaces allowed, and it "should not contain any part of your username" (subset
 * spec, `Provision.password`, line 839). A part is the whole login name or a piece of it between
 * the separators a login may hold ('-', '_', '@', '.', '+'), of 3 or more characters, compared
 * without regard to case. The message never contains the password.
 */
export function validatePassword(password: string, loginName: string | undefined): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    return `must be ${PASSWORD_MIN_LENGTH}-${PASSWORD_MAX_LENGTH} characters long (it has ${password.length})`;
  }
  const part = findLoginPart(password, loginName);
  return part === undefined ? undefined : `must not contain any part of the login name ("${part}")`;
}

/** The part of `loginName` (see {@link validatePassword}) that `password` contains, if any. */
export function findLoginPart(password: string, loginName: string | undefined): string | undefined {
  if (loginName === undefined) return undefined;
  const lower = password.toLowerCase();
  const parts = [loginName, ...loginName.split(/[-_@.+]/)]
    .map((part) => part.toLowerCase())
    .filter((part) => part.length >= MIN_LOGIN_PART);
  return parts.find((part) => lower.includes(part));
}
