import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApplyReport } from '../../src/apply/apply-plan.js';
import { InvalidInputError } from '../../src/errors.js';
import { readJsonDocument, validateJsonDocument } from '../../src/read-json-document.js';

const PLAN_SNAPSHOT = new URL('../plan/__snapshots__/plan.json', import.meta.url);

const REPORT: ApplyReport = {
  format_version: 1,
  fingerprint: 'sha256:abc',
  summary: { applied: 1, failed: 1, skipped: 0 },
  outcomes: [
    {
      action: 'create',
      login_name: 'a_login',
      encoded_account_id: 'a07e1x',
      file: 'accounts/a.yaml',
      status: 'applied',
    },
    {
      action: 'cancel',
      login_name: null,
      encoded_account_id: 'a07e1y',
      file: 'accounts/b.yaml',
      status: 'failed',
      error: 'HTTP 400',
    },
  ],
  files_written: ['accounts/a.yaml'],
};

describe('the plan document', () => {
  it('accepts the plan the renderers snapshot, which has every kind of change', async () => {
    const text = await readFile(PLAN_SNAPSHOT, 'utf8');
    const result = validateJsonDocument('plan', 'plan.json', text);
    expect(result.problems).toEqual([]);
    expect(result.document?.changes.map((change) => change.action)).toEqual(
      expect.arrayContaining(['create', 'update', 'reactivate', 'cancel', 'drift', 'orphan']),
    );
  });

  it('refuses a change apply could not send as written, naming the line', async () => {
    const plan = JSON.parse(await readFile(PLAN_SNAPSHOT, 'utf8')) as {
      changes: { action: string; after: Record<string, unknown> }[];
    };
    const create = plan.changes.find((change) => change.action === 'create')!;
    create.after['password'] = 'hunter22';
    const text = JSON.stringify(plan, null, 2);
    const result = validateJsonDocument('plan', 'p.json', text);
    expect(result.document).toBeNull();
    const line = text.split('\n').findIndex((l) => l.includes('"password"')) + 1;
    expect(result.problems.some((p) => p.line === line || p.message.includes('password'))).toBe(true);
    expect(
      result.problems.every((p) =>
        p.message.endsWith('not a ctct-gitops plan of format_version 1 (write one with plan --out)'),
      ),
    ).toBe(true);
  });

  it('refuses another format_version, an unknown action and what is not JSON', () => {
    expect(validateJsonDocument('plan', 'p.json', '{"format_version": 2}').problems).toEqual([
      {
        file: 'p.json',
        line: 1,
        col: 1,
        message: 'format_version is 2; not a ctct-gitops plan of format_version 1 (write one with plan --out)',
      },
    ]);
    const unknownAction = {
      ...JSON.parse(JSON.stringify({ format_version: 1 })),
      fingerprint: `sha256:${'0'.repeat(64)}`,
      summary: {},
      changes: [{ action: 'delete' }],
    };
    expect(validateJsonDocument('plan', 'p.json', JSON.stringify(unknownAction)).document).toBeNull();
    expect(validateJsonDocument('plan', 'p.json', 'not json').problems[0]).toMatchObject({
      file: 'p.json',
      line: 1,
      col: 1,
      message: expect.stringMatching(/^not JSON/),
    });
  });
});

describe('the apply report document', () => {
  it('reads back the report apply writes', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ctct-doc-'));
    await writeFile(path.join(dir, 'report.json'), JSON.stringify(REPORT, null, 2));
    expect(await readJsonDocument('apply-report', dir, 'report.json')).toEqual(REPORT);
  });

  it('names the field that is wrong, at its line', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ctct-doc-'));
    const bad = { ...REPORT, outcomes: [{ ...REPORT.outcomes[0], status: 'done' }] };
    await writeFile(path.join(dir, 'r.json'), JSON.stringify(bad, null, 2));
    const error = await readJsonDocument('apply-report', dir, 'r.json').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    const text = JSON.stringify(bad, null, 2);
    const line = text.split('\n').findIndex((l) => l.includes('"done"')) + 1;
    expect((error as InvalidInputError).problems).toContainEqual(
      expect.objectContaining({
        file: 'r.json',
        line,
        message: expect.stringContaining('outcomes[0].status must be one of applied, failed, skipped'),
      }),
    );
  });

  it('says a missing file cannot be read', async () => {
    const error = await readJsonDocument('apply-report', tmpdir(), 'no-such-report.json').catch((e: unknown) => e);
    expect((error as InvalidInputError).message).toMatch(
      /no-such-report.json:1:1: cannot read a ctct-gitops apply report of format_version 1: ENOENT/,
    );
  });
});
