import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApplyReport } from '../../src/apply/apply-plan.js';
import type { Plan } from '../../src/model.js';
import { computePlan } from '../../src/plan/compute-plan.js';
import { renderApplyReport } from '../../src/github/render-apply-report.js';
import { renderReportAnnotations } from '../../src/github/render-annotations.js';
import { renderValidateResult } from '../../src/commands/run-validate.js';
import { renderApplySummary, renderOutcomeLine } from '../../src/render/render-apply.js';
import { renderMarkdown } from '../../src/render/render-markdown.js';
import { renderText } from '../../src/render/render-text.js';
import { desiredAccount, liveAccount, livePlan, liveState, planOptions } from '../plan/plan-fixtures.js';
import { INJECTIONS } from './hostile-strings.js';

/**
 * Hostile corpus, rendering: each injection string in every slot a file or the API fills (login
 * name, organization name, field values, file names, messages naming accounts, API errors), through
 * every renderer. The output must have exactly the structure it has for a plain value, and the value
 * must stay data: no heading, tag, comment, image, link, mention or workflow command of its own, and
 * no control character reaching a terminal.
 */

const cases = { run: 0 };
afterAll(() => console.log(`[reliability] hostile rendering: ${cases.run} cases (injection string × renderer)`));

/**
 * A plan with the value in every slot: a create, an update, a protected cancel, a drift, a paid → TRIAL problem
 * and an orphan.
 */
function hostilePlan(value: string): Plan {
  const desired = [
    desiredAccount({
      login_name: `new${value}`,
      file: `accounts/new${value}.yaml`,
      extra: {
        contact_email: 'a@example.com',
        country_code: 'US',
        state_code: 'MA',
        organization_name: value,
        external_id: value,
      },
    }),
    desiredAccount({
      login_name: `paid${value}`,
      encoded_account_id: 'a07e1paid001',
      file: `accounts/paid${value}.yaml`,
      plan_type: 'GOLD',
    }),
    desiredAccount({
      login_name: `museum${value}`,
      encoded_account_id: 'a07e1museum',
      file: `accounts/museum${value}.yaml`,
      status: 'cancelled',
      cancel: { reason_id: 1 },
      protect: true,
    }),
    desiredAccount({
      login_name: `drift${value}`,
      encoded_account_id: 'a07e1drift01',
      plan_type: 'BRONZE',
      billing_day_of_month: 28,
    }),
    desiredAccount({ login_name: `down${value}`, encoded_account_id: 'a07e1gold001', plan_type: 'TRIAL' }),
  ];
  const live = liveState([
    liveAccount('a07e1paid001', 'Open', livePlan('BRONZE', 'Open', 15)),
    liveAccount('a07e1museum', 'Open'),
    liveAccount('a07e1drift01', 'Open', livePlan('BRONZE', 'Open', 5)),
    liveAccount('a07e1gold001', 'Open', livePlan('GOLD', 'Open', 5)),
    liveAccount('a07e1orphan1', 'Open', undefined, value),
  ]);
  return computePlan(desired, live, planOptions());
}

function hostileReport(value: string): ApplyReport {
  const outcome = (status: 'applied' | 'failed' | 'skipped', error?: string) => ({
    action: 'create' as const,
    login_name: `new${value}`,
    encoded_account_id: 'a07e1new0001',
    file: `accounts/new${value}.yaml`,
    status,
    ...(error !== undefined && { error }),
  });
  return {
    format_version: 1,
    fingerprint: 'sha256:0',
    summary: { applied: 1, failed: 1, skipped: 1 },
    outcomes: [
      outcome('failed', `POST /partner/accounts → 400: ${value}`),
      outcome('applied'),
      outcome('skipped', value),
    ],
    files_written: [`accounts/new${value}.yaml`],
  };
}

