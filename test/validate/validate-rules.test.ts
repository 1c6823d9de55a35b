import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAccounts } from '../../src/accounts/read-accounts.js';
import { renderValidateResult, runValidate } from '../../src/commands/run-validate.js';
import { formatProblem, InvalidInputError } from '../../src/errors.js';
import { runCli } from '../helpers/run-cli.js';
import { requireBuiltCli } from './build-cli.js';
import { makeTree, removeTrees, type Tree } from './temp-tree.js';

afterAll(removeTrees);

/** A complete account to create outside the US/CA: lines 1-3; a test's own lines start at line 4. */
const BASE = 'login_name: hanks_fresh_fruit\ncontact_email: hank@example.com\ncountry_code: GB\n';
/** An existing account: line 1; a test's own lines start at line 2. */
const EXISTING = 'encoded_account_id: a07e1m09lsz5dl\n';

/** Validates `tree` in a temporary folder (cwd = the folder) and returns its problems as `FILE:LINE:COL: message`. */
async function problemsOf(tree: Tree, options: { dir?: string } = {}): Promise<string[]> {
  const cwd = await makeTree(tree);
  const result = await runValidate({ cwd, ...options });
  return result.problems.map(formatProblem);
}

/** Problems of one account file `accounts/a.yaml`. */
function problemsOfFile(text: string | Buffer): Promise<string[]> {
  return problemsOf({ 'accounts/a.yaml': text });
}

const A = 'accounts/a.yaml';

