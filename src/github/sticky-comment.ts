import type { MarkdownSection } from '../render/render-markdown.js';
import type { GithubClient, IssueComment } from './github-client.js';
import { COMMENT_LIMIT, splitComment } from './split-comment.js';

/** The marker of plan comments unless told otherwise. */
export const PLAN_MARKER = 'ctct-gitops:plan';
/** What a marker may hold, so it can neither end the HTML comment nor break the pattern that finds it. */
export const MARKER_PATTERN = /^[\w.:/-]+$/;

/** What to post: `body` is split into parts when it is longer than one comment may be. */
export interface StickyCommentInput {
  /** `owner/name`. */
  repo: string;
  /** Pull-request (or issue) number. */
  issueNumber: number;
  /** Markdown text, or its sections (`renderMarkdownSections`), which are split only between them where they fit. */
  body: string | readonly MarkdownSection[];
  /** Names this tool's comments, hidden in each as `<!-- MARKER part=i -->`. */
  marker?: string;
  /** Most characters in one comment, marker included. */
  limit?: number;
}

/** What happened to each comment, in display order. */
export interface StickyCommentResult {
  comments: Array<{ id: number; url: string; action: 'created' | 'updated' | 'unchanged' }>;
  /** Ids of stale parts deleted because the body got shorter. */
  deleted: number[];
}

/**
 * Posts `body` as this tool's comment on a pull request, editing the comments of the previous run in
 * place. Old parts are reused in the order they were created, so the parts always read top to
 * bottom; missing parts are created after them and stale ones deleted.
 */
export async function writeStickyComment(
  client: Pick<GithubClient, 'listIssueComments' | 'createIssueComment' | 'updateIssueComment' | 'deleteIssueComment'>,
  input: StickyCommentInput,
): Promise<StickyCommentResult> {
  const marker = input.marker ?? PLAN_MARKER;
  if (!MARKER_PATTERN.test(marker))
    throw new RangeError(`marker "${marker}" may hold only letters, digits and . : / _ -`);
  const limit = input.limit ?? COMMENT_LIMIT;
  const header = (part: number): string => `<!-- ${marker} part=${part} -->\n`;
  const parts = splitComment(input.body, limit - header(limit).length);
  const bodies = parts.map((part, i) => header(i + 1) + part);

  const existing = findMarkedComments(await client.listIssueComments(input.repo, input.issueNumber), marker);
  const result: StickyCommentResult = { comments: [], deleted: [] };
  for (const [i, body] of bodies.entries()) {
    const old = existing[i];
    if (!old) {
      const created = await client.createIssueComment(input.repo, input.issueNumber, body);
      result.comments.push({ id: created.id, url: created.html_url, action: 'created' });
    } else if (old.body !== body) {
      const updated = await client.updateIssueComment(input.repo, old.id, body);
      result.comments.push({ id: updated.id, url: updated.html_url, action: 'updated' });
    } else {
      result.comments.push({ id: old.id, url: old.html_url, action: 'unchanged' });
    }
  }
  for (const stale of existing.slice(bodies.length)) {
    await client.deleteIssueComment(input.repo, stale.id);
    result.deleted.push(stale.id);
  }
  return result;
}

/** Comments whose body starts with the marker, oldest first; a quote of one starts with `>` and is left alone. */
export function findMarkedComments(comments: IssueComment[], marker: string): IssueComment[] {
  const pattern = new RegExp(`^<!-- ${marker.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} part=\\d+ -->`);
  return comments.filter((c) => pattern.test(c.body ?? '')).sort((a, b) => a.id - b.id);
}
