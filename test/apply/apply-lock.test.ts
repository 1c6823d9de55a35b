import { spawnSync } from 'node:child_process';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireApplyLock } from '../../src/apply/apply-lock.js';
import { OperationalError } from '../../src/errors.js';
import { exists, makeTempDir } from './apply-harness.js';

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(child.stdout);
  expect(Number.isInteger(pid) && pid > 0).toBe(true);
  return pid;
}

describe('apply lock', () => {
  it('refuses a second acquire while the first is held, and allows it after release', async () => {
    const dir = await makeTempDir();
    const first = await acquireApplyLock(dir);
    const file = path.join(dir, 'apply.lock');
    const content = JSON.parse(await readFile(file, 'utf8')) as { pid: number; hostname: string; started_at: string };
    expect(content).toMatchObject({ pid: process.pid, hostname: hostname() });

    const second = acquireApplyLock(dir);
    await expect(second).rejects.toBeInstanceOf(OperationalError);
    await expect(acquireApplyLock(dir)).rejects.toThrow(
      new RegExp(`another apply is running \\(pid ${process.pid} on `),
    );
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(content);

    await first.release();
    expect(exists(file)).toBe(false);
    const third = await acquireApplyLock(dir);
    expect(exists(file)).toBe(true);
    await third.release();
  });

  it('takes over a stale lock whose process is gone', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'apply.lock');
    const pid = deadPid();
    await writeFile(file, `${JSON.stringify({ pid, hostname: hostname(), started_at: new Date().toISOString() })}\n`);
    const lock = await acquireApplyLock(dir);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid, hostname: hostname() });
    await lock.release();
    expect(exists(file)).toBe(false);
  });

  it('refuses a lock from another host until it is old, then takes it over', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'apply.lock');
    const foreign = { pid: 1, hostname: `not-${hostname()}`, started_at: new Date(Date.now() - 60_000).toISOString() };
    await writeFile(file, JSON.stringify(foreign));
    await expect(acquireApplyLock(dir)).rejects.toThrow(/another apply is running \(pid 1 on not-/);

    await writeFile(
      file,
      JSON.stringify({ ...foreign, started_at: new Date(Date.now() - 7 * 60 * 60 * 1000).toISOString() }),
    );
    const lock = await acquireApplyLock(dir);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it('treats an unreadable lock as one being written while it is fresh, and as stale once old', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'apply.lock');
    await writeFile(file, '');
    await expect(acquireApplyLock(dir)).rejects.toThrow(/another apply is starting/);

    const old = new Date(Date.now() - 60_000);
    await utimes(file, old, old);
    const lock = await acquireApplyLock(dir);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });
});
