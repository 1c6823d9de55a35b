import { formatProblem } from '../errors.js';
import type { Change, Plan } from '../model.js';
import { ACTION_LABELS, apiLine, blockedCreates, blockedLine, fieldRows, formatValue, identityOf, overBudgetRows, REFRESH_ONLY_NOTE, summaryLine } from './describe-change.js';
import { htmlCode, markdownCode, markdownText } from './escape-markdown.js';

/** The plan for a pull-request comment or a job summary: summary table first, one section per account. */
export function renderMarkdown(plan: Plan): string {
  const out: string[] = [`### ctct-gitops ${plan.refresh_only ? 'refresh-only' : 'plan'}: ${summaryLine(plan)}`, ''];
  out.push('| action | count |', '|---|---:|');
  for (const [action, count] of Object.entries(plan.summary)) {
    out.push(`| ${ACTION_LABELS[action as Change['action']].emoji} ${action} | ${count} |`);
  }
  out.push('');
  if (plan.refresh_only && plan.changes.length > 0) out.push('> [!NOTE]', `> ${REFRESH_ONLY_NOTE}`, '');

  if (plan.problems.length > 0) {
    out.push(`> [!CAUTION]`, `> **${plan.problems.length} problem${plan.problems.length === 1 ? '' : 's'}**: the files ask for what CTCT cannot do; apply is refused until they are fixed.`);
    for (const problem of plan.problems) out.push(`> - ${markdownCode(formatProblem(problem))}`);
    out.push('');
  }
  if (plan.refusals.length > 0) {
    out.push('> [!CAUTION]', '> **Refused by safety gates**; apply will not run:');
    for (const refusal of plan.refusals) out.push(`> - **${refusal.gate}**: ${markdownText(refusal.message)}${refusal.override ? ` (to pass: ${markdownText(refusal.override)})` : ''}`);
    out.push('');
  }
  if (plan.notices !== undefined) {
    out.push('> [!NOTE]', `> **${plan.notices.length} note${plan.notices.length === 1 ? '' : 's'}** on what the plan cannot check:`);
    for (const notice of plan.notices) out.push(`> - ${markdownCode(formatProblem(notice))}`);
    out.push('');
  }
  // A refresh-only plan cancels and reactivates nothing.
  const cancels = plan.refresh_only ? [] : plan.changes.filter((change) => change.action === 'cancel');
  const reactivations = plan.refresh_only ? [] : plan.changes.filter((change) => change.action === 'reactivate');
  if (cancels.length > 0) {
    out.push('> [!WARNING]', `> **This plan cancels ${cancels.length} account${cancels.length === 1 ? '' : 's'}:** ${cancels.map((change) => markdownCode(identityOf(change))).join(', ')}`, '');
  }
  if (reactivations.length > 0) {
    out.push('> [!IMPORTANT]', `> **This plan reactivates ${reactivations.length} cancelled account${reactivations.length === 1 ? '' : 's'} (billing resumes):** ${reactivations.map((change) => markdownCode(identityOf(change))).join(', ')}`, '');
  }
  const blocked = blockedCreates(plan);
  if (blocked.length > 0) {
    out.push('> [!WARNING]', `> **${blocked.length} create${blocked.length === 1 ? '' : 's'} cannot run: no initial password.** Apply skips ${blocked.length === 1 ? 'it' : 'them'} and carries out the rest; set the variable${blocked.length === 1 ? '' : 's'} (or \`CTCT_INITIAL_PASSWORDS\`) for the apply workflow:`);
    for (const change of blocked) out.push(`> - ${markdownCode(identityOf(change))}: ${markdownText(change.blocked.reason)}`);
    out.push('');
  }
  for (const refusal of plan.forced) out.push(`> Forced past **${refusal.gate}**: ${markdownText(refusal.message)}`, '');

  for (const change of plan.changes) out.push(...renderSection(change));
  if (plan.over_budget.length > 0) {
    const { rows, more } = overBudgetRows(plan, 50);
    out.push('<details>', `<summary>⏳ <b>not refreshed</b>: ${plan.over_budget.length} account${plan.over_budget.length === 1 ? '' : 's'} left for a later run (read budget)</summary>`, '');
    out.push('| account | file | last verified |', '|---|---|---|');
    for (const [id, file, verified] of rows) out.push(`| ${cell(id)} | ${cell(file)} | ${verified} |`);
    if (more > 0) out.push('', `… and ${more} more (\`plan --format json\` lists them all).`);
    out.push('', '</details>', '');
  }
  out.push(apiLine(plan), '', `<sub>fingerprint \`${plan.fingerprint}\` · format_version ${plan.format_version}</sub>`, '');
  return out.join('\n');
}

function renderSection(change: Change): string[] {
  const label = ACTION_LABELS[change.action];
  const where = change.file !== null ? ` · ${htmlCode(change.file)}` : '';
  const lines = ['<details>', `<summary>${label.emoji} <b>${label.verb}</b> ${htmlCode(identityOf(change))}${where}</summary>`, ''];
  const rows = fieldRows(change);
  if (rows.length > 0) {
    const header = change.action !== 'drift' ? '| field | before | after |' : change.sso_user !== undefined ? '| field | created | file |' : '| field | live | file |';
    lines.push(header, '|---|---|---|');
    for (const [field, before, after] of rows) lines.push(`| ${field} | ${change.action === 'drift' && before === undefined ? '(cannot be read)' : cell(before)} | ${cell(after)} |`);
    lines.push('');
  }
  if (change.action === 'create' && change.blocked !== undefined) lines.push(`⛔ ${markdownText(blockedLine(change.blocked))}`, '');
  if (change.action === 'drift') lines.push(markdownText(change.reason), '');
  if (change.action === 'orphan') lines.push('No account file names this live account. It is reported, never cancelled for that; `ctct-gitops import` adopts it.', '');
  if (change.action === 'create_sso_user') lines.push('CTCT cannot read, change or remove an SSO user once created: apply writes `created_at` into the file and never sends this user again.', '');
  lines.push('</details>', '');
  return lines;
}

function cell(value: unknown): string {
  const text = formatValue(value);
  return text === '' ? '' : markdownCode(text, { inTable: true });
}
