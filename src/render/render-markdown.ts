import { formatProblem } from '../errors.js';
import type { Change, OrphanChange, Plan } from '../model.js';
import {
  ACTION_LABELS,
  apiLine,
  blockedCreates,
  blockedLine,
  describeReason,
  fieldRows,
  formatValue,
  identityOf,
  keyDifference,
  overBudgetRows,
  REFRESH_ONLY_NOTE,
  REMOVED_FILE_NOTE,
  summaryLine,
  targetingWarning,
} from './describe-change.js';
import { escapeHtml, htmlCode, markdownCode, markdownText } from './escape-markdown.js';

/** Lines of Markdown that read as one unit (a callout, an account's `<details>`, a table): never split if it fits. */
export type MarkdownSection = string[];

/** The plan for a pull-request comment or a job summary: summary table first, one section per account. */
export function renderMarkdown(plan: Plan): string {
  return renderMarkdownSections(plan).flat().join('\n');
}

/**
 * {@link renderMarkdown} as the sections that make it up, in order, for the comment splitter to pack whole
 * (`splitComment`); their lines joined with newlines are exactly `renderMarkdown(plan)`.
 */
export function renderMarkdownSections(plan: Plan): MarkdownSection[] {
  const sections: MarkdownSection[] = [];
  let out: string[] = [`### ctct-gitops ${plan.refresh_only ? 'refresh-only' : 'plan'}: ${summaryLine(plan)}`, ''];
  /** Ends the section being written; the next lines start a new one. */
  const cut = (): void => {
    if (out.length > 0) sections.push(out);
    out = [];
  };
  out.push('| action | count |', '|---|---:|');
  for (const [action, count] of Object.entries(plan.summary)) {
    out.push(`| ${ACTION_LABELS[action as Change['action']].emoji} ${action} | ${count} |`);
  }
  out.push('');
  cut();
  const targeting = targetingWarning(plan, (target) => markdownCode(target));
  if (targeting !== null) out.push('> [!WARNING]', `> **Warning:** ${targeting}`, '');
  cut();
  if (plan.refresh_only && plan.changes.length > 0) out.push('> [!NOTE]', `> ${REFRESH_ONLY_NOTE}`, '');
  cut();

  if (plan.problems.length > 0) {
    out.push(
      `> [!CAUTION]`,
      `> **${plan.problems.length} problem${plan.problems.length === 1 ? '' : 's'}**: ` +
        `the files ask for what CTCT cannot do; apply is refused until they are fixed.`,
    );
    for (const problem of plan.problems) out.push(`> - ${markdownCode(formatProblem(problem))}`);
    out.push('');
  }
  cut();
  if (plan.refusals.length > 0) {
    out.push('> [!CAUTION]', '> **Refused by safety gates**; apply will not run:');
    for (const refusal of plan.refusals)
      out.push(
        `> - **${refusal.gate}**: ` +
          `${markdownText(refusal.message)}${refusal.override ? ` (to pass: ${markdownText(refusal.override)})` : ''}`,
      );
    out.push('');
  }
  cut();
  if (plan.notices !== undefined) {
    out.push(
      '> [!NOTE]',
      `> **${plan.notices.length} note${plan.notices.length === 1 ? '' : 's'}** on what the plan cannot check:`,
    );
    for (const notice of plan.notices) out.push(`> - ${markdownCode(formatProblem(notice))}`);
    out.push('');
  }
  cut();
  // A refresh-only plan cancels and reactivates nothing.
  const cancels = plan.refresh_only ? [] : plan.changes.filter((change) => change.action === 'cancel');
  const reactivations = plan.refresh_only ? [] : plan.changes.filter((change) => change.action === 'reactivate');
  const refused = plan.refusals.length > 0;
  const verb = (does: string, would: string) => (refused ? `would ${would}` : does);
  const unless = refused ? ' (refused: nothing will be applied)' : '';
  if (cancels.length > 0) {
    out.push(
      '> [!WARNING]',
      `> **This plan ${verb('cancels', 'cancel')} ${cancels.length} ` +
        `account${cancels.length === 1 ? '' : 's'}${unless}:** ` +
        `${cancels.map((change) => markdownCode(identityOf(change))).join(', ')}`,
      '',
    );
  }
  cut();
  if (reactivations.length > 0) {
    out.push(
      '> [!IMPORTANT]',
      `> **This plan ${verb('reactivates', 'reactivate')} ${reactivations.length} ` +
        `cancelled account${reactivations.length === 1 ? '' : 's'} ` +
        `(billing resumes)${unless}:** ${reactivations.map((change) => markdownCode(identityOf(change))).join(', ')}`,
      '',
    );
  }
  cut();
  const blocked = blockedCreates(plan);
  if (blocked.length > 0) {
    out.push(
      '> [!WARNING]',
      `> **${blocked.length} create${blocked.length === 1 ? '' : 's'} cannot run: ` +
        `no initial password.** Apply skips ${blocked.length === 1 ? 'it' : 'them'} ` +
        (`and carries out the rest; set the variable${blocked.length === 1 ? '' : 's'} ` +
          `(or \`CTCT_INITIAL_PASSWORDS\`) for the apply workflow:`),
    );
    for (const change of blocked)
      out.push(`> - ${markdownCode(identityOf(change))}: ${markdownText(change.blocked.reason)}`);
    out.push('');
  }
  cut();
  for (const refusal of plan.forced)
    out.push(`> Forced past **${refusal.gate}**: ${markdownText(refusal.message)}`, '');
  cut();

  for (const change of plan.changes) if (change.action !== 'orphan') sections.push(renderSection(change));
  const orphans = plan.changes.filter((change): change is OrphanChange => change.action === 'orphan');
  sections.push(renderRemovedFiles(orphans.filter((orphan) => orphan.removed_file !== undefined)));
  sections.push(renderOrphans(orphans.filter((orphan) => orphan.removed_file === undefined)));
  if (plan.over_budget.length > 0) {
    const { rows, more } = overBudgetRows(plan, 50);
    out.push(
      '<details>',
      `<summary>⏳ <b>not refreshed</b>: ${plan.over_budget.length} ` +
        `account${plan.over_budget.length === 1 ? '' : 's'} left for a later run (read budget)</summary>`,
      '',
    );
    out.push('| account | file | last verified |', '|---|---|---|');
    for (const [id, file, verified] of rows) out.push(`| ${cell(id)} | ${cell(file)} | ${verified} |`);
    if (more > 0) out.push('', `… and ${more} more (\`plan --format json\` lists them all).`);
    out.push('', '</details>', '');
  }
  cut();
  out.push(
    apiLine(plan),
    '',
    `<sub>fingerprint \`${plan.fingerprint}\` · format_version ${plan.format_version}</sub>`,
    '',
  );
  cut();
  return sections.filter((section) => section.length > 0);
}

