import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { computeTextWithAccountId, writeAccountId } from '../../src/accounts/write-account-id.js';
import { OperationalError } from '../../src/errors.js';
import { makeTempDir } from './apply-harness.js';

const ID = 'a07e1abc1234';

describe('computeTextWithAccountId', () => {
  it('inserts the id on the line after login_name and leaves every other byte as it was', () => {
    const text = [
      '# yaml-language-server: $schema=../schema/account.schema.json',
      '# Hanks: a new client',
      '',
      "contact_email: 'hank.smith@example.com'   # single-quoted",
      'login_name: "hanks_fresh_fruit"',
      '',
      '# where it is',
      'country_code: US',
      'state_code:    MA',
      'organization_name: Hanks Fresh Fruit',
      'plan:',
      '  # paid from the start',
      '  plan_type: GOLD',
      '  billing_day_of_month: 1',
      '',
      '',
      '# the end',
      '',
    ].join('\n');
    const updated = computeTextWithAccountId('accounts/hanks.yaml', text, ID);
    const lines = text.split('\n');
    const expected = [...lines.slice(0, 5), `encoded_account_id: ${ID}`, ...lines.slice(5)].join('\n');
    expect(updated).toBe(expected);
  });

  it('keeps a trailing comment on the login_name line and puts the id below it', () => {
    const text =
      'login_name: hanks_fresh_fruit # the identity until an id exists\n' +
      'contact_email: h@example.com\ncountry_code: US\n';
    expect(computeTextWithAccountId('a.yaml', text, ID)).toBe(
      'login_name: hanks_fresh_fruit # the identity until an id exists\n' +
        `encoded_account_id: ${ID}\ncontact_email: h@example.com\ncountry_code: US\n`,
    );
  });

  it('writes CRLF into a CRLF file and keeps its other line ends', () => {
    const text =
      '# windows file\r\nlogin_name: hanks_fresh_fruit # comment\r\n' +
      'contact_email: h@example.com\r\n\r\nplan:\r\n  plan_type: GOLD\r\n';
    const updated = computeTextWithAccountId('a.yaml', text, ID);
    expect(updated).toBe(
      `# windows file\r\nlogin_name: hanks_fresh_fruit # comment\r\nencoded_account_id: ${ID}\r\n` +
        'contact_email: h@example.com\r\n\r\nplan:\r\n  plan_type: GOLD\r\n',
    );
    expect(updated!.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('keeps a file whose last line has no newline without one', () => {
    const text = 'login_name: hanks_fresh_fruit\ncontact_email: h@example.com\nplan:\n  plan_type: GOLD';
    expect(computeTextWithAccountId('a.yaml', text, ID)).toBe(
      `login_name: hanks_fresh_fruit\nencoded_account_id: ${ID}\n` +
        'contact_email: h@example.com\nplan:\n  plan_type: GOLD',
    );
  });

  it('appends the id after a login_name that is the last line, without a newline, and keeps the text before it', () => {
    const text = '# last line is the login\ncontact_email: h@example.com\nlogin_name: hanks_fresh_fruit';
    const updated = computeTextWithAccountId('a.yaml', text, ID)!;
    expect(updated.startsWith(text)).toBe(true);
    expect(updated.slice(text.length).trim()).toBe(`encoded_account_id: ${ID}`);
    expect(parse(updated)).toEqual({
      contact_email: 'h@example.com',
      login_name: 'hanks_fresh_fruit',
      encoded_account_id: ID,
    });
  });

  it('works after a document start marker', () => {
    const text = '---\n# c\nlogin_name: hanks_fresh_fruit\ncountry_code: US\n';
    expect(computeTextWithAccountId('a.yaml', text, ID)).toBe(
      `---\n# c\nlogin_name: hanks_fresh_fruit\nencoded_account_id: ${ID}\ncountry_code: US\n`,
    );
  });

  it('is a no-op (null) when the file already has this id', () => {
    const text = `login_name: hanks_fresh_fruit\nencoded_account_id: ${ID} # written by apply\n`;
    expect(computeTextWithAccountId('a.yaml', text, ID)).toBeNull();
  });

  it('refuses to replace a different id', () => {
    const text = 'login_name: hanks_fresh_fruit\nencoded_account_id: a07e1other999\n';
    expect(() => computeTextWithAccountId('accounts/a.yaml', text, ID)).toThrow(OperationalError);
    expect(() => computeTextWithAccountId('accounts/a.yaml', text, ID)).toThrow(
      /accounts\/a\.yaml: already names encoded_account_id a07e1other999, not a07e1abc1234/,
    );
  });

  it('refuses a file that is not a mapping', () => {
    expect(() => computeTextWithAccountId('a.yaml', '- login_name: x\n', ID)).toThrow(/no longer a YAML mapping/);
  });
});

describe('writeAccountId', () => {
  it('writes the file atomically: the id is in it and no temporary file is left', async () => {
    const dir = await makeTempDir();
    const text = '# keep me\nlogin_name: hanks_fresh_fruit   # keep me too\n\ncontact_email: "h@example.com"\n';
    await writeFile(path.join(dir, 'hanks.yaml'), text);
    expect(await writeAccountId(dir, 'hanks.yaml', ID)).toBe(true);
    expect(await readFile(path.join(dir, 'hanks.yaml'), 'utf8')).toBe(
      '# keep me\nlogin_name: hanks_fresh_fruit   # keep me too\n' +
        `encoded_account_id: ${ID}\n\ncontact_email: "h@example.com"\n`,
    );
    expect(await readdir(dir)).toEqual(['hanks.yaml']);
  });

  it('leaves a file that already has the id untouched and says so', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'hanks.yaml');
    const text = `login_name: hanks_fresh_fruit\r\nencoded_account_id: ${ID}\r\n`;
    await writeFile(file, text);
    const before = await stat(file);
    expect(await writeAccountId(dir, 'hanks.yaml', ID)).toBe(false);
    expect(await readFile(file, 'utf8')).toBe(text);
    expect((await stat(file)).ino).toBe(before.ino);
  });

  it('refuses a file that names another id and leaves it unchanged', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'hanks.yaml');
    const text = 'login_name: hanks_fresh_fruit\nencoded_account_id: a07e1other999\n';
    await writeFile(file, text);
    await expect(writeAccountId(dir, 'hanks.yaml', ID)).rejects.toThrow(
      /already names encoded_account_id a07e1other999/,
    );
    expect(await readFile(file, 'utf8')).toBe(text);
    expect(await readdir(dir)).toEqual(['hanks.yaml']);
  });
});
