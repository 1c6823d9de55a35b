import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isPair, isScalar, parseDocument } from 'yaml';
import { OperationalError } from '../errors.js';
import { writeFileAtomic } from './write-file-atomic.js';

/**
 * Records in an account file that its cancellation was requested: `requested_at` as the last line
 * of its `cancel:` block, so the plan waits for the effective date instead of cancelling again.
 * Like the id write-back, the line is spliced into the text and the result parsed again.
 */
export async function writeCancelRequested(cwd: string, file: string, requestedAt: string): Promise<void> {
  const absolute = path.resolve(cwd, file);
  await writeFileAtomic(absolute, computeTextWithCancelRequested(file, await readFile(absolute, 'utf8'), requestedAt));
}

/** The file's text with `cancel.requested_at` set. Pure. */
export function computeTextWithCancelRequested(file: string, text: string, requestedAt: string): string {
  const doc = parseDocument(text, { schema: 'core' });
  const cancel = isMap(doc.contents) ? doc.contents.get('cancel', true) : undefined;
  if (!isMap(cancel))
    throw new OperationalError(`${file}: cannot record the cancellation request: the file has no cancel: block`);
  const value = JSON.stringify(requestedAt);
  const existing = cancel.items.find((pair) => isPair(pair) && isScalar(pair.key) && pair.key.value === 'requested_at');
  const first = cancel.items[0];
  const last = cancel.items[cancel.items.length - 1];
  let updated: string;
  if (
    !cancel.flow &&
    existing === undefined &&
    isPair(first) &&
    isScalar(first.key) &&
    first.key.range &&
    isPair(last)
  ) {
    const keyStart = first.key.range[0];
    const indent = ' '.repeat(keyStart - (text.lastIndexOf('\n', keyStart - 1) + 1));
    const lastEnd = (last.value as { range?: [number, number, number] } | null)?.range?.[1] ?? keyStart;
    const lineEnd = text.indexOf('\n', lastEnd);
    const newline = text.includes('\r\n') ? '\r\n' : '\n';
    const insertAt = lineEnd === -1 ? text.length : lineEnd + 1;
    const line = `${lineEnd === -1 ? newline : ''}${indent}requested_at: ${value}${newline}`;
    updated = `${text.slice(0, insertAt)}${line}${text.slice(insertAt)}`;
  } else {
    doc.setIn(['cancel', 'requested_at'], requestedAt);
    updated = doc.toString();
  }
  const check = parseDocument(updated, { schema: 'core' });
  if (check.errors.length > 0 || check.getIn(['cancel', 'requested_at']) !== requestedAt) {
    throw new OperationalError(
      `${file}: could not record cancel.requested_at safely; add requested_at: ${value} to its cancel: block by hand`,
    );
  }
  return updated;
}