describe('account fields', () => {
  it('accepts a complete account to create, and login names of 6 and 50 allowed characters', async () => {
    expect(await problemsOfFile(BASE)).toEqual([]);
    expect(await problemsOfFile(BASE.replace('hanks_fresh_fruit', 'a.b+c@'))).toEqual([]);
    expect(await problemsOfFile(BASE.replace('hanks_fresh_fruit', `A-${'z9'.repeat(24)}`))).toEqual([]);
  });

  it('refuses a login_name shorter than 6 characters', async () => {
    expect(await problemsOfFile(BASE.replace('hanks_fresh_fruit', 'hanks'))).toEqual([
      `${A}:1:13: login_name must be at least 6 characters (it has 5)`,
    ]);
  });

  it('refuses a login_name longer than 50 characters', async () => {
    expect(await problemsOfFile(BASE.replace('hanks_fresh_fruit', 'h'.repeat(51)))).toEqual([
      `${A}:1:13: login_name must be at most 50 characters (it has 51)`,
    ]);
  });

  it.each([['"hanks fresh"'], ['hänks_fresh'], ['hanks/fresh'], ['"hanks!fresh"']])(
    'refuses login_name %s (characters outside [A-Za-z0-9._+@-])',
    async (value) => {
      expect(await problemsOfFile(BASE.replace('hanks_fresh_fruit', value))).toEqual([
        `${A}:1:13: login_name must be 6-50 characters of letters, digits and . _ + @ -`,
      ]);
    },
  );

  it('refuses a contact_email that is not an email address', async () => {
    expect(await problemsOfFile(BASE.replace('hank@example.com', 'hank-at-example.com'))).toEqual([
      `${A}:2:16: contact_email must be a valid email address (got "hank-at-example.com")`,
    ]);
  });

  it('accepts a contact_email of 80 characters and refuses one of 81', async () => {
    const email80 = `${'h'.repeat(68)}@example.com`;
    expect(email80).toHaveLength(80);
    expect(await problemsOfFile(BASE.replace('hank@example.com', email80))).toEqual([]);
    expect(await problemsOfFile(BASE.replace('hank@example.com', `h${email80}`))).toEqual([
      `${A}:2:16: contact_email must be at most 80 characters (it has 81)`,
    ]);
  });

  it('contact_phone and organization_phone take 5-25 characters', async () => {
    expect(await problemsOfFile(`${BASE}contact_phone: "12345"\norganization_phone: "${'1'.repeat(25)}"\n`)).toEqual(
      [],
    );
    expect(await problemsOfFile(`${BASE}contact_phone: "1234"\norganization_phone: "${'1'.repeat(26)}"\n`)).toEqual([
      `${A}:4:16: contact_phone must be at least 5 characters (it has 4)`,
      `${A}:5:21: organization_phone must be at most 25 characters (it has 26)`,
    ]);
  });

  it.each([
    ['gb', 'must be an upper-case ISO 3166-1 country code such as US'],
    ['"G1"', 'must be an upper-case ISO 3166-1 country code such as US'],
    ['G', 'must be at least 2 characters (it has 1)'],
    ['GBRX', 'must be at most 3 characters (it has 4)'],
  ])('refuses country_code %s', async (value, message) => {
    expect(await problemsOfFile(BASE.replace('country_code: GB', `country_code: ${value}`))).toEqual([
      `${A}:3:15: country_code ${message}`,
    ]);
  });

  it('keeps country_code: NO a string (YAML 1.2 core schema), like yes/on/off', async () => {
    const cwd = await makeTree({
      'accounts/norway.yaml': BASE.replace('country_code: GB', 'country_code: NO').replace(
        'hanks_fresh_fruit',
        'oslo_fjord_cafe',
      ),
      'accounts/yes.yaml':
        'login_name: yes_oui_si\ncontact_email: yes@example.com\n' +
        'country_code: NO\norganization_name: yes\nfirst_name: on\nlast_name: off\n',
    });
    const accounts = await readAccounts(cwd, 'accounts');
    expect(accounts.map((a) => [a.file, a.country_code, a.organization_name, a.first_name, a.last_name])).toEqual([
      ['accounts/norway.yaml', 'NO', undefined, undefined, undefined],
      ['accounts/yes.yaml', 'NO', 'yes', 'on', 'off'],
    ]);
  });

  it.each([['US'], ['CA']])('requires state_code when country_code is %s', async (country) => {
    expect(await problemsOfFile(BASE.replace('country_code: GB', `country_code: ${country}`))).toEqual([
      `${A}:3:1: state_code is required when country_code is US or CA`,
    ]);
    expect(await problemsOfFile(BASE.replace('country_code: GB', `country_code: ${country}\nstate_code: ON`))).toEqual(
      [],
    );
  });

  it('refuses state_code outside the US and Canada, and without any country_code', async () => {
    expect(await problemsOfFile(`${BASE}state_code: MA\n`)).toEqual([
      `${A}:4:1: state_code is allowed only when country_code is US or CA`,
    ]);
    expect(await problemsOfFile(`${EXISTING}state_code: MA\n`)).toEqual([
      `${A}:2:1: state_code is allowed only when country_code is US or CA`,
    ]);
  });

  it('refuses a state_code that is not two upper-case letters', async () => {
    expect(await problemsOfFile(BASE.replace('country_code: GB', 'country_code: US\nstate_code: Mass'))).toEqual([
      `${A}:4:13: state_code must be a two-letter upper-case state or province code such as MA`,
    ]);
  });

  it('organization_name takes up to 50 characters', async () => {
    expect(await problemsOfFile(`${BASE}organization_name: ${'o'.repeat(50)}\n`)).toEqual([]);
    expect(await problemsOfFile(`${BASE}organization_name: ${'o'.repeat(51)}\n`)).toEqual([
      `${A}:4:20: organization_name must be at most 50 characters (it has 51)`,
    ]);
  });

  it('first_name and last_name take 2-80 characters', async () => {
    expect(await problemsOfFile(`${BASE}first_name: Al\nlast_name: ${'l'.repeat(80)}\n`)).toEqual([]);
    expect(await problemsOfFile(`${BASE}first_name: A\nlast_name: B\n`)).toEqual([
      `${A}:4:13: first_name must be at least 2 characters (it has 1)`,
      `${A}:5:12: last_name must be at least 2 characters (it has 1)`,
    ]);
    expect(await problemsOfFile(`${BASE}first_name: ${'f'.repeat(81)}\nlast_name: ${'l'.repeat(81)}\n`)).toEqual([
      `${A}:4:13: first_name must be at most 80 characters (it has 81)`,
      `${A}:5:12: last_name must be at most 80 characters (it has 81)`,
    ]);
  });

  it('partner_account_id takes up to 80 characters', async () => {
    expect(await problemsOfFile(`${BASE}partner_account_id: ${'p'.repeat(80)}\n`)).toEqual([]);
    expect(await problemsOfFile(`${BASE}partner_account_id: ${'p'.repeat(81)}\n`)).toEqual([
      `${A}:4:21: partner_account_id must be at most 80 characters (it has 81)`,
    ]);
  });

  it('time_zone_id takes up to 64 characters', async () => {
    expect(await problemsOfFile(`${BASE}time_zone_id: ${'t'.repeat(65)}\n`)).toEqual([
      `${A}:4:15: time_zone_id must be at most 64 characters (it has 65)`,
    ]);
  });

  it.each([['https://hanks.example.com'], ['http://hanks.example.com/shop?x=1']])('accepts website %s', async (url) => {
    expect(await problemsOfFile(`${BASE}website: ${url}\n`)).toEqual([]);
  });

  it.each([
    ['ftp://hanks.example.com'],
    ['www.hanks.example.com'],
    ['"https://hanks example.com"'],
    ['HTTPS://hanks.example.com'],
  ])('refuses website %s', async (url) => {
    expect(await problemsOfFile(`${BASE}website: ${url}\n`)).toEqual([
      `${A}:4:10: website must be a URL starting with http:// or https://`,
    ]);
  });

  it('billing_locale is en_US or en_GB', async () => {
    expect(await problemsOfFile(`${BASE}billing_locale: en_GB\n`)).toEqual([]);
    expect(await problemsOfFile(`${BASE}billing_locale: fr_FR\n`)).toEqual([
      `${A}:4:17: billing_locale must be one of en_US, en_GB (got "fr_FR")`,
    ]);
  });

  it(
    'managed_site_owner, enable_single_billing, gdpr_opt_out ' +
      'and protect must be booleans (yes is a string in YAML 1.2)',
    async () => {
      expect(
        await problemsOfFile(
          `${BASE}managed_site_owner: true\nenable_single_billing: false\ngdpr_opt_out: true\nprotect: false\n`,
        ),
      ).toEqual([]);
      expect(
        await problemsOfFile(
          `${BASE}managed_site_owner: "true"\nenable_single_billing: 1\ngdpr_opt_out: yes\nprotect: on\n`,
        ),
      ).toEqual([
        `${A}:4:21: managed_site_owner must be a boolean`,
        `${A}:5:24: enable_single_billing must be a boolean`,
        `${A}:6:15: gdpr_opt_out must be a boolean`,
        `${A}:7:10: protect must be a boolean`,
      ]);
    },
  );

  it('external_id takes up to 255 characters and external_provider up to 80', async () => {
    expect(
      await problemsOfFile(`${BASE}external_id: ${'e'.repeat(255)}\nexternal_provider: ${'p'.repeat(80)}\n`),
    ).toEqual([]);
    expect(
      await problemsOfFile(`${BASE}external_id: ${'e'.repeat(256)}\nexternal_provider: ${'p'.repeat(81)}\n`),
    ).toEqual([
      `${A}:4:14: external_id must be at most 255 characters (it has 256)`,
      `${A}:5:20: external_provider must be at most 80 characters (it has 81)`,
    ]);
  });

  it('refuses an encoded_account_id that is not letters and digits', async () => {
    expect(await problemsOfFile('encoded_account_id: a07e-1m09\n')).toEqual([
      `${A}:1:21: encoded_account_id must be letters and digits, as CTCT assigns it`,
    ]);
  });

  it('refuses numbers and nulls where strings belong', async () => {
    expect(await problemsOfFile('login_name: 123456\ncontact_email: ~\ncountry_code:\n')).toEqual([
      `${A}:1:13: login_name must be a string`,
      `${A}:2:16: contact_email must be a string`,
      `${A}:3:14: country_code must be a string`,
    ]);
  });
});

