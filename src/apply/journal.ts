import { randomUUID } from 'node:crypto';
import { appendFile, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { PlanInfo } from '../ctct/ctct-types.js';
import { readSchemaValidator } from '../schemas.js';
import { validateWithSchema } from '../validate-with-schema.js';
import { parseYamlSource } from '../yaml-source.js';
import { writeFileAtomic } from '../accounts/write-file-atomic.js';

/** A run began; the ids listed before any POST tell a new account from an old one later. */
export interface RunRecord {
  type: 'run';
  run_id: string;
  started_at: string;
  known_ids: string[];
}
/** About to POST /partner/accounts for this login name. */
export interface IntentRecord {
  type: 'intent';
  run_id: string;
  intent_id: string;
  login_name: string;
  file: string;
  /** Absent in journals older versions wrote, as is `plan`. */
  organization_name?: string | null;
  /** The paid plan to PUT once the account exists; null for TRIAL, which every new account starts on. */
  plan?: PlanInfo | null;
  at: string;
}
/** CTCT assigned this id (from the response, a later listing, or a re-POST). */
export interface CreatedRecord {
  type: 'created';
  intent_id: string;
  encoded_account_id: string;
  how: 'response' | 'listed' | 're-post';
  at: string;
}
/** The id is in the account file; the intent is finished unless its plan is still to be set. */
export interface WrittenRecord {
  type: 'written';
  intent_id: string;
  file: string;
  at: string;
}
/** The new account has its paid plan: the intent is finished. */
export interface PlannedRecord {
  type: 'planned';
  intent_id: string;
  at: string;
}
/**
 * CTCT answered the POST with 503: by the spec the request "is stored and processed when
 * provisioning becomes available" (ctct-v3-partner-subset-3.0.178.yaml:102-104), so the intent
 * is never posted again; runs wait for the account to appear.
 */
export interface PendingRecord {
  type: 'pending';
  intent_id: string;
  reason: string;
  at: string;
}
/** CTCT refused the create for certain (400, 409 on a first POST): nothing was created. */
export interface AbandonedRecord {
  type: 'abandoned';
  intent_id: string;
  reason: string;
  at: string;
}
/**
 * An operator released a pending create (`apply --release-pending LOGIN`) after the unfiltered
 * listing showed no account for it: the intent is closed and the next apply posts the create again,
 * after listing once more right before the POST. Kept until that new intent is recorded.
 */
export interface ReleasedRecord {
  type: 'released';
  intent_id: string;
  login_name: string;
  /** Every id the release's listing showed, with the ids the account files named: a later account is new. */
  known_ids: string[];
  reason: string;
  at: string;
}
/** About to POST …/users/sso for this user of this account. */
export interface SsoIntentRecord {
  type: 'sso_intent';
  run_id: string;
  intent_id: string;
  encoded_account_id: string;
  /** The SSO user's login_name. */
  login_name: string;
  file: string;
  at: string;
}
/**
 * CTCT has the user: it answered 201 (`response`, `re-post`), or 409 to the re-post after an unknown outcome
 * (`exists`).
 */
export interface SsoCreatedRecord {
  type: 'sso_created';
  intent_id: string;
  how: 'response' | 're-post' | 'exists';
  at: string;
}
export type JournalRecord =
  | RunRecord
  | IntentRecord
  | CreatedRecord
  | PendingRecord
  | WrittenRecord
  | PlannedRecord
  | AbandonedRecord
  | ReleasedRecord
  | SsoIntentRecord
  | SsoCreatedRecord;

/** An SSO user create with work left: its outcome unknown, or its created_at not yet in the file. */
export interface OpenSsoIntent {
  intent: SsoIntentRecord;
  created: SsoCreatedRecord | undefined;
}

/** An intent with work left: its id not yet in the file, or its paid plan not yet set. */
export interface OpenIntent {
  intent: IntentRecord;
  run: RunRecord | undefined;
  created: CreatedRecord | undefined;
  /** Set when CTCT stored the create for later (503): it is never posted again. */
  pending: PendingRecord | undefined;
  written: WrittenRecord | undefined;
}

export const JOURNAL_FILE = 'journal.jsonl';

/** A journal line that is not a record `schema/journal.schema.json` allows: ignored, kept in the file, and reported. */
export interface JournalProblem {
  /** 1-based line of the journal as it was read. */
  line: number;
  /** What is wrong, and how to recover. */
  message: string;
  /** The login the line names, when it names one: its create is never posted again until the line is dealt with. */
  login_name?: string;
  /** The line as it was, written back on compaction so the evidence stays. */
  text: string;
}

/**
 * The apply journal, `.ctct-gitops/journal.jsonl`: one JSON record a line, each fsync'd before the
 * API call it announces. Creates are not idempotent (no idempotency key in CTCT's V3 API), so the
 * journal is what lets a crashed or failed run be finished without a duplicate account.
 */
export class Journal {
  readonly file: string;

  private constructor(
    file: string,
    private records: JournalRecord[],
    /** Lines that are not valid records, in file order. */
    readonly problems: readonly JournalProblem[],
  ) {
    this.file = file;
  }

  /**
   * Reads the journal. A torn last line (a killed process) is dropped; any other line that is not a
   * valid record is reported in {@link problems}, with its line number and how to recover, and the
   * rest of the journal is used as usual.
   */
  static async open(stateDir: string): Promise<Journal> {
    const file = path.join(stateDir, JOURNAL_FILE);
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const torn = text !== '' && !text.endsWith('\n');
    // A killed process may leave a torn last line; end it so the next record starts on a line of its own.
    if (torn) await appendFile(file, '\n');
    const lines = text.split('\n');
    const records: JournalRecord[] = [];
    const problems: JournalProblem[] = [];
    const validate = readSchemaValidator('journal');
    const shown = path.join(path.basename(stateDir), JOURNAL_FILE);
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        // The record a killed process was writing never took effect.
        if (torn && index === lines.length - 1) return;
        problems.push(journalProblem(shown, index + 1, line, `not JSON (${(error as Error).message})`));
        return;
      }
      if (validate(value)) {
        records.push(value as JournalRecord);
        return;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        problems.push(
          journalProblem(
            shown,
            index + 1,
            line,
            `a record is a JSON object, not ` +
              `${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}`,
          ),
        );
        return;
      }
      const parsed = parseYamlSource(shown, line);
      const found = parsed.source ? validateWithSchema(validate, parsed.source) : [];
      const missing = found.flatMap((p) => /^missing required field (\S+)$/.exec(p.message)?.[1] ?? []);
      const why = [
        ...(missing.length > 0 ? [`missing ${missing.join(', ')}`] : []),
        ...found
          .filter((p) => !p.message.startsWith('missing required field '))
          .map((p) => `${p.message} at column ${p.col}`),
      ];
      // An account create's login (an SSO user's login is another namespace).
      const login =
        (value as { type?: unknown }).type === 'sso_intent'
          ? undefined
          : (value as { login_name?: unknown }).login_name;
      problems.push(
        journalProblem(
          shown,
          index + 1,
          line,
          why.length > 0 ? why.join('; ') : 'not a journal record',
          typeof login === 'string' ? login : undefined,
        ),
      );
    });
    return new Journal(file, records, problems);
  }

  async startRun(knownIds: Iterable<string>): Promise<string> {
    const run_id = randomUUID();
    await this.append({ type: 'run', run_id, started_at: now(), known_ids: [...knownIds].sort() });
    return run_id;
  }

  async recordIntent(
    runId: string,
    loginName: string,
    file: string,
    organizationName: string | undefined,
    plan: PlanInfo | null,
  ): Promise<IntentRecord> {
    const record: IntentRecord = {
      type: 'intent',
      run_id: runId,
      intent_id: randomUUID(),
      login_name: loginName,
      file,
      organization_name: organizationName ?? null,
      plan,
      at: now(),
    };
    await this.append(record);
    return record;
  }

  recordCreated(intentId: string, encodedAccountId: string, how: CreatedRecord['how']): Promise<void> {
    return this.append({ type: 'created', intent_id: intentId, encoded_account_id: encodedAccountId, how, at: now() });
  }

  recordPending(intentId: string, reason: string): Promise<void> {
    return this.append({ type: 'pending', intent_id: intentId, reason, at: now() });
  }

  recordWritten(intentId: string, file: string): Promise<void> {
    return this.append({ type: 'written', intent_id: intentId, file, at: now() });
  }

  recordPlanned(intentId: string): Promise<void> {
    return this.append({ type: 'planned', intent_id: intentId, at: now() });
  }

  async recordSsoIntent(
    runId: string,
    encodedAccountId: string,
    loginName: string,
    file: string,
  ): Promise<SsoIntentRecord> {
    const record: SsoIntentRecord = {
      type: 'sso_intent',
      run_id: runId,
      intent_id: randomUUID(),
      encoded_account_id: encodedAccountId,
      login_name: loginName,
      file,
      at: now(),
    };
    await this.append(record);
    return record;
  }

  recordSsoCreated(intentId: string, how: SsoCreatedRecord['how']): Promise<void> {
    return this.append({ type: 'sso_created', intent_id: intentId, how, at: now() });
  }

  recordReleased(intent: IntentRecord, knownIds: Iterable<string>, reason: string): Promise<void> {
    return this.append({
      type: 'released',
      intent_id: intent.intent_id,
      login_name: intent.login_name,
      known_ids: [...knownIds].sort(),
      reason,
      at: now(),
    });
  }

  /** Releases whose create has not been posted again yet, by lower-cased login. */
  releasedLogins(): Map<string, ReleasedRecord> {
    const released = new Map<string, ReleasedRecord>();
    for (const record of this.records) {
      if (record.type === 'released') released.set(record.login_name.toLowerCase(), record);
      else if (record.type === 'intent') released.delete(record.login_name.toLowerCase());
    }
    return released;
  }

  recordAbandoned(intentId: string, reason: string): Promise<void> {
    return this.append({ type: 'abandoned', intent_id: intentId, reason, at: now() });
  }

  openIntents(): OpenIntent[] {
    const runs = new Map<string, RunRecord>();
    const intents = new Map<string, OpenIntent>();
    for (const record of this.records) {
      if (record.type === 'run') runs.set(record.run_id, record);
      else if (record.type === 'intent')
        intents.set(record.intent_id, {
          intent: record,
          run: runs.get(record.run_id),
          created: undefined,
          pending: undefined,
          written: undefined,
        });
      else if (record.type === 'pending') {
        const open = intents.get(record.intent_id);
        if (open) open.pending = record;
      } else if (record.type === 'created' || record.type === 'written') {
        const pending = intents.get(record.intent_id);
        if (pending && record.type === 'created') pending.created = record;
        if (pending && record.type === 'written') {
          if (!pending.intent.plan) intents.delete(record.intent_id);
          else pending.written = record;
        }
      } else if (record.type !== 'sso_intent' && record.type !== 'sso_created') intents.delete(record.intent_id);
    }
    return [...intents.values()];
  }

  /** SSO user creates still open; `written` (created_at in the file) and `abandoned` close one. */
  openSsoIntents(): OpenSsoIntent[] {
    const intents = new Map<string, OpenSsoIntent>();
    for (const record of this.records) {
      if (record.type === 'sso_intent') intents.set(record.intent_id, { intent: record, created: undefined });
      else if (record.type === 'sso_created') {
        const pending = intents.get(record.intent_id);
        if (pending) pending.created = record;
      } else if (record.type === 'written' || record.type === 'abandoned') intents.delete(record.intent_id);
    }
    return [...intents.values()];
  }

  /**
   * Rewrites the journal with only what open intents need; removes it when nothing is open. A release
   * is kept while `wantedLogins` (lower-cased, the files still without an id; default all) names its login.
   */
  async compact(wantedLogins?: ReadonlySet<string>): Promise<void> {
    const pending = this.openIntents();
    const pendingSso = this.openSsoIntents();
    const invalid = this.problems.map((problem) => `${problem.text}\n`).join('');
    const released = new Set(
      [...this.releasedLogins()].flatMap(([login, record]) => (wantedLogins?.has(login) === false ? [] : [record])),
    );
    if (pending.length === 0 && pendingSso.length === 0 && invalid === '' && released.size === 0) {
      this.records = [];
      await rm(this.file, { force: true });
      return;
    }
    const keepRuns = new Set([...pending, ...pendingSso].map((item) => item.intent.run_id));
    const keepIntents = new Set([...pending, ...pendingSso].map((item) => item.intent.intent_id));
    const kept = this.records.filter((record) =>
      record.type === 'released'
        ? released.has(record)
        : record.type === 'run'
          ? keepRuns.has(record.run_id)
          : record.type === 'abandoned' || record.type === 'planned'
            ? false
            : keepIntents.has(record.intent_id),
    );
    await writeFileAtomic(this.file, kept.map((record) => `${JSON.stringify(record)}\n`).join('') + invalid);
    this.records = kept;
  }

  private async append(record: JournalRecord): Promise<void> {
    const handle = await open(this.file, 'a');
    try {
      await handle.write(`${JSON.stringify(record)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    this.records.push(record);
  }
}

function journalProblem(file: string, line: number, text: string, what: string, login?: string): JournalProblem {
  const about =
    login !== undefined ? ` It names ${login}, whose create is not posted again until the line is dealt with.` : '';
  const message =
    `${file}:${line}: ignored, not a journal record: ${what}.${about}` +
    (' If it recorded a create, check in CTCT whether that account exists (import adopts ' +
      'it), then fix or delete the line by hand; the rest of the journal is used as usual');
  return { line, message, text, ...(login !== undefined && { login_name: login }) };
}

function now(): string {
  return new Date().toISOString();
}
