/**
 * Valid trees (test/fixtures/valid/): each folder is a small repository whose account files are
 * valid in an unusual but legitimate way (CRLF, BOM, nesting, every optional field, settings).
 * `validate` must exit 0 and print the summary in the case's expected.txt.
 */
import { cp, readFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAccounts } from '../../src/accounts/read-accounts.js';
import { runCli } from '../helpers/run-cli.js';
import { requireBuiltCli } from './build-cli.js';
import { makeTree, removeTrees } from './temp-tree.js';

const CORPUS = fileURLToPath(new URL('../fixtures/valid/', import.meta.url));
const CASES = readdirSync(CORPUS)
  .filter((name) => /^\d\d-[a-z0-9-]+$/.test(name))
  .sort();

beforeAll(requireBuiltCli);
afterAll(removeTrees);

async function copyCase(name: string): Promise<string> {
  const root = await makeTree({}, `ctct-valid-${name}-`);
  await cp(path.join(CORPUS, name), root, { recursive: true });
  return root;
}

describe.concurrent('valid trees: validate exits 0', () => {
  it('holds the CRLF and BOM files as committed (no checkout normalised them)', async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(5);
    expect(await readFile(path.join(CORPUS, '01-crlf-line-endings', 'accounts', 'hanks.yaml'), 'utf8')).toMatch(
      /^login_name: hanks_fresh_fruit\r$/m,
    );
    const bom = await readFile(path.join(CORPUS, '02-byte-order-mark', 'accounts', 'bom-crlf.yaml'));
    expect([...bom.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bom.toString('utf8')).toContain('\r\n');
  });

  it.for(CASES)('%s', async (name, { expect }) => {
    const cwd = await copyCase(name);
    const expected = await readFile(path.join(CORPUS, name, 'expected.txt'), 'utf8');
    expect(expected).toMatch(/^✓ \d+ account files? valid\n$/);
    expect(await runCli(['validate'], { cwd })).toEqual({ code: 0, stdout: expected, stderr: '' });
  });
});

describe('valid trees: the normalised model', () => {
  it('reads CRLF and BOM files without stray \\r or BOM in values', async () => {
    const crlf = await readAccounts(await copyCase('01-crlf-line-endings'), 'accounts');
    expect(crlf.map((a) => [a.file, a.login_name ?? a.encoded_account_id, a.plan, a.status, a.cancel])).toEqual([
      [
        'accounts/cancelled.yaml',
        'a07e1crlf0001',
        { plan_type: 'TRIAL' },
        'cancelled',
        { reason_id: 12, effective_date: '2026-12-01T00:00:00Z' },
      ],
      ['accounts/hanks.yaml', 'hanks_fresh_fruit', { plan_type: 'GOLD', billing_day_of_month: 1 }, 'active', undefined],
    ]);
    const bom = await readAccounts(await copyCase('02-byte-order-mark'), 'accounts');
    expect(bom.map((a) => [a.login_name, a.country_code, a.state_code])).toEqual([
      ['maple-leaf-yoga', 'CA', 'ON'],
      ['thames_tea_rooms', 'GB', undefined],
    ]);
  });

  it('keeps every optional field, typed as the file gives it', async () => {
    const accounts = await readAccounts(await copyCase('04-all-optional-fields'), 'accounts');
    const everything = accounts.find((a) => a.file === 'accounts/everything.yaml');
    expect(everything).toMatchObject({
      login_name: 'every.field+test@example',
      contact_phone: '+1 401-333-1000',
      website: 'https://everyfield.example.com/about?ref=partner',
      managed_site_owner: true,
      enable_single_billing: true,
      gdpr_opt_out: false,
      password_env: 'EVERY_FIELD_INITIAL_PASSWORD',
      plan: { plan_type: 'GOLD', billing_day_of_month: 31, plan_group_id: 12 },
      status: 'active',
      protect: true,
    });
    expect(accounts.find((a) => a.file === 'accounts/leaving.yaml')?.cancel).toEqual({
      reason_id: 30,
      effective_date: '2026-12-01T00:00:00Z',
    });
    const sso = accounts.find((a) => a.file === 'accounts/sso.yaml');
    expect(sso?.sso_users?.map((user) => [user.login_name, user.role_name, user.external_id])).toEqual([
      ['josie.lang', 'campaign_creator', '23378234122161121'],
      ['sam.ortiz', 'account_manager', '77'],
    ]);
    expect(sso?.positions['sso_users.1.login_name']).toEqual({ line: 20, col: 19 });
  });

  it('reads Norway as the string "NO" in a nested folder', async () => {
    const accounts = await readAccounts(await copyCase('03-nested-folders'), 'accounts');
    expect(accounts.map((a) => [a.file, a.country_code ?? null])).toEqual([
      ['accounts/imported.yaml', null],
      ['accounts/international/norway.yaml', 'NO'],
      ['accounts/us/east/hanks.yaml', 'US'],
      ['accounts/us/west/surf.yml', 'US'],
    ]);
  });
});
