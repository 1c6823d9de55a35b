import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { readAccounts } from '../accounts/read-accounts.js';
import { writeFileAtomic } from '../accounts/write-file-atomic.js';
import type { CtctClient } from '../ctct/ctct-client.js';
import type { AccountType, PlanTiers, SiteOwner } from '../ctct/ctct-types.js';
import { OperationalError } from '../errors.js';
import { computeImportFiles, type ImportFile, type ImportSource } from '../import/compute-import-files.js';
import { readSettings } from '../settings/read-settings.js';
import { openCtct } from './open-ctct.js';
import { findSchemaFolder } from './run-init.js';
import type { WorkspaceOptions } from './run-plan.js';

export interface ImportRunOptions extends WorkspaceOptions {
  /** Only these encoded account ids. */
  accounts?: string[];
  accountType?: AccountType;
  dryRun: boolean;
  simulator: boolean;
  env: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface ImportResult {
  files: ImportFile[];
  /** Files actually written (none on a dry run). */
  written: string[];
  /** A unified diff of each new file, for --dry-run. */
  patches: string[];
  calls: { list: number; plan: number; summary: number };
  /** Requested ids that are not live or are already named by a file. */
  notImported: { encoded_account_id: string; reason: string }[];
}

/**
 * `import`: writes a file for each live account that no file names yet, with the plan read from
 * GET …/plan (only for accounts not listed as Trial). Never overwrites a file.
 */
export async function runImport(options: ImportRunOptions): Promise<ImportResult> {
  const settings = await readSettings(options.cwd, options.config, {
    ...options.overrides,
    ...(options.dir !== undefined && { accounts_dir: options.dir }),
  });
  const accountsRoot = path.resolve(options.cwd, settings.accounts_dir);
  const existing = existsSync(accountsRoot)
    ? await readAccounts(options.cwd, settings.accounts_dir, { allowOutsideRepo: options.allowOutsideRepo ?? false })
    : [];
  const named = new Set(
    existing.flatMap((account) => (account.encoded_account_id ? [account.encoded_account_id] : [])),
  );
  const connection = await openCtct({
    cwd: options.cwd,
    simulator: options.simulator,
    settings,
    env: options.env,
    accounts: existing,
    ...(options.log && { log: options.log }),
    ...(options.notice && { notice: options.notice }),
  });
  try {
    const { client } = connection;
    const owners = await client.listAccounts({ accountType: options.accountType ?? settings.account_type });
    const wanted = options.accounts !== undefined ? new Set(options.accounts) : null;
    const notImported: ImportResult['notImported'] = [];
    if (wanted !== null) {
      const listed = new Set(owners.map((owner) => owner.encoded_account_id));
      for (const id of [...wanted].sort()) {
        if (!listed.has(id)) notImported.push({ encoded_account_id: id, reason: 'not a live account of this partner' });
        else if (named.has(id))
          notImported.push({ encoded_account_id: id, reason: 'already named by an account file' });
      }
    }
    const chosen = owners.filter(
      (owner) => !named.has(owner.encoded_account_id) && (wanted === null || wanted.has(owner.encoded_account_id)),
    );
    const accountType = options.accountType ?? settings.account_type;
    const managed = await readManagedIds(client, chosen, accountType);
    const sources: ImportSource[] = await Promise.all(
      chosen.map(async (owner) => ({
        owner,
        plan: owner.billing_status === 'Trial' ? null : ((await client.getPlan(owner.encoded_account_id)) as PlanTiers),
        // The details of a managed account, so the first plan after import has nothing to change.
        ...(managed.has(owner.encoded_account_id) &&
          owner.billing_status !== 'Canceled' && { profile: await client.getAccountSummary(owner.encoded_account_id) }),
      })),
    );
    const takenNames = new Set(
      existsSync(accountsRoot) ? (await readdir(accountsRoot)).map((name) => name.toLowerCase()) : [],
    );
    const files = computeImportFiles(sources, {
      accountsDir: path.relative(options.cwd, accountsRoot).split(path.sep).join('/'),
      schemaPath: schemaPathFor(options.cwd, accountsRoot),
      takenNames,
    });
    const patches = options.dryRun
      ? files.map((file) => createTwoFilesPatch('/dev/null', file.file, '', file.text))
      : [];
    const written = options.dryRun ? [] : await writeNewFiles(options.cwd, files);
    return {
      files,
      written,
      patches,
      calls: {
        list: client.calls.listAccounts,
        plan: client.calls.getPlan,
        summary: client.calls.accountOperationsSync,
      },
      notImported,
    };
  } finally {
    await connection.close();
  }
}

/**
 * Which of the accounts to import are managed: the whole list when it was read managed-only, else one more list read.
 */
async function readManagedIds(
  client: CtctClient,
  chosen: readonly SiteOwner[],
  accountType: AccountType,
): Promise<ReadonlySet<string>> {
  if (chosen.length === 0 || accountType === 'unmanaged') return new Set();
  if (accountType === 'managed') return new Set(chosen.map((owner) => owner.encoded_account_id));
  return new Set((await client.listAccounts({ accountType: 'managed' })).map((owner) => owner.encoded_account_id));
}

/** Creates each file whole and without ever replacing one. */
async function writeNewFiles(cwd: string, files: readonly ImportFile[]): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    const target = path.resolve(cwd, file.file);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      await writeFileAtomic(target, file.text, { overwrite: false });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST')
        throw new OperationalError(`${file.file} already exists; import never overwrites a file`);
      throw error;
    }
    written.push(file.file);
  }
  return written;
}

/** The editor modeline's path to the account schema, from the accounts folder; null when there is none to point at. */
function schemaPathFor(cwd: string, accountsRoot: string): string | null {
  const folder = findSchemaFolder(cwd);
  return folder === null
    ? null
    : path
        .relative(accountsRoot, path.join(cwd, folder, 'account.schema.json'))
        .split(path.sep)
        .join('/');
}
