import { escapeControl } from './escape-control.js';

/*
 * Values from account files and the API, rendered into Markdown as data: never a heading, a link, an
 * image, an @mention, an HTML tag or comment, and never able to end the table row or the `<details>`
 * block they are in. GitHub Flavored Markdown: https://github.github.com/gfm/
 */

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * A value for HTML (`<summary>`, `<code>`): entities escaped, control characters shown, so no blank line ends the HTML
 * block.
 */
export function escapeHtml(text: string): string {
  return escapeControl(text).replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}

/** `<code>value</code>` for an HTML line; GitHub links no @mention inside code. */
export function htmlCode(text: string): string {
  return `<code>${escapeHtml(text)}</code>`;
}

/**
 * A code span whose content is taken literally whatever it holds (GFM §6.1): fenced with one backtick
 * more than the longest run inside, padded when it starts or ends with a backtick or a space. In a
 * table cell a `|` must be escaped even inside code (GFM §4.10).
 */
export function markdownCode(text: string, options: { inTable?: boolean } = {}): string {
  let body = escapeControl(text);
  if (options.inTable) body = body.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(body) ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/**
 * Prose that holds values (a message naming an account, an API error): ASCII punctuation that could
 * start Markdown is backslash-escaped (GFM §6.1 backslash escapes; `_` inside a word emphasises nothing, §6.2),
 * `<` and `&` become entities, and an `@` is followed by a word joiner (U+2060), so it mentions nobody.
 */
export function markdownText(text: string): string {
  return escapeControl(text)
    .replace(/[\\`*[\]{}()#+!|~>]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, (c) => `\\${c}`)
    .replace(/[&<]/g, (c) => HTML_ENTITIES[c]!)
    .replace(/@/g, '@\u2060');
}
