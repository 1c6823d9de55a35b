import { InvalidInputError } from '../errors.js';
import type { DesiredAccount } from '../model.js';
import { readAccountFiles, type ReadAccountFilesOptions } from './read-account-files.js';
import { validateAccounts } from './validate-accounts.js';

/** Reads and validates every account file; throws every problem at once (exit 3). */
export async function readAccounts(
  cwd: string,
  accountsDir: string,
  options: ReadAccountFilesOptions = {},
): Promise<DesiredAccount[]> {
  const { files, problems: readProblems } = await readAccountFiles(cwd, accountsDir, options);
  const { accounts, problems } = validateAccounts(files);
  const all = [...readProblems, ...problems];
  if (all.length > 0) throw new InvalidInputError(all);
  return accounts;
}
