import type { ApplyReport, Outcome } from '../apply/apply-plan.js';
import { writtenFields } from '../render/render-apply.js';
import { markdownCode, markdownText } from '../render/escape-markdown.js';

const STATUS_ORDER: Record<Outcome['status'], number> = { failed: 0, applied: 1, skipped: 2 };
const STATUS_LABEL: Record<Outcome['status'], string> = {
  failed: '❌ failed',
  applied: '✅ applied',
  skipped: '⏭️ skipped',
};

/** The apply report as Markdown for the job summary: counts, failures first, then the files written back. */
export function renderApplyReport(report: ApplyReport): string {
  const { applied, failed, skipped } = report.summary;
  const lines = ['## ctct-gitops apply', ''];
  if (report.outcomes.length === 0) {
    lines.push('Nothing to apply: the live accounts already match the account files.');
  } else {
    const counts = `${applied} applied, ${failed} failed, ${skipped} skipped.`;
    lines.push(failed > 0 ? `❌ **Some changes failed**: ${counts}` : `✅ **Applied**: ${counts}`);
    lines.push('', '| Status | Action | Account | File | Error |', '| --- | --- | --- | --- | --- |');
    const sorted = report.outcomes
      .map((outcome, index) => ({ outcome, index }))
      .sort((a, b) => STATUS_ORDER[a.outcome.status] - STATUS_ORDER[b.outcome.status] || a.index - b.index);
    for (const { outcome } of sorted) {
      lines.push(
        `| ${STATUS_LABEL[outcome.status]} | ${markdownText(outcome.action)} | ${renderAccount(outcome)} ` +
          `| ${outcome.file ? code(outcome.file) : ''} | ${outcome.error ? errorCell(outcome.error) : ''} |`,
      );
    }
  }
  if (report.files_written.length > 0) {
    lines.push('', '### Written back', '', 'Apply recorded what it learned in the account files:', '');
    for (const { file, field } of writtenFields(report)) lines.push(`- ${code(file)}: \`${field}\``);
  }
  if (failed > 0) {
    lines.push(
      '',
      'Changes that failed stay in the account files; the next apply tries ' +
        'them again. The journal of this run is in `.ctct-gitops/journal.jsonl`.',
    );
  }
  lines.push('', `<sub>Plan fingerprint ${code(report.fingerprint)}</sub>`, '');
  return lines.join('\n');
}

function renderAccount(outcome: Outcome): string {
  const names = [outcome.login_name, outcome.encoded_account_id].filter((n): n is string => Boolean(n)).map(code);
  return names.length === 2 ? `${names[0]} (${names[1]})` : (names[0] ?? '');
}

/** An error over several lines stays in its table cell. */
function errorCell(error: string): string {
  return error.split(/\r?\n/).map(markdownText).join('<br>');
}

function code(text: string): string {
  return markdownCode(text, { inTable: true });
}
