import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { InvalidInputError } from '../errors.js';
import { checkGitRef } from './check-git-ref.js';

const run = promisify(execFile);

/** What a pull request changed: every changed path, and the files it removed with their text at the base. */
export interface ChangedFiles {
  /** Paths relative to `cwd`, with `/`; removed files included. */
  files: Set<string>;
  /** Removed files (renames count as a removal and an addition), with their text at the merge base. */
  removed: { file: string; text: string }[];
}

/**
 * Files changed since `ref` (from the merge base of `ref` and HEAD to the working tree, untracked
 * files included), as paths relative to `cwd` with `/`: what a pull request changed. Removed
 * `*.yaml`/`*.yml` files come with their text at the merge base.
 */
export async function readChangedFiles(cwd: string, ref: string): Promise<ChangedFiles> {
  const git = async (...args: string[]) => (await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 })).stdout;
  checkGitRef(ref, '--changed-since');
  let base: string;
  try {
    base = (await git('merge-base', '--end-of-options', ref, 'HEAD')).trim();
  } catch (error) {
    throw new InvalidInputError(
      [],
      `--changed-since ${ref}: git cannot find a common ancestor with HEAD ` +
        `(${firstLine(error)}); fetch the ref first (actions/checkout with fetch-depth: 0)`,
    );
  }
  const top = (await git('rev-parse', '--show-toplevel')).trim();
  // --no-renames: a moved file is its old path removed and its new path added; both matter.
  const changed = (await git('diff', '--name-only', '--no-renames', '-z', base, '--')).split('\0');
  const deleted = (await git('diff', '--name-only', '--no-renames', '--diff-filter=D', '-z', base, '--')).split('\0');
  const untracked = (await git('ls-files', '--others', '--exclude-standard', '-z', '--full-name')).split('\0');
  const realCwd = await realpath(cwd);
  const relative = (file: string) => path.relative(realCwd, path.join(top, file)).split(path.sep).join('/');
  const files = new Set<string>();
  for (const file of [...changed, ...untracked]) if (file !== '') files.add(relative(file));
  const removed: ChangedFiles['removed'] = [];
  for (const file of deleted) {
    if (!/\.ya?ml$/.test(file)) continue;
    removed.push({ file: relative(file), text: await git('show', `${base}:${file}`) });
  }
  return { files, removed };
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? (error as { stderr?: string }).stderr || error.message : String(error);
  return text.trim().split('\n')[0] ?? '';
}
