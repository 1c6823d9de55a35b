import type { MarkdownSection } from '../render/render-markdown.js';

/** GitHub refuses comment and issue bodies over 65,536 characters; the default leaves room for a marker. */
export const COMMENT_LIMIT = 65000;

const HEADING = /^ {0,3}#{1,6}(\s|$)/;
const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;
const DETAILS_OPEN = /<details\b[^>]*>/i;
const DETAILS_OPENS = /<details\b[^>]*>/gi;
const DETAILS_CLOSES = /<\/details\s*>/gi;
const TABLE_ROW = /^\s*\|/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/** Options of `splitComment`. */
export interface SplitOptions {
  /** Start each part with "(part i of n)"; default true. */
  label?: boolean;
}

/**
 * Splits Markdown into parts of at most `limit` characters each, labelled "(part i of n)". `markdown` is text, cut
 * into sections at its headings and `<details>` blocks, or the sections themselves as a renderer made them
 * (`renderMarkdownSections`), which are packed as they are. Cuts fall between sections; a section larger than a
 * part is cut between lines, closing and reopening any code fence or `<details>` block it is inside and repeating a
 * table's header; only a single line longer than a part is cut mid-line.
 */
export function splitComment(
  markdown: string | readonly MarkdownSection[],
  limit = COMMENT_LIMIT,
  options: SplitOptions = {},
): string[] {
  const sections = typeof markdown === 'string' ? splitSections(markdown.split('\n')) : markdown;
  const whole = typeof markdown === 'string' ? markdown : markdown.flat().join('\n');
  if (whole.length <= limit) return [whole];
  const label = options.label ?? true;
  for (let digits = 1; ; digits++) {
    const widest = 10 ** digits - 1;
    const budget = limit - (label ? partLabel(widest, widest).length : 0);
    if (budget < 1) throw new RangeError(`splitComment: a limit of ${limit} leaves no room for text`);
    const parts = packSections(sections, budget);
    if (!label) return parts;
    if (String(parts.length).length <= digits) return parts.map((part, i) => partLabel(i + 1, parts.length) + part);
  }
}

function partLabel(index: number, count: number): string {
  return `**(part ${index} of ${count})**\n\n`;
}

interface Fence {
  open: string;
  char: string;
  length: number;
}

interface OpenDetails {
  /** The opening line and its `<summary>` lines, repeated when a cut reopens the block. */
  lines: string[];
  complete: boolean;
}

/** Where a line stands: inside which fence, which `<details>` blocks, which table. */
interface BlockState {
  fence: Fence | null;
  details: OpenDetails[];
  tableHeader: string[] | null;
  tableCandidate: string | null;
}

const OUTSIDE: BlockState = { fence: null, details: [], tableHeader: null, tableCandidate: null };

function advance(state: BlockState, line: string): BlockState {
  if (state.fence) {
    const { char, length } = state.fence;
    const closes = new RegExp(`^ {0,3}\\${char}{${length},}\\s*$`).test(line);
    return closes ? { ...state, fence: null } : state;
  }
  const fence = FENCE_OPEN.exec(line);
  if (fence) {
    return {
      ...state,
      fence: { open: line, char: fence[1]![0]!, length: fence[1]!.length },
      tableHeader: null,
      tableCandidate: null,
    };
  }
  const details = state.details.map((d) => ({ lines: [...d.lines], complete: d.complete }));
  const top = details.at(-1);
  if (top && !top.complete) {
    if (/<summary\b/i.test(line) || top.lines.length > 1) {
      top.lines.push(line);
      top.complete = /<\/summary>/i.test(line);
    } else {
      top.complete = true;
    }
  }
  const net = (line.match(DETAILS_OPENS)?.length ?? 0) - (line.match(DETAILS_CLOSES)?.length ?? 0);
  for (let i = 0; i < net; i++) details.push({ lines: [line], complete: /<\/summary>/i.test(line) });
  for (let i = 0; i < -net; i++) details.pop();

  let { tableHeader, tableCandidate } = state;
  if (!TABLE_ROW.test(line)) {
    tableHeader = null;
    tableCandidate = null;
  } else if (!tableHeader) {
    if (tableCandidate !== null && TABLE_SEPARATOR.test(line)) {
      tableHeader = [tableCandidate, line];
      tableCandidate = null;
    } else {
      tableCandidate = line;
    }
  }
  return { fence: null, details, tableHeader, tableCandidate };
}

/** Lines that end a part cut at this state so the Markdown stays well formed. */
function closingLines(state: BlockState): string[] {
  const lines = state.fence ? [state.fence.char.repeat(state.fence.length)] : [];
  return lines.concat(state.details.map(() => '</details>'));
}

