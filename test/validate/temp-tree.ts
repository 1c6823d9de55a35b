import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** File path (relative, with `/`) → content; `null` makes an empty folder. */
export type Tree = Record<string, string | Buffer | null>;

const created: string[] = [];

/** Writes `tree` into a new folder under the OS temporary folder and returns its path. */
export async function makeTree(tree: Tree, prefix = 'ctct-validate-'): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), prefix));
  created.push(root);
  await writeTree(root, tree);
  return root;
}

export async function writeTree(root: string, tree: Tree): Promise<void> {
  for (const [relative, content] of Object.entries(tree)) {
    const absolute = path.join(root, ...relative.split('/'));
    if (content === null) {
      await mkdir(absolute, { recursive: true });
      continue;
    }
    await mkdir(path.dirname(absolute), { recursive: true });
    await writeFile(absolute, content);
  }
}

/** Removes every folder `makeTree` made (call from afterAll). */
export async function removeTrees(): Promise<void> {
  await Promise.all(created.splice(0).map((root) => rm(root, { recursive: true, force: true })));
}
