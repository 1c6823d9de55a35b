import { appendFile, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal, type JournalRecord } from '../../src/apply/journal.js';
import { exists, makeTempDir } from './apply-harness.js';

async function records(journal: Journal): Promise<JournalRecord[]> {
  const text = await readFile(journal.file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as JournalRecord);
}

describe('Journal', () => {
  it('appends one JSON line per record, in order, and an empty journal has nothing open', async () => {
    const dir = await makeTempDir();
    const journal = await Journal.open(dir);
    expect(journal.file).toBe(path.join(dir, 'journal.jsonl'));
    expect(journal.openIntents()).toEqual([]);
    expect(exists(journal.file)).toBe(false);

    const runId = await journal.startRun(['a07e1zzz', 'a07e1aaa']);
    const intent = await journal.recordIntent(
      runId,
      'hanks_fresh_fruit',
      'accounts/hanks.yaml',
      'Hanks Fresh Fruit',
      null,
    );
    await journal.recordCreated(intent.intent_id, 'a07e1new1', 'response');

    const written = await records(journal);
    expect(written.map((record) => record.type)).toEqual(['run', 'intent', 'created']);
    expect(written[0]).toMatchObject({ type: 'run', run_id: runId, known_ids: ['a07e1aaa', 'a07e1zzz'] });
    expect(written[1]).toMatchObject({
      type: 'intent',
      run_id: runId,
      login_name: 'hanks_fresh_fruit',
      file: 'accounts/hanks.yaml',
      organization_name: 'Hanks Fresh Fruit',
    });
    expect(written[2]).toMatchObject({
      type: 'created',
      intent_id: intent.intent_id,
      encoded_account_id: 'a07e1new1',
      how: 'response',
    });
  });

  it('openIntents: an intent stays open until written or abandoned, with its run and created record', async () => {
    const dir = await makeTempDir();
    const journal = await Journal.open(dir);
    const runId = await journal.startRun(['a07e1old']);
    const done = await journal.recordIntent(runId, 'done_login', 'accounts/done.yaml', 'Done', null);
    const refused = await journal.recordIntent(runId, 'refused_login', 'accounts/refused.yaml', undefined, null);
    const created = await journal.recordIntent(runId, 'created_login', 'accounts/created.yaml', 'Created', null);
    const posted = await journal.recordIntent(runId, 'posted_login', 'accounts/posted.yaml', undefined, null);
    await journal.recordCreated(done.intent_id, 'a07e1done', 'response');
    await journal.recordWritten(done.intent_id, 'accounts/done.yaml');
    await journal.recordAbandoned(refused.intent_id, '400 invalid');
    await journal.recordCreated(created.intent_id, 'a07e1made', 'listed');

    const check = (open: ReturnType<Journal['openIntents']>) => {
      expect(open.map((item) => item.intent.login_name).sort()).toEqual(['created_login', 'posted_login']);
      const byLogin = new Map(open.map((item) => [item.intent.login_name, item]));
      expect(byLogin.get('created_login')?.created?.encoded_account_id).toBe('a07e1made');
      expect(byLogin.get('posted_login')?.created).toBeUndefined();
      expect(byLogin.get('posted_login')?.intent.organization_name).toBeNull();
      expect(byLogin.get('posted_login')?.run?.known_ids).toEqual(['a07e1old']);
    };
    check(journal.openIntents());
    // A later run reads the same from the file.
    check((await Journal.open(dir)).openIntents());
    expect(posted.intent_id).not.toBe(created.intent_id);
  });

  it('keeps an intent with a paid plan open after its id is written, until the plan is set', async () => {
    const dir = await makeTempDir();
    const journal = await Journal.open(dir);
    const runId = await journal.startRun([]);
    const intent = await journal.recordIntent(runId, 'gold_login', 'accounts/gold.yaml', 'Gold', {
      plan_type: 'GOLD',
      billing_day_of_month: 3,
    });
    await journal.recordCreated(intent.intent_id, 'a07e1gold', 'response');
    await journal.recordWritten(intent.intent_id, 'accounts/gold.yaml');
    const [open] = journal.openIntents();
    expect(open?.written?.file).toBe('accounts/gold.yaml');
    expect(open?.intent.plan).toEqual({ plan_type: 'GOLD', billing_day_of_month: 3 });

    await journal.recordPlanned(intent.intent_id);
    expect(journal.openIntents()).toEqual([]);
    await journal.compact();
    expect(exists(journal.file)).toBe(false);
  });

  it('ignores a torn last line left by a killed process', async () => {
    const dir = await makeTempDir();
    const journal = await Journal.open(dir);
    const runId = await journal.startRun([]);
    const intent = await journal.recordIntent(runId, 'hanks_fresh_fruit', 'accounts/hanks.yaml', 'Hanks', null);
    await appendFile(journal.file, `{"type":"written","intent_id":"${intent.intent_id}","fi`);

    const reopened = await Journal.open(dir);
    const open = reopened.openIntents();
    expect(open).toHaveLength(1);
    expect(open[0]?.intent.intent_id).toBe(intent.intent_id);
    expect(open[0]?.run?.run_id).toBe(runId);

    // Records written after the crash start on a line of their own and survive.
    const laterRun = await reopened.startRun(['a07e1known']);
    const later = await reopened.recordIntent(laterRun, 'after_crash', 'accounts/after.yaml', undefined, null);
    const afterRestart = (await Journal.open(dir)).openIntents();
    expect(afterRestart.map((item) => item.intent.intent_id)).toEqual([intent.intent_id, later.intent_id]);
    expect(afterRestart[1]?.run?.known_ids).toEqual(['a07e1known']);
  });

  it('compact keeps only what open intents need', async () => {
    const dir = await makeTempDir();
    const journal = await Journal.open(dir);
    const oldRun = await journal.startRun(['a07e1x']);
    const finished = await journal.recordIntent(oldRun, 'finished_one', 'accounts/f.yaml', undefined, null);
    await journal.recordCreated(finished.intent_id, 'a07e1f', 'response');
    await journal.recordWritten(finished.intent_id, 'accounts/f.yaml');
    const newRun = await journal.startRun(['a07e1x', 'a07e1f']);
    const pending = await journal.recordIntent(newRun, 'pending_one', 'accounts/p.yaml', 'P', null);
    await journal.recordCreated(pending.intent_id, 'a07e1p', 'listed');

    await journal.compact();
    const kept = await records(journal);
    expect(kept.map((record) => record.type)).toEqual(['run', 'intent', 'created']);
    expect(kept[0]).toMatchObject({ run_id: newRun });
    expect(kept[1]).toMatchObject({ intent_id: pending.intent_id });
    expect(await readdir(dir)).toEqual(['journal.jsonl']);

    const reopened = await Journal.open(dir);
    expect(reopened.openIntents()).toEqual(journal.openIntents());
    expect(reopened.openIntents()[0]?.created?.encoded_account_id).toBe('a07e1p');
  });

  it('compact removes the file when nothing is open', async () => {
    const dir = await makeTempDir();
    const journal = await Journal.open(dir);
    const runId = await journal.startRun([]);
    const a = await journal.recordIntent(runId, 'login_aaaa', 'accounts/a.yaml', undefined, null);
    const b = await journal.recordIntent(runId, 'login_bbbb', 'accounts/b.yaml', undefined, null);
    await journal.recordCreated(a.intent_id, 'a07e1a', 'response');
    await journal.recordWritten(a.intent_id, 'accounts/a.yaml');
    await journal.recordAbandoned(b.intent_id, 'refused');
    expect(exists(journal.file)).toBe(true);

    await journal.compact();
    expect(exists(journal.file)).toBe(false);
    expect(await readdir(dir)).toEqual([]);
    expect((await Journal.open(dir)).openIntents()).toEqual([]);
  });
});
