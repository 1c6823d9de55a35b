import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { checkGitRef } from './check-git-ref.js';

const run = promisify(execFile);

/**
 * The text of each file (relative to `cwd`, with `/`) at the merge base of `ref` and HEAD, the
 * commit `--changed-since` compares with; a file that did not exist there is left out. One
 * `git cat-file --batch` for all of them.
 */
export async function readFilesAtBase(
  cwd: string,
  ref: string,
  files: readonly string[],
): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  if (files.length === 0) return texts;
  const git = async (...args: string[]) => (await run('git', args, { cwd })).stdout.trim();
  const base = await git('merge-base', '--end-of-options', checkGitRef(ref, '--changed-since'), 'HEAD');
  const prefix = await git('rev-parse', '--show-prefix');
  const output = await catFiles(
    cwd,
    files.map((file) => `${base}:${prefix}${file}`),
  );
  let offset = 0;
  for (const file of files) {
    const end = output.indexOf(0x0a, offset);
    const header = output.subarray(offset, end).toString('utf8');
    offset = end + 1;
    if (header.endsWith(' missing')) continue;
    const size = Number(header.split(' ')[2]);
    texts.set(file, output.subarray(offset, offset + size).toString('utf8'));
    offset += size + 1;
  }
  return texts;
}

function catFiles(cwd: string, objects: readonly string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`git cat-file exited ${code}: ${stderr.trim()}`)),
    );
    child.stdin.end(objects.map((object) => `${object}\n`).join(''));
  });
}