describe('plan', () => {
  it.each([['TRIAL'], ['BRONZE'], ['SILVER'], ['GOLD'], ['GOOD'], ['BETTER'], ['BEST'], ['LITE']])(
    'accepts plan_type %s (legacy values included)',
    async (type) => {
      expect(await problemsOfFile(`${EXISTING}plan:\n  plan_type: ${type}\n`)).toEqual([]);
    },
  );

  it.each([['PLATINUM'], ['gold']])('refuses plan_type %s', async (type) => {
    expect(await problemsOfFile(`${EXISTING}plan:\n  plan_type: ${type}\n`)).toEqual([
      `${A}:3:14: plan.plan_type must be one of TRIAL, BRONZE, SILVER, GOLD, GOOD, ` +
        `BETTER, BEST, LITE (got "${type}"${type === 'gold' ? '; did you mean "GOLD"?' : ''})`,
    ]);
  });

  it('billing_day_of_month is an integer from 1 to 31', async () => {
    expect(await problemsOfFile(`${EXISTING}plan:\n  plan_type: GOLD\n  billing_day_of_month: 1\n`)).toEqual([]);
    expect(await problemsOfFile(`${EXISTING}plan:\n  plan_type: GOLD\n  billing_day_of_month: 31\n`)).toEqual([]);
    expect(await problemsOfFile(`${EXISTING}plan:\n  billing_day_of_month: 0\n`)).toEqual([
      `${A}:3:25: plan.billing_day_of_month must be at least 1 (got 0)`,
    ]);
    expect(await problemsOfFile(`${EXISTING}plan:\n  billing_day_of_month: 32\n`)).toEqual([
      `${A}:3:25: plan.billing_day_of_month must be at most 31 (got 32)`,
    ]);
    expect(await problemsOfFile(`${EXISTING}plan:\n  billing_day_of_month: 1.5\n`)).toEqual([
      `${A}:3:25: plan.billing_day_of_month must be an integer`,
    ]);
    expect(await problemsOfFile(`${EXISTING}plan:\n  billing_day_of_month: "15"\n`)).toEqual([
      `${A}:3:25: plan.billing_day_of_month must be an integer`,
    ]);
  });

  it('plan_group_id is a positive integer', async () => {
    expect(await problemsOfFile(`${EXISTING}plan:\n  plan_type: GOOD\n  plan_group_id: 12\n`)).toEqual([]);
    expect(await problemsOfFile(`${EXISTING}plan:\n  plan_group_id: 0\n`)).toEqual([
      `${A}:3:18: plan.plan_group_id must be at least 1 (got 0)`,
    ]);
    expect(await problemsOfFile(`${EXISTING}plan:\n  plan_group_id: twelve\n`)).toEqual([
      `${A}:3:18: plan.plan_group_id must be an integer`,
    ]);
  });

  it('plan must be a mapping', async () => {
    expect(await problemsOfFile(`${EXISTING}plan: GOLD\n`)).toEqual([`${A}:2:7: plan must be a mapping`]);
  });
});

