import { hostname } from 'node:os';
import { type FileHandle, open, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { OperationalError } from '../errors.js';

export const LOCK_FILE = 'apply.lock';
/** A lock from another machine older than this is taken as left by a dead run. */
const FOREIGN_LOCK_STALE_MS = 6 * 60 * 60 * 1000;
/** A lock file younger than this may still be being written by its owner. */
const FRESH_MS = 10_000;

interface LockContent {
  pid: number;
  hostname: string;
  started_at: string;
}

/**
 * Takes `.ctct-gitops/apply.lock` so two applies on one repository never interleave. A lock whose
 * process is gone (same host) or that is very old (another host) is stale and taken over.
 */
export async function acquireApplyLock(stateDir: string): Promise<{ release(): Promise<void> }> {
  const file = path.join(stateDir, LOCK_FILE);
  const shown = path.join(path.basename(stateDir), LOCK_FILE);
  const mine: LockContent = { pid: process.pid, hostname: hostname(), started_at: new Date().toISOString() };
  const held = { release: () => rm(file, { force: true }) };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await createLock(file, mine)) return held;
    const holder = await readLock(file);
    const age = await ageOf(file);
    if (age === null) continue; // released in the meantime: try again
    if (holder === null && age < FRESH_MS)
      throw new OperationalError(`another apply is starting (${shown} was just created); try again in a moment`);
    if (holder !== null && !isStale(holder)) {
      throw new OperationalError(
        `another apply is running (pid ${holder.pid} on ${holder.hostname}, since ${holder.started_at}); ` +
          `it holds ${shown}. Wait for it, or remove the file if that process is gone.`,
      );
    }
    if (await takeOverStaleLock(file, holder, mine)) return held;
  }
  throw new OperationalError(`could not take ${shown}: other applies keep taking it`);
}

/** Creates the lock file with our content; false when it exists. */
async function createLock(file: string, content: LockContent): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(`${JSON.stringify(content)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * Replaces the stale lock with ours, under a short-lived takeover lock and only if the lock is
 * still the one judged stale, so two processes that both saw it stale never both end up holding it.
 */
async function takeOverStaleLock(file: string, stale: LockContent | null, mine: LockContent): Promise<boolean> {
  const takeover = `${file}.takeover`;
  let handle: FileHandle;
  try {
    handle = await open(takeover, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const age = await ageOf(takeover);
    if (age !== null && age > 30_000) await rm(takeover, { force: true });
    return false;
  }
  try {
    const current = await readLock(file);
    const same =
      current === null
        ? stale === null
        : stale !== null &&
          current.pid === stale.pid &&
          current.hostname === stale.hostname &&
          current.started_at === stale.started_at;
    if (!same || (await ageOf(file)) === null) return false;
    await rm(file, { force: true });
    return await createLock(file, mine);
  } finally {
    await handle.close();
    await rm(takeover, { force: true });
  }
}

async function ageOf(file: string): Promise<number | null> {
  const info = await stat(file).catch(() => null);
  return info === null ? null : Date.now() - info.mtimeMs;
}

async function readLock(file: string): Promise<LockContent | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockContent;
  } catch {
    return null;
  }
}

function isStale(lock: LockContent): boolean {
  if (lock.hostname !== hostname()) return Date.now() - Date.parse(lock.started_at) > FOREIGN_LOCK_STALE_MS;
  try {
    process.kill(lock.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
