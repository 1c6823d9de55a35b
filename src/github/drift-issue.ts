import type { MarkdownSection } from '../render/render-markdown.js';
import type { PlanSummary } from '../model.js';
import type { GithubClient, Issue } from './github-client.js';
import { COMMENT_LIMIT, splitComment } from './split-comment.js';

export const DRIFT_TITLE = 'Drift: live CTCT accounts differ from main';
export const DRIFT_LABEL = 'ctct-gitops-drift';
const DRIFT_MARKER = '<!-- ctct-gitops:drift -->';
const SUMMARY_KEYS = [
  'create',
  'update',
  'update_profile',
  'reactivate',
  'cancel',
  'drift',
  'orphan',
] as const satisfies ReadonlyArray<keyof PlanSummary>;

/** A scheduled plan to report: its summary decides whether there is drift, the Markdown is the issue body. */
export interface DriftIssueInput {
  /** `owner/name`. */
  repo: string;
  plan: { summary: PlanSummary };
  /** The plan as Markdown: text, or its sections (`renderMarkdownSections`). */
  markdown: string | readonly MarkdownSection[];
  title?: string;
  label?: string;
  /** Link to the workflow run, shown in the issue. */
  runUrl?: string;
}

/** What `writeDriftIssue` did; `none` means no drift and no open issue. */
export interface DriftIssueResult {
  action: 'opened' | 'updated' | 'unchanged' | 'closed' | 'none';
  issue: { number: number; url: string } | null;
}

/**
 * Keeps one open issue that mirrors drift between the files on main and live CTCT: opened when a
 * plan has anything to do or report, its body replaced on every later run, closed with a comment
 * once a plan comes back empty. A new drift after that opens a new issue, so each has its own history.
 */
export async function writeDriftIssue(
  client: Pick<
    GithubClient,
    'listIssues' | 'createIssue' | 'updateIssue' | 'closeIssue' | 'createIssueComment' | 'ensureLabel'
  >,
  input: DriftIssueInput,
): Promise<DriftIssueResult> {
  const title = input.title ?? DRIFT_TITLE;
  const label = input.label ?? DRIFT_LABEL;
  const open = (await client.listIssues(input.repo, { labels: [label], state: 'open' }))
    .filter((issue) => issue.title === title || (issue.body ?? '').startsWith(DRIFT_MARKER))
    .sort((a, b) => a.number - b.number);
  const current: Issue | undefined = open[0];

  if (!hasDrift(input.plan.summary)) {
    if (!current) return { action: 'none', issue: null };
    const where = input.runUrl ? ` in [this run](${input.runUrl})` : '';
    await client.createIssueComment(input.repo, current.number, `The live accounts match main again${where}; closing.`);
    const closed = await client.closeIssue(input.repo, current.number);
    return { action: 'closed', issue: { number: closed.number, url: closed.html_url } };
  }

  const body = renderDriftBody(input.markdown, input.plan.summary, input.runUrl);
  if (!current) {
    await client.ensureLabel(input.repo, {
      name: label,
      color: 'd93f0b',
      description: 'Live CTCT accounts differ from the account files',
    });
    const created = await client.createIssue(input.repo, { title, body, labels: [label] });
    return { action: 'opened', issue: { number: created.number, url: created.html_url } };
  }
  if (current.body === body) return { action: 'unchanged', issue: { number: current.number, url: current.html_url } };
  const updated = await client.updateIssue(input.repo, current.number, { body });
  return { action: 'updated', issue: { number: updated.number, url: updated.html_url } };
}

export function hasDrift(summary: PlanSummary): boolean {
  return SUMMARY_KEYS.some((key) => summary[key] > 0);
}

/** The issue body: marker, what to do about it, then the plan (cut short when it does not fit one issue). */
export function renderDriftBody(
  markdown: string | readonly MarkdownSection[],
  summary: PlanSummary,
  runUrl?: string,
): string {
  const counts = SUMMARY_KEYS.filter((key) => summary[key] > 0)
    .map((key) => `${summary[key]} ${key}`)
    .join(', ');
  const checked = runUrl ? ` ([workflow run](${runUrl}))` : '';
  const head = [
    DRIFT_MARKER,
    `The scheduled plan found differences between the account files on main and live CTCT: ${counts}${checked}.`,
    'Merge a pull request that makes the files match what you want, or run ' +
      'the apply workflow; this issue closes itself when a plan comes back empty.',
    '',
    '',
  ].join('\n');
  const room = COMMENT_LIMIT - head.length;
  const whole = typeof markdown === 'string' ? markdown : markdown.flat().join('\n');
  if (whole.length <= room) return head + whole;
  const note = `\n\n_The plan is longer than one issue can hold; the full plan is in the job summary${checked}._`;
  const first = splitComment(markdown, room - note.length, { label: false })[0]!;
  return head + first + note;
}
