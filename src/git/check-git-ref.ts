import { InvalidInputError } from '../errors.js';
import { escapeControl } from '../render/escape-control.js';

/**
 * Refuses a revision that git could take for an option (a leading `-`, as in `--fork-point` or
 * `--output=FILE`) or that holds whitespace or control characters, which no ref name may hold
 * (git-check-ref-format(1)). Callers also pass `--end-of-options` where git accepts it.
 */
export function checkGitRef(ref: string, flag: string): string {
  if (ref === '' || ref.startsWith('-') || /[\s\u0000-\u001f\u007f]/.test(ref) || ref.length > 1024) {
    throw new InvalidInputError(
      [],
      `${flag} ${JSON.stringify(escapeControl(ref))} is not a git revision: a ` +
        'ref may not be empty, start with "-", or hold spaces or control characters',
    );
  }
  return ref;
}
