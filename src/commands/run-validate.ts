import { readAccountFiles } from '../accounts/read-account-files.js';
import { validateAccounts } from '../accounts/validate-accounts.js';
import { compareProblems, formatProblem, InvalidInputError, type Problem } from '../errors.js';
import { readSettings } from '../settings/read-settings.js';
import { workflowCommand } from '../github/workflow-command.js';
import { escapeControl } from '../render/escape-control.js';

export interface ValidateResult {
  files: number;
  accounts: number;
  problems: Problem[];
}

/** Checks the settings and every account file; touches no API. */
export async function runValidate(options: {
  cwd: string;
  dir?: string;
  config?: string;
  allowOutsideRepo?: boolean;
}): Promise<ValidateResult> {
  let settingsProblems: Problem[] = [];
  let accountsDir = options.dir;
  try {
    const settings = await readSettings(options.cwd, options.config);
    accountsDir ??= settings.accounts_dir;
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    settingsProblems = error.problems;
  }
  const {
    files,
    problems: readProblems,
    found,
  } = await readAccountFiles(options.cwd, accountsDir ?? 'accounts', {
    allowOutsideRepo: options.allowOutsideRepo ?? false,
  });
  const { accounts, problems } = validateAccounts(files);
  return {
    files: found,
    accounts: accounts.length,
    problems: [...settingsProblems, ...readProblems, ...problems].sort(compareProblems),
  };
}

export type ValidateFormat = 'text' | 'json' | 'github';

/** Pure renderers of a validation result. */
export function renderValidateResult(result: ValidateResult, format: ValidateFormat): string {
  if (format === 'json')
    return (
      JSON.stringify({ valid: result.problems.length === 0, files: result.files, problems: result.problems }, null, 2) +
      '\n'
    );
  if (format === 'github') {
    const annotations = result.problems.map((p) =>
      workflowCommand('error', { file: p.file, line: p.line, col: p.col, title: 'ctct-gitops validate' }, p.message),
    );
    return `${annotations.join('')}${summaryOf(result)}\n`;
  }
  const lines = result.problems.map((problem) => `${escapeControl(formatProblem(problem))}\n`);
  return `${lines.join('')}${summaryOf(result)}\n`;
}

function summaryOf(result: ValidateResult): string {
  const files = `${result.files} account file${result.files === 1 ? '' : 's'}`;
  if (result.problems.length === 0) return `✓ ${files} valid`;
  const bad = new Set(result.problems.map((problem) => problem.file)).size;
  return (
    `✗ ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} ` +
    `in ${bad} file${bad === 1 ? '' : 's'} (${files} read)`
  );
}
