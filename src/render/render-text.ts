import { styleText } from 'node:util';
import { formatProblem } from '../errors.js';
import type { Change, Plan } from '../model.js';
import {
  ACTION_LABELS,
  apiLine,
  blockedLine,
  fieldRows,
  formatValue,
  identityOf,
  overBudgetRows,
  REFRESH_ONLY_NOTE,
  REMOVED_FILE_NOTE,
  summaryLine,
  targetingWarning,
} from './describe-change.js';
import { escapeControl as shown } from './escape-control.js';

export interface TextOptions {
  /** ANSI colours (node:util styleText); the CLI turns them on only on a terminal and never with NO_COLOR. */
  color: boolean;
}

type Style = Parameters<typeof styleText>[0];

const COLORS = {
  create: 'green',
  update: 'yellow',
  update_profile: 'yellow',
  reactivate: 'cyan',
  cancel: 'red',
  create_sso_user: 'green',
  drift: 'magenta',
  orphan: 'gray',
} as const satisfies Record<Change['action'], Style>;

/** The plan for a terminal, Terraform-style. */
export function renderText(plan: Plan, options: TextOptions = { color: false }): string {
  // The caller decides (options.color); styleText would otherwise check process.stdout itself.
  const paint = (color: Style, text: string) =>
    options.color ? styleText(color, text, { validateStream: false }) : text;
  const bold = (text: string) => (options.color ? styleText('bold', text, { validateStream: false }) : text);
  const lines: string[] = [];
  const targeting = targetingWarning(plan, shown);
  if (targeting !== null) lines.push(`${paint(COLORS.update, 'Warning:')} ${targeting}`, '');
  if (plan.refresh_only && plan.changes.length > 0) lines.push(REFRESH_ONLY_NOTE, '');
  for (const change of plan.changes) {
    const label = ACTION_LABELS[change.action];
    const where =
      change.file !== null
        ? `  ${shown(change.file)}${change.line !== null ? `:${change.line}` : ''}`
        : change.action === 'orphan' && change.removed_file !== undefined
          ? `  ${shown(change.removed_file)} (removed)`
          : '';
    lines.push(
      `${paint(COLORS[change.action], `${label.symbol} ${label.verb.padEnd(10)}`)} ` +
        `${bold(shown(identityOf(change)))}${where}`,
    );
    lines.push(...renderFields(change));
    if (change.action === 'create' && change.blocked !== undefined)
      lines.push(paint(COLORS.cancel, `      ${shown(blockedLine(change.blocked))}`));
    if (change.action === 'drift') lines.push(`      ${shown(change.reason)}`);
    if (change.action === 'orphan')
      lines.push(
        change.removed_file !== undefined
          ? `      file removed: ${REMOVED_FILE_NOTE}`
          : '      no account file names it; it is never cancelled for that (ctct-gitops import adopts it)',
      );
    if (change.action === 'create_sso_user' && change.encoded_account_id === null)
      lines.push('      in the account created above, once it exists');
  }
  if (plan.problems.length > 0) {
    lines.push('', bold(`Problems (${plan.problems.length}): the files ask for what CTCT cannot do`));
    for (const problem of plan.problems) lines.push(`  ${shown(formatProblem(problem))}`);
  }
  if (plan.notices !== undefined) {
    lines.push('', bold(`Notes (${plan.notices.length}):`));
    for (const notice of plan.notices) lines.push(`  ${formatProblem(notice)}`);
  }
  if (plan.refusals.length > 0) {
    lines.push('', bold('Refused by safety gates:'));
    for (const refusal of plan.refusals)
      lines.push(
        `  ${refusal.gate}: ` +
          `${shown(refusal.message)}${refusal.override ? ` — to pass: ${shown(refusal.override)}` : ''}`,
      );
  }
  if (plan.forced.length > 0) {
    lines.push('', bold('Passed with --force:'));
    for (const refusal of plan.forced) lines.push(`  ${refusal.gate}: ${shown(refusal.message)}`);
  }
  if (plan.over_budget.length > 0) {
    const { rows, more } = overBudgetRows(plan, 20);
    lines.push(
      '',
      bold(`Not refreshed (${plan.over_budget.length}): the read budget ran out; a later run reads them first`),
    );
    for (const [id, file, verified] of rows) lines.push(`  ${shown(id)}  ${shown(file)}  last verified ${verified}`);
    if (more > 0) lines.push(`  … and ${more} more (plan --format json lists them all)`);
  }
  if (lines.length > 0) lines.push('');
  lines.push(bold(`${plan.refresh_only ? 'Refresh-only' : 'Plan'}: ${summaryLine(plan)}.`), apiLine(plan));
  return `${lines.join('\n')}\n`;
}

function renderFields(change: Change): string[] {
  const value = (v: unknown): string => shown(formatValue(v));
  return fieldRows(change).map(([field, before, after]) => {
    if (change.action === 'create') return `      ${field}: ${value(after)}`;
    if (change.action === 'orphan') return `      ${field}: ${value(before)}`;
    if (change.action === 'drift' && change.sso_user !== undefined) {
      // An SSO user cannot be read back: the comparison is with what apply created.
      return after === undefined
        ? `      ${field}: ${value(before)} (removed from the file)`
        : `      ${field}: created ${value(before)} ≠ file ${value(after)}`;
    }
    if (change.action === 'drift')
      return before === undefined
        ? `      ${field}: file ${value(after)} (CTCT cannot show the live value)`
        : `      ${field}: live ${value(before)} ≠ file ${value(after)}`;
    if (after === undefined) return `      ${field}: ${value(before)}`;
    if (before === undefined) return `      ${field}: ${value(after)}`;
    return `      ${field}: ${value(before)} → ${value(after)}`;
  });
}
