import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { InvalidInputError } from '../errors.js';

const run = promisify(execFile);

/**
 * Files changed since `ref` (from the merge base of `ref` and HEAD to the working tree, untracked
 * files included), as paths relative to `cwd` with `/`. This is what a pull request changed.
 */
export async function readChangedFiles(cwd: string, ref: string): Promise<Set<string>> {
  const git = async (...args: string[]) => (await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 })).stdout;
  let base: string;
  try {
    base = (await git('merge-base', ref, 'HEAD')).trim();
  } catch (error) {
    throw new InvalidInputError([], `--changed-since ${ref}: git cannot find a common ancestor with HEAD (${firstLine(error)}); fetch the ref first (actions/checkout with fetch-depth: 0)`);
  }
  const top = (await git('rev-parse', '--show-toplevel')).trim();
  const changed = (await git('diff', '--name-only', '-z', base, '--')).split('\0');
  const untracked = (await git('ls-files', '--others', '--exclude-standard', '-z', '--full-name')).split('\0');
  const realCwd = await realpath(cwd);
  const files = new Set<string>();
  for (const file of [...changed, ...untracked]) {
    if (file === '') continue;
    files.add(path.relative(realCwd, path.join(top, file)).split(path.sep).join('/'));
  }
  return files;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? ((error as { stderr?: string }).stderr || error.message) : String(error);
  return text.trim().split('\n')[0] ?? '';
}
