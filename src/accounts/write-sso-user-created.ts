import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isPair, isScalar, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { OperationalError } from '../errors.js';
import { writeFileAtomic } from './write-file-atomic.js';

/**
 * Records in an account file that CTCT accepted an SSO user: `created_at` as the last line of that
 * user's entry in `sso_users`, so the user is never sent again. Like the id write-back, the line
 * is spliced into the text (comments, order and formatting elsewhere stay byte for byte), the
 * result parsed again to check it, and written atomically. Returns false when the user already
 * has a `created_at`.
 */
export async function writeSsoUserCreated(
  cwd: string,
  file: string,
  loginName: string,
  createdAt: string,
): Promise<boolean> {
  const absolute = path.resolve(cwd, file);
  const updated = computeTextWithSsoUserCreated(file, await readFile(absolute, 'utf8'), loginName, createdAt);
  if (updated === null) return false;
  await writeFileAtomic(absolute, updated);
  return true;
}

/** The file's text with `created_at` on the SSO user `loginName`, or null when it has one. Pure. */
export function computeTextWithSsoUserCreated(
  file: string,
  text: string,
  loginName: string,
  createdAt: string,
): string | null {
  const doc = parseDocument(text, { schema: 'core' });
  const users = isMap(doc.contents) ? doc.contents.get('sso_users', true) : undefined;
  const index = isSeq(users)
    ? users.items.findIndex(
        (item) => isMap(item) && String(item.get('login_name')).toLowerCase() === loginName.toLowerCase(),
      )
    : -1;
  if (!isSeq(users) || index === -1) {
    throw new OperationalError(
      `${file}: cannot record that SSO user ${loginName} was created: the file no ` +
        `longer lists it in sso_users; add it back with created_at: "${createdAt}"`,
    );
  }
  const user = users.items[index] as YAMLMap;
  if (user.has('created_at')) return null;
  const value = JSON.stringify(createdAt);
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  const first = user.items[0];
  const last = user.items[user.items.length - 1];
  let updated: string;
  if (user.flow && user.range) {
    const close = text.lastIndexOf('}', user.range[1]);
    updated = `${text.slice(0, close).trimEnd()}, created_at: ${value} ${text.slice(close)}`;
  } else if (isPair(first) && isScalar(first.key) && first.key.range && isPair(last)) {
    const keyStart = first.key.range[0];
    const indent = ' '.repeat(keyStart - (text.lastIndexOf('\n', keyStart - 1) + 1));
    const lastEnd = (last.value as { range?: [number, number, number] } | null)?.range?.[1] ?? keyStart;
    const lineEnd = text.indexOf('\n', lastEnd);
    const insertAt = lineEnd === -1 ? text.length : lineEnd + 1;
    const line = `${lineEnd === -1 ? newline : ''}${indent}created_at: ${value}${newline}`;
    updated = `${text.slice(0, insertAt)}${line}${text.slice(insertAt)}`;
  } else {
    doc.setIn(['sso_users', index, 'created_at'], createdAt);
    updated = doc.toString();
  }
  const check = parseDocument(updated, { schema: 'core' });
  if (check.errors.length > 0 || check.getIn(['sso_users', index, 'created_at']) !== createdAt) {
    throw new OperationalError(
      `${file}: could not record created_at for SSO user ${loginName} ` +
        `safely; add created_at: ${value} to its entry by hand`,
    );
  }
  return updated;
}