describe('status and cancel', () => {
  it('status is active or cancelled', async () => {
    expect(await problemsOfFile(`${EXISTING}status: active\n`)).toEqual([]);
    expect(await problemsOfFile(`${EXISTING}status: closed\n`)).toEqual([
      `${A}:2:9: status must be one of active, cancelled (got "closed")`,
    ]);
    expect(await problemsOfFile(`${EXISTING}status: Cancelled\n`)).toEqual([
      `${A}:2:9: status must be one of active, cancelled (got "Cancelled"; did you mean "cancelled"?)`,
    ]);
  });

  it('requires cancel when status is cancelled', async () => {
    expect(await problemsOfFile(`${EXISTING}status: cancelled\n`)).toEqual([
      `${A}:2:1: cancel is required when status is cancelled`,
    ]);
    expect(await problemsOfFile(`${EXISTING}status: cancelled\ncancel:\n  reason_id: 1\n`)).toEqual([]);
  });

  it('requires cancel.reason_id, at the cancel key', async () => {
    expect(
      await problemsOfFile(`${EXISTING}status: cancelled\ncancel:\n  effective_date: "2026-12-01T00:00:00Z"\n`),
    ).toEqual([`${A}:3:1: missing required field cancel.reason_id`]);
  });

  it.each([[1], [2], [3], [11], [12], [14], [21], [27], [30]])('accepts cancel.reason_id %i', async (reason) => {
    expect(await problemsOfFile(`${EXISTING}status: cancelled\ncancel:\n  reason_id: ${reason}\n`)).toEqual([]);
  });

  it.each([[0], [4], [13], [31]])('refuses cancel.reason_id %i', async (reason) => {
    expect(await problemsOfFile(`${EXISTING}status: cancelled\ncancel:\n  reason_id: ${reason}\n`)).toEqual([
      `${A}:4:14: cancel.reason_id must be one of 1, 2, 3, 11, 12, 14, 21, 27, 30 (got ${reason})`,
    ]);
  });

  it('cancel.effective_date is an ISO-8601 date-time; unquoted it stays a string (YAML 1.2)', async () => {
    expect(
      await problemsOfFile(
        `${EXISTING}status: cancelled\ncancel:\n  reason_id: 1\n  effective_date: 2026-12-01T00:00:00Z\n`,
      ),
    ).toEqual([]);
    expect(
      await problemsOfFile(`${EXISTING}status: cancelled\ncancel:\n  reason_id: 1\n  effective_date: 2026-12-01\n`),
    ).toEqual([
      `${A}:5:19: cancel.effective_date must be an ISO-8601 date ` +
        'and time such as 2026-12-01T00:00:00Z (got "2026-12-01")',
    ]);
    expect(
      await problemsOfFile(`${EXISTING}status: cancelled\ncancel:\n  reason_id: 1\n  effective_date: next week\n`),
    ).toEqual([
      `${A}:5:19: cancel.effective_date must be an ISO-8601 date ` +
        'and time such as 2026-12-01T00:00:00Z (got "next week")',
    ]);
  });

  it('only an existing account (with encoded_account_id) can be cancelled', async () => {
    expect(await problemsOfFile(`${BASE}status: cancelled\ncancel:\n  reason_id: 2\n`)).toEqual([
      `${A}:4:1: encoded_account_id is required when status is cancelled: only an existing account can be cancelled`,
    ]);
  });
});

describe('passwords and required fields', () => {
  it('refuses a plaintext password with a message pointing to password_env', async () => {
    expect(await problemsOfFile(`${BASE}password: hunter2hunter2\n`)).toEqual([
      `${A}:4:1: password is refused: keep passwords out of git and put ` +
        'the name of an environment variable that holds it in password_env',
    ]);
  });

  it('accepts password_env alone, and external_id with external_provider alone', async () => {
    expect(await problemsOfFile(`${BASE}password_env: HANKS_INITIAL_PASSWORD\n`)).toEqual([]);
    expect(await problemsOfFile(`${BASE}external_id: hank-8841\nexternal_provider: PayPal\n`)).toEqual([]);
  });

  it('refuses password_env together with external_id or external_provider', async () => {
    expect(
      await problemsOfFile(
        `${BASE}password_env: HANKS_INITIAL_PASSWORD\nexternal_id: hank-8841\nexternal_provider: PayPal\n`,
      ),
    ).toEqual([
      `${A}:5:1: external_id cannot be used together with password_env`,
      `${A}:6:1: external_provider cannot be used together with password_env`,
    ]);
  });

  it('refuses a password_env that is not an environment variable name', async () => {
    expect(await problemsOfFile(`${BASE}password_env: 1-PASSWORD\n`)).toEqual([
      `${A}:4:15: password_env must be the name of an environment variable, e.g. HANKS_INITIAL_PASSWORD`,
    ]);
  });

  it('requires login_name, contact_email and country_code in a file without encoded_account_id', async () => {
    expect(await problemsOfFile('organization_name: Hanks Fresh Fruit\n')).toEqual([
      `${A}:1:1: contact_email is required to create an account (a file without encoded_account_id)`,
      `${A}:1:1: country_code is required to create an account (a file without encoded_account_id)`,
      `${A}:1:1: login_name is required to create an account (a file without encoded_account_id)`,
    ]);
    expect(
      await problemsOfFile(
        '# yaml-language-server: $schema=../schema/account.schema.json\nlogin_name: hanks_fresh_fruit\n',
      ),
    ).toEqual([
      `${A}:2:1: contact_email is required to create an account (a file without encoded_account_id)`,
      `${A}:2:1: country_code is required to create an account (a file without encoded_account_id)`,
    ]);
  });

  it('accepts an imported file with only encoded_account_id and plan, and normalises its defaults', async () => {
    const cwd = await makeTree({ 'accounts/imported.yaml': `${EXISTING}plan:\n  plan_type: SILVER\n` });
    const accounts = await readAccounts(cwd, 'accounts');
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({
      file: 'accounts/imported.yaml',
      encoded_account_id: 'a07e1m09lsz5dl',
      plan: { plan_type: 'SILVER' },
      status: 'active',
      protect: false,
    });
    expect(accounts[0]?.login_name).toBeUndefined();
  });

  it('gives a file without a plan the TRIAL plan', async () => {
    const cwd = await makeTree({ 'accounts/new.yaml': BASE });
    const [account] = await readAccounts(cwd, 'accounts');
    expect(account?.plan).toEqual({ plan_type: 'TRIAL' });
  });

  it('readAccounts throws every problem at once as an InvalidInputError (exit 3)', async () => {
    const cwd = await makeTree({ 'accounts/a.yaml': `${BASE}bogus: 1\n`, 'accounts/b.yaml': 'login_name: abc\n' });
    const error = await readAccounts(cwd, 'accounts').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).exitCode).toBe(3);
    expect((error as InvalidInputError).problems.map(formatProblem)).toEqual([
      'accounts/a.yaml:4:1: unknown field "bogus"',
      'accounts/b.yaml:1:1: contact_email is required to create an account (a file without encoded_account_id)',
      'accounts/b.yaml:1:1: country_code is required to create an account (a file without encoded_account_id)',
      'accounts/b.yaml:1:13: login_name must be at least 6 characters (it has 3)',
    ]);
  });
});

