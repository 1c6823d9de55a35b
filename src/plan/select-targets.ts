import path from 'node:path';
import type { DesiredAccount } from '../model.js';

/**
 * The accounts `--target` names, and the targets that name none. A target is a
 * `login_name` (any case, as CTCT treats it), an `encoded_account_id`, or an account file's path
 * (relative to `cwd` or absolute). Pure: `cwd` is only joined, never read.
 */
export function selectTargets(
  accounts: readonly DesiredAccount[],
  targets: readonly string[],
  cwd: string,
): { selected: DesiredAccount[]; unknown: string[] } {
  const picked = new Set<DesiredAccount>();
  const unknown: string[] = [];
  for (const target of targets) {
    const asFile = path.relative(cwd, path.resolve(cwd, target)).split(path.sep).join('/');
    const matches = accounts.filter(
      (account) =>
        account.file === asFile ||
        account.encoded_account_id === target ||
        (account.login_name !== undefined && account.login_name.toLowerCase() === target.toLowerCase()),
    );
    if (matches.length === 0) unknown.push(target);
    for (const account of matches) picked.add(account);
  }
  return { selected: accounts.filter((account) => picked.has(account)), unknown };
}