/** The kind of each Markdown line and, for table rows, the number of cells: the structure a value must not change. */
function markdownStructure(markdown: string): string[] {
  return markdown.split('\n').map((line) => {
    if (line.startsWith('|')) return `row:${line.replace(/\\./g, '').split('|').length}`;
    const kind = /^(###|<details>|<summary>|<\/details>|> \[!|> |API:|<sub>)/.exec(line);
    return kind ? kind[1]! : line === '' ? 'blank' : 'text';
  });
}

/**
 * Markdown with code spans (not a backslash-escaped backtick) and `<code>` contents taken out: what GitHub would read
 * as markup.
 */
function outsideCode(markdown: string): string {
  return markdown
    .replace(/(?<![`\\])(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, 'CODE')
    .replace(/<code>[\s\S]*?<\/code>/g, 'CODE');
}

const OUR_TAGS = /<\/?(details|summary|b|code|sub|br)>/g;
const TERMINAL_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function expectMarkup(markdown: string, value: string): void {
  const markup = outsideCode(markdown).replace(OUR_TAGS, '');
  expect(markup, 'a raw < outside code').not.toMatch(/</);
  expect(markup, 'an @mention').not.toMatch(/@(?!\u2060)\w/);
  expect(markup, 'an image or a link').not.toMatch(/(?<!\\)!(?<!\\)\[|(?<!\\)\]\(/);
  expect(
    markdown.split('\n').filter((line) => /^\s*::/.test(line)),
    `a workflow command from ${JSON.stringify(value)}`,
  ).toEqual([]);
  expect(markdown.split('\n').filter((line) => line.startsWith('#')).length, 'headings').toBeLessThanOrEqual(2);
}

describe.each(INJECTIONS)('the value %j', (value) => {
  it('keeps the structure of the plan Markdown and stays data', () => {
    cases.run++;
    const plan = hostilePlan(value);
    const markdown = renderMarkdown(plan);
    expect(markdownStructure(markdown)).toEqual(markdownStructure(renderMarkdown(hostilePlan('x'))));
    expect(markdown.split('\n').filter((line) => line === '<details>')).toHaveLength(plan.changes.length);
    expectMarkup(markdown, value);
    // The plan's last line, its fingerprint, is never hidden behind an unclosed comment.
    expect(markdown.trimEnd().split('\n').at(-1)).toMatch(
      /^<sub>fingerprint `sha256:[0-9a-f]{64}` · format_version 1<\/sub>$/,
    );
  });

  it('keeps the structure of the apply report Markdown and stays data', () => {
    cases.run++;
    const markdown = renderApplyReport(hostileReport(value));
    expect(markdownStructure(markdown)).toEqual(markdownStructure(renderApplyReport(hostileReport('x'))));
    expectMarkup(markdown, value);
  });

  it('reaches the terminal escaped: text plan, apply lines and summary', () => {
    cases.run += 3;
    const plan = hostilePlan(value);
    const report = hostileReport(value);
    for (const [text, benign] of [
      [renderText(plan, { color: false }), renderText(hostilePlan('x'), { color: false })],
      [
        report.outcomes.map(renderOutcomeLine).join('\n'),
        hostileReport('x').outcomes.map(renderOutcomeLine).join('\n'),
      ],
      [renderApplySummary(report), renderApplySummary(hostileReport('x'))],
    ] as const) {
      expect(text).not.toMatch(TERMINAL_CONTROL);
      expect(text.split('\n')).toHaveLength(benign.split('\n').length);
      expect(text.split('\n').filter((line) => /^\s*::/.test(line))).toEqual([]);
    }
    // The plan's closing line is where it was.
    expect(renderText(plan, { color: false })).toMatch(
      new RegExp(
        String.raw`\nPlan: (refused by safety gates, nothing will be applied \(it would: )?1 to ` +
          String.raw`create, 1 to update, 1 to cancel\)?; 1 drift, 1 orphan reported\.\n`,
      ),
    );
  });

  it('makes exactly one workflow command per annotation', () => {
    cases.run += 2;
    const annotations = renderReportAnnotations(hostileReport(value));
    expect(annotations.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^::error file=accounts\/new.*,title=ctct-gitops apply::create new.* failed: /),
    ]);
    expect(annotations).not.toMatch(TERMINAL_CONTROL);
    const problems = [{ file: `accounts/${value}.yaml`, line: 2, col: 3, message: `unknown field "${value}"` }];
    const validate = renderValidateResult({ files: 1, accounts: 1, problems }, 'github').split('\n').filter(Boolean);
    expect(validate).toHaveLength(2);
    expect(validate[0]).toMatch(/^::error file=accounts\/.*,line=2,col=3,title=ctct-gitops validate::unknown field /);
    expect(validate[1]).toMatch(/^✗ 1 problem/);
  });
});

describe('the action', () => {
  it('prints the plan Markdown into the log only with workflow commands stopped', () => {
    cases.run++;
    const action = readFileSync(new URL('../../action.yml', import.meta.url), 'utf8');
    const cats = [...action.matchAll(/^\s*cat "\$out\/plan\.md"$/gm)];
    expect(cats.length).toBeGreaterThan(0);
    for (const cat of cats) {
      const before = action.slice(0, cat.index).trimEnd().split('\n').at(-1)!;
      const after = action
        .slice(cat.index! + cat[0].length)
        .trimStart()
        .split('\n')[0]!;
      expect(before).toMatch(/echo "::stop-commands::\$stop"$/);
      expect(after).toBe('echo "::$stop::"');
    }
  });
});