describe('unknown keys', () => {
  it('refuses an unknown top-level key, with a "did you mean" hint for a typo', async () => {
    expect(await problemsOfFile(`${BASE}organisation_name: Hanks\n`)).toEqual([
      `${A}:4:1: unknown field "organisation_name" (did you mean "organization_name"?)`,
    ]);
    expect(await problemsOfFile(`${BASE}Login_Name: hanks\n`)).toEqual([
      `${A}:4:1: unknown field "Login_Name" (did you mean "login_name"?)`,
    ]);
  });

  it('refuses an unknown key with no close name, without a hint', async () => {
    expect(await problemsOfFile(`${BASE}favourite_colour: blue\n`)).toEqual([
      `${A}:4:1: unknown field "favourite_colour"`,
    ]);
  });

  it('refuses unknown keys inside plan and cancel, naming the mapping', async () => {
    expect(
      await problemsOfFile(
        `${EXISTING}plan:\n  plantype: GOLD\n  billing_day: 1\n` +
          'status: cancelled\ncancel:\n  reasn_id: 1\n  reason_id: 1\n',
      ),
    ).toEqual([
      `${A}:3:3: unknown field "plantype" in plan (did you mean "plan_type"?)`,
      `${A}:4:3: unknown field "billing_day" in plan`,
      `${A}:7:3: unknown field "reasn_id" in cancel (did you mean "reason_id"?)`,
    ]);
  });

  it('reports an unknown key in a flow mapping at the key', async () => {
    expect(
      await problemsOfFile(
        '{login_name: hanks_fresh_fruit, contact_email: hank@example.com, country_code: GB, bogus: 1}\n',
      ),
    ).toEqual([`${A}:1:84: unknown field "bogus"`]);
  });
});

