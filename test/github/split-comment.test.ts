import { describe, expect, it } from 'vitest';
import { splitComment } from '../../src/github/split-comment.js';
import { computePlan } from '../../src/plan/compute-plan.js';
import { renderMarkdown, renderMarkdownSections } from '../../src/render/render-markdown.js';
import { desiredAccount, liveState, planOptions } from '../plan/plan-fixtures.js';

const LABEL = /^\*\*\(part (\d+) of (\d+)\)\*\*\n\n/;

function stripLabel(part: string): string {
  return part.replace(LABEL, '');
}

function detailsBlock(i: number): string {
  const id = String(i).padStart(4, '0');
  return [
    `<details><summary>create <code>account_${id}</code> (accounts/us/account_${id}.yaml)</summary>`,
    '',
    '```diff',
    `+ login_name: account_${id}`,
    `+ contact_email: owner_${id}@example.com`,
    '+ country_code: US',
    '+ state_code: MA',
    '+ plan_type: GOLD',
    '```',
    '',
    '</details>',
  ].join('\n');
}

/** A plan the shape plan --format markdown gives: heading, summary table, one details block per change. */
function planMarkdown(changes: number): string {
  const blocks = Array.from({ length: changes }, (_, i) => detailsBlock(i + 1));
  return [
    '## ctct-gitops plan',
    '',
    '| create | update | cancel |',
    '| --- | --- | --- |',
    `| ${changes} | 0 | 0 |`,
    '',
    '### Changes',
    '',
    ...blocks.flatMap((b) => [b, '']),
  ].join('\n');
}

