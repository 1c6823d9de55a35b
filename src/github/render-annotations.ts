import type { ApplyReport } from '../apply/apply-plan.js';
import { workflowCommand } from './workflow-command.js';

/**
 * GitHub workflow commands (`::error file=F::message`) for each failed change of an apply run, so
 * failures show on the commit next to the account file.
 * https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions#setting-an-error-message
 */
export function renderReportAnnotations(report: ApplyReport): string {
  return report.outcomes
    .filter((outcome) => outcome.status === 'failed')
    .map((outcome) => {
      const who = outcome.login_name ?? outcome.encoded_account_id ?? 'an account';
      const message = `${outcome.action} ${who} failed${outcome.error ? `: ${outcome.error}` : ''}`;
      return workflowCommand('error', { file: outcome.file ?? undefined, title: 'ctct-gitops apply' }, message);
    })
    .join('');
}
