import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { computeTextWithSsoUserCreated, writeSsoUserCreated } from '../../src/accounts/write-sso-user-created.js';
import { OperationalError } from '../../src/errors.js';
import { makeTempDir } from './apply-harness.js';

const AT = '2026-12-01T08:30:00.000Z';
const FILE = [
  '# Riverside: SSO for all users',
  'encoded_account_id: a07e1demo0001',
  'sso_users:',
  '  # the office manager',
  '  - login_name: josie.lang   # as the IdP knows her',
  '    first_name: Josie',
  '    last_name: Lang',
  '    contact_email: josie.lang@example.com',
  '    role_name: campaign_creator',
  '    external_id: "23378234122161121"',
  '    external_provider: Yahoo   # provider',
  '',
  '  - { login_name: sam.ortiz, first_name: Sam, last_name: Ortiz, contact_email: ' +
    'sam@example.com, role_name: account_manager, external_id: "77", external_provider: Yahoo }',
  'plan:',
  '  plan_type: BRONZE',
  '',
].join('\n');

describe('computeTextWithSsoUserCreated', () => {
  it('adds created_at as the last line of the block entry, and nothing else changes', () => {
    const updated = computeTextWithSsoUserCreated('a.yaml', FILE, 'Josie.Lang', AT)!;
    const lines = FILE.split('\n');
    expect(updated).toBe([...lines.slice(0, 11), `    created_at: "${AT}"`, ...lines.slice(11)].join('\n'));
    expect(parse(updated).sso_users[0].created_at).toBe(AT);
  });

  it('adds created_at inside a flow entry, and nothing else changes', () => {
    const updated = computeTextWithSsoUserCreated('a.yaml', FILE, 'sam.ortiz', AT)!;
    expect(updated).toBe(FILE.replace('external_provider: Yahoo }', `external_provider: Yahoo, created_at: "${AT}" }`));
    expect(parse(updated).sso_users[1]).toMatchObject({ login_name: 'sam.ortiz', created_at: AT });
  });

  it('keeps CRLF line endings and a file without a final newline', () => {
    const crlf = FILE.replace(/\n/g, '\r\n');
    expect(computeTextWithSsoUserCreated('a.yaml', crlf, 'josie.lang', AT)).toBe(
      computeTextWithSsoUserCreated('a.yaml', FILE, 'josie.lang', AT)!.replace(/\n/g, '\r\n'),
    );
    const last =
      'encoded_account_id: a07e1demo0001\nsso_users:\n  - login_name: josie.lang\n    external_provider: Yahoo';
    expect(computeTextWithSsoUserCreated('a.yaml', last, 'josie.lang', AT)).toBe(`${last}\n    created_at: "${AT}"\n`);
  });

  it('returns null for a user that has created_at, and refuses a user the file no longer lists', () => {
    const done = computeTextWithSsoUserCreated('a.yaml', FILE, 'josie.lang', AT)!;
    expect(computeTextWithSsoUserCreated('a.yaml', done, 'josie.lang', '2027-01-01T00:00:00Z')).toBeNull();
    expect(() => computeTextWithSsoUserCreated('a.yaml', FILE, 'gone.user', AT)).toThrow(OperationalError);
    expect(() =>
      computeTextWithSsoUserCreated('a.yaml', 'encoded_account_id: a07e1demo0001\n', 'josie.lang', AT),
    ).toThrow(/no longer lists it/);
  });
});

describe('writeSsoUserCreated', () => {
  it('writes the file, and reports false when there is nothing to write', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'a.yaml'), FILE);
    expect(await writeSsoUserCreated(cwd, 'a.yaml', 'josie.lang', AT)).toBe(true);
    expect(await writeSsoUserCreated(cwd, 'a.yaml', 'josie.lang', AT)).toBe(false);
    expect(parse(await readFile(path.join(cwd, 'a.yaml'), 'utf8')).sso_users[0].created_at).toBe(AT);
  });
});
