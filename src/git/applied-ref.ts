import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InvalidInputError } from '../errors.js';
import { checkGitRef } from './check-git-ref.js';

const run = promisify(execFile);

/** Where apply on merge records the last commit whose apply fully succeeded (the action pushes it). */
export const DEFAULT_APPLIED_REF = 'refs/ctct-gitops/applied';

/** What the applied ref says before a run. */
export interface AppliedBase {
  ref: string;
  /** The commit checked out now; recorded in the ref when this run fully succeeds. */
  head: string;
  /** The ref's commit, or null when the ref is absent. */
  recorded: string | null;
  /** The commit to plan changed files from; null means plan every account. */
  since: string | null;
  /** Why every account is planned, when `since` is null. */
  reason?: string;
}

/**
 * Reads the applied ref. Files changed since it are planned; without it, or when it is not an
 * ancestor of HEAD (history rewritten), every account is planned: more reads, never a lost change.
 */
export async function readAppliedBase(cwd: string, ref: string): Promise<AppliedBase> {
  checkGitRef(ref, '--applied-ref');
  const git = gitIn(cwd);
  let head: string;
  try {
    head = (await git('rev-parse', '--verify', 'HEAD^{commit}')).trim();
  } catch (error) {
    throw new InvalidInputError(
      [],
      `--applied-ref ${ref}: ${cwd} is not a git checkout with a commit (${firstLine(error)})`,
    );
  }
  const recorded =
    (await git('rev-parse', '-q', '--verify', '--end-of-options', `${ref}^{commit}`).catch(() => '')).trim() || null;
  if (recorded === null)
    return { ref, head, recorded, since: null, reason: `${ref} records no fully applied commit yet` };
  const ancestor = await git('merge-base', '--is-ancestor', recorded, head).then(
    () => true,
    () => false,
  );
  if (!ancestor)
    return { ref, head, recorded, since: null, reason: `${ref} (${recorded.slice(0, 12)}) is not an ancestor of HEAD` };
  return { ref, head, recorded, since: recorded };
}

/** Records `base.head` in the ref, only if nobody moved it since it was read. */
export async function writeAppliedRef(cwd: string, base: AppliedBase): Promise<void> {
  await gitIn(cwd)(
    'update-ref',
    '-m',
    'ctct-gitops: apply fully succeeded',
    '--',
    checkGitRef(base.ref, '--applied-ref'),
    base.head,
    base.recorded ?? '',
  );
}

function gitIn(cwd: string) {
  return async (...args: string[]) => (await run('git', args, { cwd })).stdout;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? (error as { stderr?: string }).stderr || error.message : String(error);
  return text.trim().split('\n')[0] ?? '';
}