function renderSection(change: Change): string[] {
  const label = ACTION_LABELS[change.action];
  const where = change.file !== null ? ` · ${htmlCode(change.file)}` : '';
  const key = keyDifference(change);
  const what = key !== null ? ` · ${escapeHtml(key)}` : '';
  const lines = [
    '<details>',
    `<summary>${label.emoji} <b>${label.verb}</b> ${htmlCode(identityOf(change))}${where}${what}</summary>`,
    '',
  ];
  const rows = fieldRows(change);
  if (rows.length > 0) {
    const header =
      change.action !== 'drift'
        ? '| field | before | after |'
        : change.sso_user !== undefined
          ? '| field | created | file |'
          : '| field | live | file |';
    lines.push(header, '|---|---|---|');
    for (const [field, before, after] of rows) {
      const shownBefore = change.action === 'drift' && before === undefined ? '(cannot be read)' : cell(before, field);
      lines.push(`| ${field} | ${shownBefore} | ${cell(after, field)} |`);
    }
    lines.push('');
  }
  if (change.action === 'create' && change.blocked !== undefined)
    lines.push(`⛔ ${markdownText(blockedLine(change.blocked))}`, '');
  if (change.action === 'drift') lines.push(markdownText(change.reason), '');
  if (change.action === 'create_sso_user')
    lines.push(
      'CTCT cannot read, change or remove an SSO user once created: apply ' +
        'writes `created_at` into the file and never sends this user again.',
      '',
    );
  lines.push('</details>', '');
  return lines;
}

/** Accounts whose files this change removed: news to the reviewer, so never folded into the older orphans. */
function renderRemovedFiles(removed: readonly OrphanChange[]): string[] {
  if (removed.length === 0) return [];
  const lines = [
    '> [!IMPORTANT]',
    `> **${removed.length} account file${removed.length === 1 ? '' : 's'} removed**: ` +
      `${REMOVED_FILE_NOTE.replace('status: cancelled', '`status: cancelled`')}`,
  ];
  for (const orphan of removed)
    lines.push(
      `> - ${markdownCode(orphan.removed_file ?? '')}: ` +
        `${markdownCode(identityOf(orphan))}, ${markdownCode(orphan.before.billing_status)}`,
    );
  lines.push('');
  return lines;
}

/** Orphans are the same every time: one compact table, not a block each. */
function renderOrphans(orphans: readonly OrphanChange[]): string[] {
  if (orphans.length === 0) return [];
  const lines = [
    '<details>',
    `<summary>${ACTION_LABELS.orphan.emoji} <b>${orphans.length} orphan${orphans.length === 1 ? '' : 's'}</b>: live ` +
      (`accounts no file names (reported, never cancelled for ` +
        `that; <code>ctct-gitops import</code> adopts them)</summary>`),
    '',
    '| account | encoded_account_id | billing_status |',
    '|---|---|---|',
  ];
  for (const orphan of orphans) {
    lines.push(
      `| ${orphan.organization_name !== null ? markdownText(orphan.organization_name) : '_unnamed_'} | ` +
        (`${markdownCode(orphan.encoded_account_id, { inTable: true })} | ` +
          `${markdownCode(orphan.before.billing_status, { inTable: true })} |`),
    );
  }
  lines.push('', '</details>', '');
  return lines;
}

/** A value in a field table: a cancellation reason by number and name, `null` as "none". */
function cell(value: unknown, field = ''): string {
  if (value === null) return '_none_';
  const text = field === 'reason_id' ? describeReason(value) : formatValue(value);
  return text === '' ? '' : markdownCode(text, { inTable: true });
}