describe('YAML', () => {
  it('reports a syntax error where the parser finds it', async () => {
    expect(await problemsOfFile(`${BASE}organization_name: "Hanks Fresh\n`)).toEqual([
      `${A}:5:1: YAML syntax error: Missing closing "quote`,
    ]);
    expect(await problemsOfFile(`${BASE}plan: {plan_type: GOLD\n`)).toEqual([
      `${A}:5:1: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }`,
    ]);
  });

  it('refuses a duplicate key in one file, at the second key', async () => {
    expect(await problemsOfFile(`${BASE}login_name: other_login\n`)).toEqual([
      `${A}:4:1: YAML syntax error: Map keys must be unique`,
    ]);
  });

  it('refuses two YAML documents in one file, at the second ---', async () => {
    expect(await problemsOfFile(`${BASE}---\n${BASE}`)).toEqual([
      `${A}:4:1: only one YAML document per file is allowed (found a second one after ---)`,
    ]);
  });

  it('accepts one document with explicit --- and ... markers', async () => {
    expect(await problemsOfFile(`---\n${BASE}...\n`)).toEqual([]);
  });

  it.each([
    ['an empty file', ''],
    ['a file of blank lines', '\n  \n\n'],
    ['a file of comments only', '# nothing here yet\n'],
  ])('refuses %s', async (_, text) => {
    expect(await problemsOfFile(text)).toEqual([`${A}:1:1: the file is empty: it must hold a YAML mapping`]);
  });

  it.each([
    ['a list', '- login_name: hanks_fresh_fruit\n- login_name: other_login\n'],
    ['a scalar', 'hanks_fresh_fruit\n'],
    ['null', '~\n'],
  ])('refuses %s instead of a mapping', async (_, text) => {
    expect(await problemsOfFile(text)).toEqual([
      `${A}:1:1: the file must hold a YAML mapping of field names to values`,
    ]);
  });

  it('refuses tabs used for indentation', async () => {
    expect(await problemsOfFile(`${EXISTING}plan:\n\tplan_type: GOLD\n`)).toEqual([
      `${A}:3:1: YAML syntax error: Tabs are not allowed as indentation`,
    ]);
  });

  it('accepts a BOM and CRLF line endings, with positions unchanged', async () => {
    const crlf = (text: string) => text.replace(/\n/g, '\r\n');
    expect(await problemsOfFile(`\uFEFF${BASE}`)).toEqual([]);
    expect(await problemsOfFile(crlf(BASE))).toEqual([]);
    expect(await problemsOfFile(`\uFEFF${crlf(BASE.replace('hanks_fresh_fruit', 'hanks'))}bogus: 1\r\n`)).toEqual([
      `${A}:1:13: login_name must be at least 6 characters (it has 5)`,
      `${A}:4:1: unknown field "bogus"`,
    ]);
  });

  it('refuses a billion-laughs alias bomb at its first alias', async () => {
    const lines = [
      BASE.trimEnd(),
      'organization_name: x',
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].entries()) {
      const previous = String.fromCharCode('a'.charCodeAt(0) + i);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    expect(await problemsOfFile(`${lines.join('\n')}\n`)).toEqual([
      `${A}:6:8: YAML refused: too many aliases (more than 50); anchors and aliases are not needed in account files`,
    ]);
  });

  it('accepts a few anchors and aliases', async () => {
    expect(
      await problemsOfFile(
        'login_name: &name hanks_fresh_fruit\ncontact_email: hank@example.com\n' +
          'country_code: GB\npartner_account_id: *name\n',
      ),
    ).toEqual([]);
  });

  it('refuses nesting deeper than 64 levels', async () => {
    const depth = 100;
    expect(await problemsOfFile(`${BASE}organization_name: ${'['.repeat(depth)}${']'.repeat(depth)}\n`)).toEqual([
      // the value of organization_name is level 1; level 65 is the 65th bracket, at column 20 + 64
      `${A}:4:84: nesting deeper than 64 levels is refused`,
    ]);
  });
});

