import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Problem } from '../errors.js';

/** Account files larger than this are refused before parsing. */
export const MAX_ACCOUNT_FILE_BYTES = 256 * 1024;

/** The text of one account file; `file` is relative to the working directory, with `/`. */
export interface SourceFile {
  file: string;
  text: string;
}

/**
 * Reads every `*.yaml`/`*.yml` below the accounts folder (nested folders allowed, dot-folders
 * skipped), sorted by path. Refuses files that are too large, not UTF-8, or reached through a
 * link that leaves the folder.
 */
export async function readAccountFiles(cwd: string, accountsDir: string): Promise<{ files: SourceFile[]; problems: Problem[]; found: number }> {
  const root = path.resolve(cwd, accountsDir);
  const display = (absolute: string) => toPosix(path.relative(cwd, absolute) || '.');
  const rootStat = await stat(root).catch(() => null);
  if (!rootStat?.isDirectory()) {
    return { files: [], found: 0, problems: [{ file: display(root), line: 1, col: 1, message: `the accounts folder does not exist (set accounts_dir in ctct-gitops.yaml or pass --dir)` }] };
  }
  const realRoot = await realpath(root);
  const files: SourceFile[] = [];
  const problems: Problem[] = [];
  // Each real file is read once, under its first name: a link to a file in the tree is not a second account.
  const read = new Set<string>();
  let found = 0;
  // Links to folders are not followed, so a plain file's real path is the real root joined with its path.
  const visit = async (dir: string, realDir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const absolute = path.join(dir, entry.name);
      let real = path.join(realDir, entry.name);
      const file = display(absolute);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await realpath(absolute).catch(() => null);
        if (target === null) {
          if (isAccountFileName(entry.name)) problems.push({ file, line: 1, col: 1, message: 'broken symbolic link' });
          continue;
        }
        if (target !== realRoot && !target.startsWith(realRoot + path.sep)) {
          found++;
          problems.push({ file, line: 1, col: 1, message: 'symbolic link leads outside the accounts folder; account files must live inside it' });
          continue;
        }
        real = target;
        const targetStat = await stat(target);
        isDir = targetStat.isDirectory();
        isFile = targetStat.isFile();
        if (isDir) continue; // a link to a folder inside the tree is read there, not twice
      }
      if (isDir) await visit(absolute, real);
      else if (isFile && isAccountFileName(entry.name)) {
        if (read.has(real)) continue;
        read.add(real);
        found++;
        const { size } = await stat(absolute);
        if (size > MAX_ACCOUNT_FILE_BYTES) {
          problems.push({ file, line: 1, col: 1, message: `file is ${size} bytes; account files larger than ${MAX_ACCOUNT_FILE_BYTES} bytes are refused` });
          continue;
        }
        const decoded = decodeUtf8(await readFile(absolute));
        if (typeof decoded === 'string') files.push({ file, text: decoded });
        else problems.push({ file, line: decoded.line, col: decoded.col, message: 'file is not valid UTF-8' });
      }
    }
  };
  await visit(root, realRoot);
  return { files, problems, found };
}

function isAccountFileName(name: string): boolean {
  return name.endsWith('.yaml') || name.endsWith('.yml');
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The text, or the line and column of the first byte that is not UTF-8. */
function decodeUtf8(bytes: Buffer): string | { line: number; col: number } {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        try {
          strictDecoder.decode(bytes.subarray(start, i));
        } catch {
          const col = new TextDecoder('utf-8').decode(bytes.subarray(start, i)).indexOf('\uFFFD') + 1;
          return { line, col };
        }
        line++;
        start = i + 1;
      }
    }
    return { line: 1, col: 1 };
  }
}
