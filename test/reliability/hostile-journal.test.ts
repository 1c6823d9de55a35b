import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal } from '../../src/apply/journal.js';
import { InvalidInputError } from '../../src/errors.js';
import { readStateFile } from '../../src/simulator/account-store.js';
import { runCli } from '../helpers/run-cli.js';
import { BAD_JOURNAL_LINES, BAD_SIMULATOR_STATES } from './hostile-strings.js';
import { makeTempDir, makeTempRepo, removeTempDirs } from './hostile-temp.js';

/**
 * Hostile corpus, state files: journal lines and simulator states that are not what ctct-gitops
 * writes. A bad journal line is reported with its line number and how to recover, kept in the file,
 * and never stops the records around it; a login it names is never posted again. A bad simulator
 * state is an input error (exit 3) at its line and column, never "a bug".
 */

const cases = { run: 0 };
afterAll(async () => {
  await removeTempDirs();
  console.log(`[reliability] hostile journals and simulator states: ${cases.run} cases`);
});

const RUN = { type: 'run', run_id: 'run-1', started_at: '2026-12-01T00:00:00Z', known_ids: [] };
const intent = (login: string) => ({
  type: 'intent',
  run_id: 'run-1',
  intent_id: `i-${login}`,
  login_name: login,
  file: `accounts/${login}.yaml`,
  organization_name: null,
  plan: null,
  at: '2026-12-01T00:00:01Z',
});

describe.each(BAD_JOURNAL_LINES)('the journal line %j', (bad) => {
  it('is reported at its line, kept, and the records around it still count', async () => {
    cases.run++;
    const dir = await makeTempDir();
    const lines = [JSON.stringify(RUN), JSON.stringify(intent('before_bad')), bad, JSON.stringify(intent('after_bad'))];
    await writeFile(path.join(dir, 'journal.jsonl'), `${lines.join('\n')}\n`);
    const journal = await Journal.open(dir);
    expect(journal.problems.map((p) => p.line)).toEqual([3]);
    expect(journal.problems[0]!.message).toMatch(
      new RegExp(
        String.raw`^[^/]+\/journal\.jsonl:3: ignored, not a journal record: .+ If it recorded a ` +
          String.raw`create, check in CTCT whether that account exists \(import adopts it\), then fix or ` +
          'delete the line by hand',
      ),
    );
    expect(journal.openIntents().map((open) => open.intent.login_name)).toEqual(['before_bad', 'after_bad']);
    if (bad.includes('blocked_login')) expect(journal.problems[0]!.login_name).toBe('blocked_login');
    // Nothing from the line leaks into the records: no prototype pollution, no half-read record.
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    // Compaction keeps the open intents and the bad line, so it is reported until someone deals with it.
    await journal.compact();
    const kept = (await readFile(journal.file, 'utf8')).split('\n').filter(Boolean);
    expect(kept.at(-1)).toBe(bad);
    expect((await Journal.open(dir)).problems).toHaveLength(1);
  });
});

describe('a torn last line', () => {
  it('is the one bad line that is dropped silently: a killed process never finished writing it', async () => {
    cases.run++;
    const dir = await makeTempDir();
    await writeFile(
      path.join(dir, 'journal.jsonl'),
      `${JSON.stringify(RUN)}\n${JSON.stringify(intent('kept_login'))}\n{"type":"intent","run_`,
    );
    const journal = await Journal.open(dir);
    expect(journal.problems).toEqual([]);
    expect(journal.openIntents().map((open) => open.intent.login_name)).toEqual(['kept_login']);
  });
});

describe.each(BAD_SIMULATOR_STATES)('the simulator state %j', (state) => {
  it('is an input error at its line and column, saying how to start afresh', async () => {
    cases.run++;
    const file = path.join(await makeTempDir(), 'simulator.json');
    await writeFile(file, state);
    let error: unknown;
    try {
      readStateFile(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).problems.length).toBeGreaterThan(0);
    for (const problem of (error as InvalidInputError).problems) {
      expect(problem.file).toBe(file);
      expect(problem.message).toMatch(
        /not a ctct-gitops simulator state of format_version 1 \(delete the file to start the simulator afresh\)$/,
      );
    }
  });
});

describe('CLI spot checks', () => {
  it('apply goes on past bad journal lines, never posts the login one names, and says how to recover', async () => {
    cases.run++;
    const cwd = await makeTempRepo('.ctct-gitops');
    const account = (login: string) => `login_name: ${login}\ncontact_email: ${login}@example.com\ncountry_code: GB\n`;
    await writeFile(path.join(cwd, 'accounts', 'blocked.yaml'), account('blocked_login'));
    await writeFile(path.join(cwd, 'accounts', 'free.yaml'), account('free_login'));
    await writeFile(
      path.join(cwd, '.ctct-gitops', 'journal.jsonl'),
      `null\n${BAD_JOURNAL_LINES.find((line) => line.includes('blocked_login'))}\n`,
    );
    const result = await runCli(['apply', '--simulator', '--yes'], { cwd });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stderr).toMatch(/journal\.jsonl:1: ignored, not a journal record: /);
    expect(result.stderr).toMatch(
      new RegExp(
        String.raw`journal\.jsonl:2: ignored, not a journal record: .* It names blocked_login, whose ` +
          'create is not posted again until the line is dealt with',
      ),
    );
    expect(result.stderr).not.toMatch(/this is a bug/);
    expect(await readFile(path.join(cwd, 'accounts', 'free.yaml'), 'utf8')).toMatch(/encoded_account_id: a07e1/);
    expect(await readFile(path.join(cwd, 'accounts', 'blocked.yaml'), 'utf8')).not.toMatch(/encoded_account_id/);
  });

  it('plan --simulator on a corrupt simulator state exits 3 with the line, never a stack', async () => {
    cases.run++;
    const cwd = await makeTempRepo('.ctct-gitops');
    await writeFile(path.join(cwd, '.ctct-gitops', 'simulator.json'), '{"format_version":1,"accounts":[null]}');
    const result = await runCli(['plan', '--simulator'], { cwd });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /simulator\.json:1:\d+: accounts\[0\] must be a mapping; not a ctct-gitops simulator state/,
    );
    expect(result.stderr).not.toMatch(/this is a bug|\n\s+at /);
  });
});
