import type { Problem } from '../errors.js';
import type { DesiredAccount } from '../model.js';
import { readSchemaValidator } from '../schemas.js';
import { validateWithSchema } from '../validate-with-schema.js';
import { parseYamlSource, type YamlSource } from '../yaml-source.js';
import type { SourceFile } from './read-account-files.js';

/** The account file as the schema allows it; only ever built from a value the schema accepted. */
type AccountFile = Omit<DesiredAccount, 'file' | 'positions' | 'plan' | 'status' | 'protect'> & {
  plan?: Partial<DesiredAccount['plan']>;
  status?: DesiredAccount['status'];
  protect?: boolean;
};

const UNIQUE_FIELDS = ['login_name', 'encoded_account_id', 'partner_account_id'] as const;

/** Parses, validates and normalises account files: every account, or every problem at once. */
export function validateAccounts(files: readonly SourceFile[]): { accounts: DesiredAccount[]; problems: Problem[] } {
  const validate = readSchemaValidator('account');
  const problems: Problem[] = [];
  const accounts: DesiredAccount[] = [];
  // Every parsed file takes part in the uniqueness check, so a duplicate shows in the same pass as other problems.
  const identities: Identities[] = [];
  for (const { file, text } of files) {
    const parsed = parseYamlSource(file, text);
    if (parsed.source === null) {
      problems.push(...parsed.problems);
      continue;
    }
    identities.push(identitiesOf(parsed.source));
    const schemaProblems = validateWithSchema(validate, parsed.source);
    if (schemaProblems.length > 0) problems.push(...schemaProblems);
    // Normalised at once: the parsed document, its offsets and line table are garbage from here on (issue #20).
    else accounts.push(normaliseAccount(parsed.source));
  }
  accounts.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  identities.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  problems.push(...validateAcrossFiles(identities), ...accounts.flatMap(validateSsoUsers));
  return { accounts, problems };
}

function normaliseAccount(source: YamlSource): DesiredAccount {
  const { plan, status, protect, ...rest } = source.value as AccountFile;
  return {
    ...rest,
    file: source.file,
    positions: source.positions,
    plan: { ...plan, plan_type: plan?.plan_type ?? 'TRIAL' },
    status: status ?? 'active',
    protect: protect ?? false,
  };
}

type Identities = Pick<DesiredAccount, 'file' | 'positions' | (typeof UNIQUE_FIELDS)[number]>;

/**
 * The identity fields of a parsed file, whatever else is wrong with it; a non-string value is the schema's to report.
 */
function identitiesOf(source: YamlSource): Identities {
  const value = (typeof source.value === 'object' && source.value !== null ? source.value : {}) as Record<
    string,
    unknown
  >;
  const identities: Identities = { file: source.file, positions: source.positions };
  for (const field of UNIQUE_FIELDS) {
    if (typeof value[field] === 'string') identities[field] = value[field];
  }
  return identities;
}

/** Identities must be unique across files; each repeat is reported where it stands, naming the first. */
function validateAcrossFiles(accounts: readonly Identities[]): Problem[] {
  const problems: Problem[] = [];
  for (const field of UNIQUE_FIELDS) {
    const first = new Map<string, Identities>();
    for (const account of accounts) {
      const value = account[field];
      if (value === undefined) continue;
      const key = field === 'login_name' ? value.toLowerCase() : value;
      const earlier = first.get(key);
      if (earlier === undefined) {
        first.set(key, account);
        continue;
      }
      const position = account.positions[field] ?? { line: 1, col: 1 };
      const earlierPosition = earlier.positions[field] ?? { line: 1, col: 1 };
      problems.push({
        file: account.file,
        ...position,
        message:
          `${field} "${value}" is already used ` +
          `by ${earlier.file}:${earlierPosition.line}:${earlierPosition.col}; it must be unique across files`,
      });
    }
  }
  return problems;
}

/**
 * Within one account, SSO users' login names and email addresses must be unique (CTCT answers 409
 * otherwise) and differ from the account's own login; a user can have been created only once the
 * account existed, so `created_at` needs the account's `encoded_account_id`.
 */
function validateSsoUsers(account: DesiredAccount): Problem[] {
  const problems: Problem[] = [];
  const users = account.sso_users ?? [];
  const at = (index: number, field: string, message: string): Problem => ({
    file: account.file,
    ...(account.positions[`sso_users.${index}.${field}`] ?? { line: 1, col: 1 }),
    message,
  });
  for (const field of ['login_name', 'contact_email'] as const) {
    const first = new Map<string, number>();
    users.forEach((user, index) => {
      const key = user[field].toLowerCase();
      const earlier = first.get(key);
      if (earlier === undefined) first.set(key, index);
      else {
        const position = account.positions[`sso_users.${earlier}.${field}`] ?? { line: 1, col: 1 };
        problems.push(
          at(
            index,
            field,
            `sso_users[${index}].${field} "${user[field]}" is already used by ` +
              `sso_users[${earlier}] at line ${position.line}; it must be unique in the account`,
          ),
        );
      }
    });
  }
  users.forEach((user, index) => {
    if (account.login_name !== undefined && user.login_name.toLowerCase() === account.login_name.toLowerCase()) {
      problems.push(
        at(
          index,
          'login_name',
          `sso_users[${index}].login_name "${user.login_name}" is the ` +
            `account's own login_name; an SSO user needs a login of its own`,
        ),
      );
    }
    if (user.created_at !== undefined && account.encoded_account_id === undefined) {
      problems.push(
        at(
          index,
          'created_at',
          `sso_users[${index}].created_at needs the account's ` +
            'encoded_account_id: a user is created only in an account that exists',
        ),
      );
    }
  });
  return problems;
}
