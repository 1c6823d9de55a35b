import { type Dirent, existsSync } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Problem } from '../errors.js';
import { escapeControl } from '../render/escape-control.js';

/** Account files larger than this are refused before parsing. */
export const MAX_ACCOUNT_FILE_BYTES = 256 * 1024;

/** Entries visited at most below the accounts folder; more means the folder is not one of account files (`--dir /`). */
const MAX_ENTRIES = 200_000;

/**
 * What each part of an account file's path may hold: letters, digits, `. _ + @ -` and inner spaces,
 * not starting with `-`. The action's shell steps, git pathspecs and workflow commands take such a
 * name as it is.
 */
const SAFE_NAME = /^[A-Za-z0-9_+@](?:[A-Za-z0-9._+@ -]*[A-Za-z0-9._+@-])?$/;

export interface ReadAccountFilesOptions {
  /** Accept an accounts folder outside the repository (`--allow-outside-repo`). */
  allowOutsideRepo?: boolean;
}

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
export async function readAccountFiles(
  cwd: string,
  accountsDir: string,
  options: ReadAccountFilesOptions = {},
): Promise<{ files: SourceFile[]; problems: Problem[]; found: number }> {
  const root = path.resolve(cwd, accountsDir);
  const display = (absolute: string) => toPosix(path.relative(cwd, absolute) || '.');
  const rootStat = await stat(root).catch(() => null);
  if (!rootStat?.isDirectory()) {
    return {
      files: [],
      found: 0,
      problems: [
        {
          file: escapeControl(display(root)),
          line: 1,
          col: 1,
          message: `the accounts folder does not exist (set accounts_dir in ctct-gitops.yaml or pass --dir)`,
        },
      ],
    };
  }
  const realRoot = await realpath(root);
  if (!options.allowOutsideRepo) {
    const repository = await realpath(readRepositoryRoot(cwd));
    if (!isInside(realRoot, repository)) {
      const message =
        `the accounts folder is outside the repository (${escapeControl(repository)}): ` +
        'account files must live in it; pass --allow-outside-repo to read them anyway';
      return { files: [], found: 0, problems: [{ file: escapeControl(display(root)), line: 1, col: 1, message }] };
    }
  }
  const files: SourceFile[] = [];
  const problems: Problem[] = [];
  const cannotRead = (absolute: string, error: unknown) =>
    problems.push({
      file: escapeControl(display(absolute)),
      line: 1,
      col: 1,
      message: `cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    });
  let entriesSeen = 0;
  // Each real file is read once, under its first name: a link to a file in the tree is not a second account.
  const read = new Set<string>();
  let found = 0;
  // Links to folders are not followed, so a plain file's real path is the real root joined with its path.
  const visit = async (dir: string, realDir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
        a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
      );
    } catch (error) {
      cannotRead(dir, error);
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      if (++entriesSeen > MAX_ENTRIES) {
        if (entriesSeen === MAX_ENTRIES + 1)
          problems.push({
            file: escapeControl(display(root)),
            line: 1,
            col: 1,
            message: `more than ${MAX_ENTRIES} entries below the accounts folder: is it the right folder?`,
          });
        return;
      }
      const absolute = path.join(dir, entry.name);
      let real = path.join(realDir, entry.name);
      const file = display(absolute);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await realpath(absolute).catch(() => null);
        if (target === null) {
          if (isAccountFileName(entry.name))
            problems.push({ file: escapeControl(file), line: 1, col: 1, message: 'broken symbolic link' });
          continue;
        }
        if (!isInside(target, realRoot)) {
          // Only a link that could hold accounts is worth a word: an account file, or a folder.
          if (
            !isAccountFileName(entry.name) &&
            !(await stat(target).then(
              (s) => s.isDirectory(),
              () => false,
            ))
          )
            continue;
          found++;
          problems.push({
            file: escapeControl(file),
            line: 1,
            col: 1,
            message: 'symbolic link leads outside the accounts folder; account files must live inside it',
          });
          continue;
        }
        real = target;
        const targetStat = await stat(target).catch((error: unknown) => error as Error);
        if (targetStat instanceof Error) {
          cannotRead(absolute, targetStat);
          continue;
        }
        isDir = targetStat.isDirectory();
        isFile = targetStat.isFile();
        if (isDir) continue; // a link to a folder inside the tree is read there, not twice
      }
      if (isDir) await visit(absolute, real);
      else if (isFile && isAccountFileName(entry.name)) {
        if (read.has(real)) continue;
        read.add(real);
        found++;
        if (!file.split('/').every((part) => part === '.' || part === '..' || SAFE_NAME.test(part))) {
          const message =
            "file name is refused: each part of an account file's path may hold only " +
            'letters, digits, . _ + @ - and spaces inside the name, and may not start with -';
          problems.push({ file: escapeControl(file), line: 1, col: 1, message });
          continue;
        }
        let bytes: Buffer;
        try {
          const { size } = await stat(absolute);
          if (size > MAX_ACCOUNT_FILE_BYTES) {
            problems.push({
              file,
              line: 1,
              col: 1,
              message: `file is ${size} bytes; account files larger than ${MAX_ACCOUNT_FILE_BYTES} bytes are refused`,
            });
            continue;
          }
          bytes = await readFile(absolute);
        } catch (error) {
          cannotRead(absolute, error);
          continue;
        }
        const decoded = decodeUtf8(bytes);
        if (typeof decoded === 'string') files.push({ file, text: decoded });
        else problems.push({ file, line: decoded.line, col: decoded.col, message: 'file is not valid UTF-8' });
      }
    }
  };
  await visit(root, realRoot);
  return { files, problems, found };
}

/** The nearest folder at or above `cwd` that holds `.git`; `cwd` itself outside any repository. */
function readRepositoryRoot(cwd: string): string {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(cwd);
  }
}

function isInside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
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
