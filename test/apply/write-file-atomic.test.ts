import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from '../../src/accounts/write-file-atomic.js';
import { makeTempDir } from './apply-harness.js';

describe('writeFileAtomic', () => {
  it('replaces a file whole and leaves no temporary file beside it', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'state.json');
    await writeFile(file, 'old');
    await writeFileAtomic(file, 'new');
    writeFileAtomicSync(path.join(dir, 'sync.json'), 'synced');
    expect(await readFile(file, 'utf8')).toBe('new');
    expect(await readFile(path.join(dir, 'sync.json'), 'utf8')).toBe('synced');
    expect((await readdir(dir)).sort()).toEqual(['state.json', 'sync.json']);
  });

  it('without overwrite, creates a new file but refuses (EEXIST) to replace one, which keeps its text', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'account.yaml');
    await writeFileAtomic(file, 'first', { overwrite: false });
    await expect(writeFileAtomic(file, 'second', { overwrite: false })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(file, 'utf8')).toBe('first');
    expect(await readdir(dir)).toEqual(['account.yaml']);
  });
});