describe('files and folders', () => {
  it('reads nested folders and .yml files, skips dot-folders, dot-files and other extensions', async () => {
    const cwd = await makeTree({
      'accounts/us/east/hanks.yaml': BASE,
      'accounts/uk/tea.yml': BASE.replace('hanks_fresh_fruit', 'thames_tea_rooms'),
      'accounts/.drafts/broken.yaml': 'login_name: [\n',
      'accounts/.hidden.yaml': 'login_name: [\n',
      'accounts/notes.txt': 'login_name: [\n',
      'accounts/README.md': '# accounts\n',
      'accounts/uk/empty-folder': null,
    });
    const result = await runValidate({ cwd });
    expect(result.problems).toEqual([]);
    expect(renderValidateResult(result, 'text')).toBe('✓ 2 account files valid\n');
    expect((await readAccounts(cwd, 'accounts')).map((a) => a.file)).toEqual([
      'accounts/uk/tea.yml',
      'accounts/us/east/hanks.yaml',
    ]);
  });

  it('refuses the same login_name in two files, case-insensitively, naming the first file position', async () => {
    expect(
      await problemsOf({
        'accounts/a.yaml': BASE,
        'accounts/nested/b.yaml': `# copy\n${BASE.replace('hanks_fresh_fruit', 'Hanks_Fresh_FRUIT')}`,
      }),
    ).toEqual([
      'accounts/nested/b.yaml:2:13: login_name "Hanks_Fresh_FRUIT" is ' +
        'already used by accounts/a.yaml:1:13; it must be unique across files',
    ]);
  });

  it('refuses the same encoded_account_id in two files', async () => {
    expect(
      await problemsOf({ 'accounts/a.yaml': EXISTING, 'accounts/b.yml': `plan:\n  plan_type: GOLD\n${EXISTING}` }),
    ).toEqual([
      'accounts/b.yml:3:21: encoded_account_id "a07e1m09lsz5dl" is ' +
        'already used by accounts/a.yaml:1:21; it must be unique across files',
    ]);
  });

  it('refuses the same partner_account_id in two files (case matters there)', async () => {
    expect(
      await problemsOf({
        'accounts/a.yaml': `${BASE}partner_account_id: p-1001\n`,
        'accounts/b.yaml': `${BASE.replace('hanks_fresh_fruit', 'other_login')}partner_account_id: p-1001\n`,
        'accounts/c.yaml': `${BASE.replace('hanks_fresh_fruit', 'third_login')}partner_account_id: P-1001\n`,
      }),
    ).toEqual([
      'accounts/b.yaml:4:21: partner_account_id "p-1001" is already ' +
        'used by accounts/a.yaml:4:21; it must be unique across files',
    ]);
  });

  it('reports a missing accounts folder', async () => {
    expect(await problemsOf({ 'README.md': 'nothing\n' })).toEqual([
      'accounts:1:1: the accounts folder does not exist (set accounts_dir in ctct-gitops.yaml or pass --dir)',
    ]);
    expect(await problemsOf({ 'accounts/a.yaml': BASE }, { dir: 'clients' })).toEqual([
      'clients:1:1: the accounts folder does not exist (set accounts_dir in ctct-gitops.yaml or pass --dir)',
    ]);
  });

  it('refuses a file over 256 KiB before parsing it', async () => {
    const text = `${BASE}# ${'x'.repeat(256 * 1024)}\n`;
    expect(await problemsOfFile(text)).toEqual([
      `${A}:1:1: file is ${Buffer.byteLength(text)} bytes; account files larger than 262144 bytes are refused`,
    ]);
  });

  it('refuses bytes that are not UTF-8, at their line and column', async () => {
    const text = Buffer.concat([
      Buffer.from(`${BASE}organization_name: Caf`),
      Buffer.from([0xe9]),
      Buffer.from(' Hank\n'),
    ]);
    expect(await problemsOfFile(text)).toEqual([`${A}:4:23: file is not valid UTF-8`]);
  });

  it('refuses a symbolic link leading outside the accounts folder, and a broken one', async () => {
    const cwd = await makeTree({ 'outside/secret.yaml': BASE, 'accounts/ok.yaml': BASE });
    await symlink(path.join(cwd, 'outside', 'secret.yaml'), path.join(cwd, 'accounts', 'linked.yaml'));
    await symlink(path.join(cwd, 'outside'), path.join(cwd, 'accounts', 'linked-folder'));
    await symlink('missing.yaml', path.join(cwd, 'accounts', 'dangling.yaml'));
    const result = await runValidate({ cwd });
    expect(result.problems.map(formatProblem)).toEqual([
      'accounts/dangling.yaml:1:1: broken symbolic link',
      'accounts/linked-folder:1:1: symbolic link leads outside the accounts folder; account files must live inside it',
      'accounts/linked.yaml:1:1: symbolic link leads outside the accounts folder; account files must live inside it',
    ]);
  });

  it('reads a symbolic link to a folder inside the accounts folder once', async () => {
    const cwd = await makeTree({ 'accounts/real/hanks.yaml': BASE });
    await symlink('real', path.join(cwd, 'accounts', 'alias'));
    const result = await runValidate({ cwd });
    expect(result.problems).toEqual([]);
    expect(result.accounts).toBe(1);
  });
});

describe('settings file ctct-gitops.yaml', () => {
  it('accepts a valid settings file and uses its accounts_dir', async () => {
    const cwd = await makeTree({
      'ctct-gitops.yaml': [
        '# settings',
        'accounts_dir: clients',
        'requests_per_second: 2.5',
        'concurrency: 8',
        'authorization_scheme: raw',
        'token_url: https://v3api-partner.auth.us-east-1.amazoncognito.com/oauth2/token',
        'token_scope: ""',
        'account_type: managed',
        'orphans: fail',
        'safety:',
        '  max_cancels: 0',
        '  max_changed_share: 0.5',
        '  min_accounts_for_share: 3',
        '',
      ].join('\n'),
      'clients/hanks.yaml': BASE,
      'accounts/ignored.yaml': 'login_name: [\n',
    });
    const result = await runValidate({ cwd });
    expect(result.problems).toEqual([]);
    expect(renderValidateResult(result, 'text')).toBe('✓ 1 account file valid\n');
  });

  it('refuses a token_url that is not a web address, at its value', async () => {
    expect(
      await problemsOf({ 'ctct-gitops.yaml': 'token_url: authz.constantcontact.com/token\n', 'accounts/a.yaml': BASE }),
    ).toEqual([expect.stringMatching(/^ctct-gitops\.yaml:1:12: token_url must match/)]);
  });

  it('accepts an empty settings file', async () => {
    expect(await problemsOf({ 'ctct-gitops.yaml': '', 'accounts/a.yaml': BASE })).toEqual([]);
  });

  it('refuses an unknown key, at top level and in safety, with hints', async () => {
    expect(
      await problemsOf({
        'ctct-gitops.yaml': 'concurency: 4\nsafety:\n  maxcancels: 3\n  limit: 1\n',
        'accounts/a.yaml': BASE,
      }),
    ).toEqual([
      'ctct-gitops.yaml:1:1: unknown field "concurency" (did you mean "concurrency"?)',
      'ctct-gitops.yaml:3:3: unknown field "maxcancels" in safety (did you mean "max_cancels"?)',
      'ctct-gitops.yaml:4:3: unknown field "limit" in safety',
    ]);
  });

  it('refuses wrong types and ranges at their values', async () => {
    expect(
      await problemsOf({
        'ctct-gitops.yaml':
          'accounts_dir: 7\nrequests_per_second: fast\nconcurrency: 0\n' +
          'orphans: delete\nsafety:\n  max_cancels: -1\n  max_changed_share: 2\n',
        'accounts/a.yaml': BASE,
      }),
    ).toEqual([
      'ctct-gitops.yaml:1:15: accounts_dir must be a string',
      'ctct-gitops.yaml:2:22: requests_per_second must be a number',
      'ctct-gitops.yaml:3:14: concurrency must be at least 1 (got 0)',
      'ctct-gitops.yaml:4:10: orphans must be one of ignore, report, fail (got "delete")',
      'ctct-gitops.yaml:6:16: safety.max_cancels must be at least 0 (got -1)',
      'ctct-gitops.yaml:7:22: safety.max_changed_share must be at most 1 (got 2)',
    ]);
  });

  it('reports settings problems together with account problems, settings file first', async () => {
    expect(
      await problemsOf({ 'ctct-gitops.yaml': 'requests_per_second: 0\n', 'accounts/a.yaml': `${BASE}bogus: 1\n` }),
    ).toEqual([
      'accounts/a.yaml:4:1: unknown field "bogus"',
      'ctct-gitops.yaml:1:22: requests_per_second must be at least 0.5 (got 0)',
    ]);
  });

  it('reports a YAML syntax error in the settings file', async () => {
    expect(await problemsOf({ 'ctct-gitops.yaml': 'accounts_dir: "accounts\n', 'accounts/a.yaml': BASE })).toEqual([
      'ctct-gitops.yaml:2:1: YAML syntax error: Missing closing "quote',
    ]);
  });

  it('reports an accounts_dir that does not exist', async () => {
    expect(await problemsOf({ 'ctct-gitops.yaml': 'accounts_dir: clients\n', 'accounts/a.yaml': BASE })).toEqual([
      'clients:1:1: the accounts folder does not exist (set accounts_dir in ctct-gitops.yaml or pass --dir)',
    ]);
  });
});