/** Lines that start the next part, reopening what the cut closed. */
function reopeningLines(state: BlockState, nextLine: string): string[] {
  const lines = state.details.flatMap((d) => [...d.lines, '']);
  if (state.fence) lines.push(state.fence.open);
  else if (state.tableHeader && TABLE_ROW.test(nextLine)) lines.push(...state.tableHeader);
  return lines;
}

/** Runs of lines between section boundaries: headings and `<details>` blocks outside code. */
function splitSections(lines: string[]): MarkdownSection[] {
  const sections: string[][] = [];
  let current: string[] = [];
  let state = OUTSIDE;
  for (const line of lines) {
    const atTop = !state.fence && state.details.length === 0;
    if (atTop && current.length > 0 && (HEADING.test(line) || DETAILS_OPEN.test(line))) {
      sections.push(current);
      current = [];
    }
    const next = advance(state, line);
    current.push(line);
    if (state.details.length > 0 && next.details.length === 0 && !next.fence) {
      sections.push(current);
      current = [];
    }
    state = next;
  }
  if (current.length > 0) sections.push(current);
  return sections;
}

/** Characters of lines joined with newlines. */
function joinedLength(...groups: string[][]): number {
  let chars = 0;
  let count = 0;
  for (const group of groups) {
    for (const line of group) chars += line.length;
    count += group.length;
  }
  return chars + Math.max(count - 1, 0);
}

function packSections(sections: readonly MarkdownSection[], budget: number): string[] {
  const parts: string[][] = [];
  let current: string[] = [];
  let currentLength = 0;
  for (const section of sections) {
    const sectionLength = joinedLength(section);
    const together = current.length > 0 ? currentLength + 1 + sectionLength : sectionLength;
    if (together <= budget) {
      current.push(...section);
      currentLength = together;
      continue;
    }
    if (current.length > 0) parts.push(current);
    if (sectionLength <= budget) {
      current = [...section];
      currentLength = sectionLength;
      continue;
    }
    const pieces = cutSection(section, budget);
    parts.push(...pieces.slice(0, -1));
    current = pieces.at(-1) ?? [];
    currentLength = joinedLength(current);
  }
  if (current.length > 0) parts.push(current);
  return parts
    .map(trimBlankLines)
    .filter((part) => part.length > 0)
    .map((part) => part.join('\n'));
}

function trimBlankLines(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start]!.trim() === '') start++;
  while (end > start && lines[end - 1]!.trim() === '') end--;
  return lines.slice(start, end);
}

/** The last resort: cut one oversized section between lines, keeping fences, details and tables whole. */
function cutSection(lines: string[], budget: number): string[][] {
  const pieces: string[][] = [];
  let state = OUTSIDE;
  let prefix: string[] = [];
  let body: string[] = [];
  let bodyChars = 0;
  const measure = (line: string, closing: string[]): number => {
    const chars = sumChars(prefix) + bodyChars + line.length + sumChars(closing);
    return chars + prefix.length + body.length + closing.length;
  };
  const reopen = (at: BlockState, nextLine: string): string[] => {
    const lines = reopeningLines(at, nextLine);
    return joinedLength(lines, closingLines(at)) > budget / 2 ? [] : lines;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const next = advance(state, line);
    if (body.length > 0 && measure(line, closingLines(next)) > budget) {
      pieces.push([...prefix, ...body, ...closingLines(state)]);
      body = [];
      bodyChars = 0;
      prefix = reopen(state, line);
    }
    if (measure(line, closingLines(next)) > budget) prefix = [];
    if (measure(line, closingLines(next)) > budget) {
      pieces.push(...cutLine(line, budget).map((chunk) => [chunk]));
      state = next;
      prefix = reopen(next, lines[i + 1] ?? '');
      continue;
    }
    body.push(line);
    bodyChars += line.length;
    state = next;
  }
  if (body.length > 0) pieces.push([...prefix, ...body, ...closingLines(state)]);
  return pieces;
}

function sumChars(lines: string[]): number {
  return lines.reduce((n, line) => n + line.length, 0);
}

/** Cuts a line into chunks of at most `size` characters, never between the halves of a surrogate pair. */
function cutLine(line: string, size: number): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (start < line.length) {
    let end = Math.min(start + size, line.length);
    const code = line.charCodeAt(end - 1);
    if (end < line.length && end - start > 1 && code >= 0xd800 && code <= 0xdbff) end--;
    chunks.push(line.slice(start, end));
    start = end;
  }
  return chunks;
}
