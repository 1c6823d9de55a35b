import type { ApplyReport } from '../apply/apply-plan.js';

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
      const properties = outcome.file ? ` file=${escapeProperty(outcome.file)},title=${escapeProperty('ctct-gitops apply')}` : ` title=${escapeProperty('ctct-gitops apply')}`;
      return `::error${properties}::${escapeData(message)}\n`;
    })
    .join('');
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