function expectWellFormed(part: string): void {
  const lines = stripLabel(part).split('\n');
  const fences = lines.filter((l) => /^```/.test(l)).length;
  expect(fences % 2, `unbalanced code fence in:\n${part.slice(0, 300)}`).toBe(0);
  const opens = (part.match(/<details\b/g) ?? []).length;
  const closes = (part.match(/<\/details>/g) ?? []).length;
  expect(opens, 'unbalanced <details>').toBe(closes);
}

describe('splitComment', () => {
  it('keeps Markdown that fits as one part, unlabelled and unchanged', () => {
    const markdown = planMarkdown(3);
    expect(splitComment(markdown)).toEqual([markdown]);
  });

  it('splits a plan over 65,000 characters at section boundaries into labelled parts within the limit', () => {
    const markdown = planMarkdown(800);
    expect(markdown.length).toBeGreaterThan(150_000);

    const parts = splitComment(markdown);

    expect(parts.length).toBe(3);
    parts.forEach((part, i) => {
      expect(part.length).toBeLessThanOrEqual(65_000);
      expect(LABEL.exec(part)?.slice(1)).toEqual([String(i + 1), String(parts.length)]);
      expectWellFormed(part);
    });
    expect(stripLabel(parts[0]!).startsWith('## ctct-gitops plan\n')).toBe(true);
    for (const part of parts.slice(1))
      expect(stripLabel(part)).toMatch(/^<details><summary>create <code>account_\d{4}<\/code>/);
    expect(parts.map(stripLabel).join('\n\n')).toBe(markdown.trimEnd());
  });

  it('packs parts full: no part could have taken the next section', () => {
    const parts = splitComment(planMarkdown(800));
    const blockLength = detailsBlock(1).length;
    for (const part of parts.slice(0, -1)) expect(part.length).toBeGreaterThan(65_000 - blockLength - 50);
  });

  it('cuts one oversized table between rows and repeats its header in every part', () => {
    const rows = Array.from(
      { length: 3000 },
      (_, i) => `| update | \`account_${i}\` | SILVER → GOLD | accounts/account_${i}.yaml |`,
    );
    const header = ['| Action | Account | Change | File |', '| --- | --- | --- | --- |'];
    const markdown = ['## ctct-gitops plan', '', ...header, ...rows].join('\n');

    const parts = splitComment(markdown, 20_000);

    expect(parts.length).toBeGreaterThan(5);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(20_000);
    for (const part of parts.slice(1)) expect(stripLabel(part).split('\n').slice(0, 2)).toEqual(header);
    const seenRows = parts.flatMap((p) =>
      stripLabel(p)
        .split('\n')
        .filter((l) => l.startsWith('| update')),
    );
    expect(seenRows).toEqual(rows);
  });

  it('closes and reopens a code fence and its <details> block when one block alone is too long', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `+ account_${i}: GOLD`);
    const markdown = [
      '## Plan',
      '',
      '<details>',
      '<summary>2000 changes</summary>',
      '',
      '```diff',
      ...lines,
      '```',
      '',
      '</details>',
      '',
      'after',
    ].join('\n');

    const parts = splitComment(markdown, 10_000);

    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(10_000);
      expectWellFormed(part);
    }
    for (const part of parts.slice(1)) {
      expect(stripLabel(part).startsWith('<details>\n<summary>2000 changes</summary>\n\n```diff\n')).toBe(true);
    }
    expect(parts.flatMap((p) => p.split('\n').filter((l) => l.startsWith('+ ')))).toEqual(lines);
    expect(parts.at(-1)!.endsWith('after')).toBe(true);
  });

  it('cuts a single line longer than a part, as the last resort', () => {
    const markdown = `# Title\n\n${'x'.repeat(250)}\n\nend`;
    const parts = splitComment(markdown, 100);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(100);
    expect(parts.map(stripLabel).join('')).toBe(`# Title${'x'.repeat(250)}end`);
  });

  it('does not cut between the two halves of an emoji', () => {
    const markdown = '✅'.repeat(10) + '🚀'.repeat(200);
    const parts = splitComment(markdown, 60);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(60);
      expect(stripLabel(part)).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
    }
    expect(parts.map(stripLabel).join('')).toBe(markdown);
  });

  it('widens the label when there are ten parts or more, staying within the limit', () => {
    const markdown = planMarkdown(400);
    const parts = splitComment(markdown, 8_000);
    expect(parts.length).toBeGreaterThanOrEqual(10);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(8_000);
    expect(parts[9]!.startsWith(`**(part 10 of ${parts.length})**\n\n`)).toBe(true);
  });

  it('shows the exact cut on a small example', () => {
    const markdown = '# A\n\nintro\n\n## B\n\nbody of b\n\n## C\n\nbody of c';
    expect(splitComment(markdown, 40)).toEqual([
      '**(part 1 of 3)**\n\n# A\n\nintro',
      '**(part 2 of 3)**\n\n## B\n\nbody of b',
      '**(part 3 of 3)**\n\n## C\n\nbody of c',
    ]);
  });

  it('leaves the label off on request', () => {
    const parts = splitComment(planMarkdown(800), 65_000, { label: false });
    expect(parts[0]!.startsWith('## ctct-gitops plan')).toBe(true);
    expect(parts.every((p) => !LABEL.test(p) && p.length <= 65_000)).toBe(true);
  });

  it("packs the renderer's sections whole: each callout and account block in one part, the text unchanged", () => {
    const plan = computePlan(
      Array.from({ length: 120 }, (_, i) =>
        desiredAccount({
          login_name: `account_${String(i).padStart(4, '0')}`,
          extra: { contact_email: `owner_${i}@example.com`, country_code: 'US', state_code: 'MA' },
        }),
      ),
      liveState([]),
      planOptions(),
    );
    const sections = renderMarkdownSections(plan);
    expect(splitComment(sections)).toEqual([renderMarkdown(plan)]);

    const parts = splitComment(sections, 8_000).map(stripLabel);
    expect(parts.length).toBeGreaterThan(3);
    const texts = sections.map((section) => section.join('\n').trim()).filter((text) => text !== '');
    // A cut that fell inside a section would leave no part containing all of it.
    for (const text of texts) expect(parts.filter((part) => part.includes(text))).toHaveLength(1);
    expect(parts.join('\n\n').replace(/\s+/g, ' ')).toBe(renderMarkdown(plan).trim().replace(/\s+/g, ' '));
  });
});
