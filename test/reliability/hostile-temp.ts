import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const temps: string[] = [];

/** A temporary folder, removed by {@link removeTempDirs}. */
export async function makeTempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ctct-hostile-'));
  temps.push(dir);
  return dir;
}

/** A temporary repository: `.git` (so it is the repository root), `accounts/` and any `extra` folders. */
export async function makeTempRepo(...extra: string[]): Promise<string> {
  const dir = await makeTempDir();
  for (const folder of ['.git', 'accounts', ...extra]) await mkdir(path.join(dir, folder));
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}
