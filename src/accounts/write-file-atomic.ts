import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { link, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** Options of {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** False: never replace an existing file; the write then rejects with `EEXIST` and leaves it as it was. */
  overwrite?: boolean;
}

/**
 * The one way `src/` writes a file whole: temporary file beside it, fsync, then rename into place (or hard link, when
 * it must not replace one), so a reader or a crash never sees half of it.
 */
export async function writeFileAtomic(
  file: string,
  text: string,
  { overwrite = true }: WriteFileAtomicOptions = {},
): Promise<void> {
  const tmp = temporaryNameFor(file);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  if (overwrite) return rename(tmp, file);
  try {
    await link(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** {@link writeFileAtomic} (which replaces) for callers that must not yield, such as the simulator's store. */
export function writeFileAtomicSync(file: string, text: string): void {
  const tmp = temporaryNameFor(file);
  const fd = openSync(tmp, 'w');
  try {
    writeFileSync(fd, text);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(tmp, file);
}

// A dot-name, so the accounts reader skips it if a crash leaves it behind; random, so concurrent writers never share
// one.
function temporaryNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
}
