/** Exit codes of the user-facing contract (README, "Exit codes"). */
export const ExitCode = {
  ok: 0,
  failure: 1,
  changes: 2,
  invalid: 3,
  refused: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A problem located in an input file; printed as `FILE:LINE:COL: message`. */
export interface Problem {
  file: string;
  line: number;
  col: number;
  message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}

export function compareProblems(a: Problem, b: Problem): number {
  return a.file < b.file
    ? -1
    : a.file > b.file
      ? 1
      : a.line - b.line || a.col - b.col || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
}

/** Base of every error the tool expects; the CLI prints its message without a stack. */
export class CtctGitopsError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Invalid account files or settings: every problem at once. */
export class InvalidInputError extends CtctGitopsError {
  readonly problems: Problem[];
  constructor(problems: Problem[], message?: string) {
    const sorted = [...problems].sort(compareProblems);
    super(message ?? sorted.map(formatProblem).join('\n'), ExitCode.invalid);
    this.problems = sorted;
  }
}

/** A safety rail said no: a limit, a protected account, a stale saved plan, a missing --yes. */
export class RefusedError extends CtctGitopsError {
  constructor(message: string) {
    super(message, ExitCode.refused);
  }
}

/** The world failed us: network, API, file system, a partly failed apply. */
export class OperationalError extends CtctGitopsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.failure, options);
  }
}

/** Something that cannot happen did: a bug in ctct-gitops. */
export class InternalError extends CtctGitopsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`internal error (this is a bug in ctct-gitops): ${message}`, ExitCode.failure, options);
  }
}
