import { hostname } from 'node:os';
import { open, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { OperationalError } from '../errors.js';

export const LOCK_FILE = 'apply.lock';
/** A lock from another machine older than this is taken as left by a dead run. */
const FOREIGN_LOCK_STALE_MS = 6 * 60 * 60 * 1000;

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
  const mine: LockContent = { pid: process.pid, hostname: hostname(), started_at: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(JSON.stringify(mine) + '\n');
        await handle.sync();
      } finally {
        await handle.close();
      }
      return { release: () => rm(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readLock(file);
    if (holder === null && (await isFresh(file))) {
      throw new OperationalError(`another apply is starting (${path.join(path.basename(stateDir), LOCK_FILE)} was just created); try again in a moment`);
    }
    if (holder !== null && !isStale(holder)) {
      throw new OperationalError(`another apply is running (pid ${holder.pid} on ${holder.hostname}, since ${holder.started_at}); it holds ${path.join(path.basename(stateDir), LOCK_FILE)}. Wait for it, or remove the file if that process is gone.`);
    }
    await removeStaleLock(file, holder);
  }
  throw new OperationalError(`could not take ${file}`);
}

/**
 * Removes a stale lock, but only the one judged stale: under a short-lived takeover lock, so two
 * processes that both saw it stale never delete the fresh lock one of them just took.
 */
async function removeStaleLock(file: string, stale: LockContent | null): Promise<void> {
  const takeover = `${file}.takeover`;
  let handle;
  try {
    handle = await open(takeover, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const info = await stat(takeover).catch(() => null);
    if (info !== null && Date.now() - info.mtimeMs > 30_000) await rm(takeover, { force: true });
    return;
  }
  try {
    const current = await readLock(file);
    const same = current === null ? stale === null : stale !== null && current.pid === stale.pid && current.hostname === stale.hostname && current.started_at === stale.started_at;
    if (same) await rm(file, { force: true });
  } finally {
    await handle.close();
    await rm(takeover, { force: true });
  }
}

/** A lock file written in the last seconds may still be being written by its owner. */
async function isFresh(file: string): Promise<boolean> {
  const info = await stat(file).catch(() => null);
  return info !== null && Date.now() - info.mtimeMs < 10_000;
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
