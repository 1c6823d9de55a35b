import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isPair, isScalar, parseDocument } from 'yaml';
import { OperationalError } from '../errors.js';
import { writeFileAtomic } from './write-file-atomic.js';

/**
 * Writes `encoded_account_id` into an account file right after its `login_name` line. The
 * document is located with yaml's Document API and the line spliced into the text, so comments,
 * key order and formatting elsewhere stay byte for byte; the result is parsed again to check it,
 * then written atomically (temporary file, fsync, rename). Returns false when the file already
 * has this id.
 */
export async function writeAccountId(cwd: string, file: string, encodedAccountId: string): Promise<boolean> {
  const absolute = path.resolve(cwd, file);
  const text = await readFile(absolute, 'utf8');
  const updated = computeTextWithAccountId(file, text, encodedAccountId);
  if (updated === null) return false;
  await writeFileAtomic(absolute, updated);
  return true;
}

/** The file's text with the id added, or null when it already has it. Pure. */
export function computeTextWithAccountId(file: string, text: string, encodedAccountId: string): string | null {
  const doc = parseDocument(text, { schema: 'core' });
  const root = doc.contents;
  if (!isMap(root))
    throw new OperationalError(`${file}: cannot write encoded_account_id: the file is no longer a YAML mapping`);
  const existing = doc.get('encoded_account_id');
  if (existing === encodedAccountId) return null;
  if (existing !== undefined) {
    throw new OperationalError(
      `${file}: already names encoded_account_id ${String(existing)}, ` +
        `not ${encodedAccountId}; it was edited during apply`,
    );
  }
  const loginPair = root.items.find((pair) => isPair(pair) && isScalar(pair.key) && pair.key.value === 'login_name');
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  let updated: string;
  if (!root.flow && loginPair && isPair(loginPair) && isScalar(loginPair.key) && loginPair.key.range) {
    const keyStart = loginPair.key.range[0];
    const lineStart = text.lastIndexOf('\n', keyStart - 1) + 1;
    const indent = text.slice(lineStart, keyStart).replace(/\uFEFF/g, '');
    const valueEnd = (loginPair.value as { range?: [number, number, number] } | null)?.range?.[1] ?? keyStart;
    const lineEnd = text.indexOf('\n', valueEnd);
    const insertAt = lineEnd === -1 ? text.length : lineEnd + 1;
    const prefix = lineEnd === -1 ? newline : '';
    const line = `${prefix}${indent}encoded_account_id: ${encodedAccountId}${newline}`;
    updated = `${text.slice(0, insertAt)}${line}${text.slice(insertAt)}`;
  } else {
    doc.set('encoded_account_id', encodedAccountId);
    updated = doc.toString();
  }
  const check = parseDocument(updated, { schema: 'core' });
  if (check.errors.length > 0 || check.get('encoded_account_id') !== encodedAccountId) {
    throw new OperationalError(
      `${file}: could not write encoded_account_id ${encodedAccountId} safely; add it by hand`,
    );
  }
  return updated;
}