describe('the validate command (real CLI)', () => {
  beforeAll(requireBuiltCli, 120_000);

  it(
    'prints a YAML syntax error, duplicates across files (also of a ' +
      'file with other problems) and an unknown key, sorted, and exits 3',
    async () => {
      const cwd = await makeTree({
        'accounts/a-first.yaml': `${BASE}partner_account_id: p-1\n`,
        'accounts/b-copy.yaml': `${BASE.replace('hanks_fresh_fruit', 'other_login')}partner_account_id: p-1\n`,
        'accounts/c-broken.yaml': `${BASE}organization_name: 'Hanks\n`,
        'accounts/d-typo.yml': `${BASE}contact_emial: hank@example.com\n`,
      });
      const { code, stdout, stderr } = await runCli(['validate'], { cwd });
      expect({ code, stderr }).toEqual({ code: 3, stderr: '' });
      expect(stdout).toBe(
        [
          'accounts/b-copy.yaml:4:21: partner_account_id "p-1" is already ' +
            'used by accounts/a-first.yaml:4:21; it must be unique across files',
          "accounts/c-broken.yaml:5:1: YAML syntax error: Missing closing 'quote",
          'accounts/d-typo.yml:1:13: login_name "hanks_fresh_fruit" is already ' +
            'used by accounts/a-first.yaml:1:13; it must be unique across files',
          'accounts/d-typo.yml:4:1: unknown field "contact_emial" (did you mean "contact_email"?)',
          '✗ 4 problems in 3 files (4 account files read)',
          '',
        ].join('\n'),
      );
    },
  );

  it('exits 0 and prints the summary for valid files; --dir picks the folder', async () => {
    const cwd = await makeTree({ 'clients/a.yaml': BASE, 'clients/b/c.yml': EXISTING });
    expect(await runCli(['validate', '--dir', 'clients'], { cwd })).toEqual({
      code: 0,
      stdout: '✓ 2 account files valid\n',
      stderr: '',
    });
  });

  it('shows files relative to the working directory', async () => {
    const cwd = await makeTree({ 'repo/accounts/x.yaml': `${BASE}bogus: 1\n` });
    const { code, stdout } = await runCli(['validate', '--dir', 'repo/accounts'], { cwd });
    expect(code).toBe(3);
    expect(stdout.split('\n')[0]).toBe('repo/accounts/x.yaml:4:1: unknown field "bogus"');
    const inside = await runCli(['validate', '--dir', 'accounts'], { cwd: path.join(cwd, 'repo') });
    expect(inside.stdout.split('\n')[0]).toBe('accounts/x.yaml:4:1: unknown field "bogus"');
  });

  it('reports settings file problems with the settings file position, and exits 3', async () => {
    const cwd = await makeTree({
      'ctct-gitops.yaml': 'accounts_dir: accounts\nconcurrency: many\n',
      'accounts/a.yaml': BASE,
    });
    const { code, stdout, stderr } = await runCli(['validate'], { cwd });
    expect({ code, stderr }).toEqual({ code: 3, stderr: '' });
    expect(stdout).toBe(
      'ctct-gitops.yaml:2:14: concurrency must be an integer\n✗ 1 problem in 1 file (1 account file read)\n',
    );
  });
});
