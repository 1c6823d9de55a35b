import { mkdir } from 'node:fs/promises';
import { writeFileAtomic } from '../accounts/write-file-atomic.js';
import path from 'node:path';
import { acquireApplyLock } from '../apply/apply-lock.js';
import { applyPlan, type ApplyReport, type ProgressEvent } from '../apply/apply-plan.js';
import { explainUnaskedChanges, findUnaskedChanges, readSavedPlan } from '../apply/check-saved-plan.js';
import { countApiCalls, computeQuotaRefusals } from '../apply/daily-calls.js';
import { Journal } from '../apply/journal.js';
import { ssoUserKey } from '../apply/apply-sso-user.js';
import { recoverJournal, type RecoveryResult } from '../apply/recover-journal.js';
import { releasePending } from '../apply/release-pending.js';
import { InvalidInputError, RefusedError } from '../errors.js';
import { readAppliedBase, writeAppliedRef, type AppliedBase } from '../git/applied-ref.js';
import type { DesiredAccount, Plan } from '../model.js';
import { hasChanges } from '../render/describe-change.js';
import { escapeControl } from '../render/escape-control.js';
import { openCtct, STATE_DIR } from './open-ctct.js';
import { readPasswordEnv } from './read-password-env.js';
import type { ReadProgress } from '../plan/fetch-live-state.js';
import { computeWorkspacePlan, readWorkspace, type WorkspaceOptions } from './run-plan.js';

export interface ApplyRunOptions extends WorkspaceOptions {
  /** A plan saved with `plan --out`; without it a fresh plan is computed. */
  planFile?: string;
  changedSince?: string;
  /**
   * A git ref recording the last commit whose apply fully succeeded: files changed since it are
   * planned (every account without it), and this run's commit is recorded in it when it fully succeeds.
   */
  appliedRef?: string;
  /** Most partner API calls for reading live state (`--max-api-calls`). */
  maxApiCalls?: number;
  yes: boolean;
  force: boolean;
  simulator: boolean;
  env: NodeJS.ProcessEnv;
  reportFile?: string;
  /** Asks the person at the terminal; null where there is none. */
  confirm: ((plan: Plan) => Promise<boolean>) | null;
  onPlan?: (plan: Plan) => void;
  onRecovery?: (result: RecoveryResult) => void;
  onProgress?: (event: ProgressEvent) => void;
  /** Shows how long apply waits for a create whose outcome is unknown. */
  onWait?: (line: string) => void;
  /** Told as live state is read for the fresh plan or the check of a saved one. */
  onReadProgress?: (progress: ReadProgress) => void;
  log?: (line: string) => void;
  /** `--release-pending LOGIN`: pending creates CTCT never provisioned, to post again. */
  releasePending?: readonly string[];
  /** Waits between listings while resolving an unknown create (tests shorten them). */
  resolveDelaysMs?: readonly number[];
}

export type ApplyRunResult = {
  plan: Plan;
  report: ApplyReport | null;
  recovery: RecoveryResult | null;
  /** With `appliedRef`: the commit recorded in it, or null when the run did not fully succeed. */
  recorded?: { ref: string; commit: string } | null;
};

/**
 * `apply`: under the repository's apply lock, finishes what the journal says an earlier run left
 * open, computes (or re-checks a saved) plan, asks, and carries it out.
 */
export async function runApply(options: ApplyRunOptions): Promise<ApplyRunResult> {
  if (options.planFile !== undefined && options.targets !== undefined) {
    throw new InvalidInputError(
      [],
      `--target selects the accounts of a fresh plan; the saved plan ` +
        `${options.planFile} holds only what its own plan run targeted`,
    );
  }
  if (
    options.appliedRef !== undefined &&
    (options.planFile !== undefined || options.changedSince !== undefined || options.targets !== undefined)
  ) {
    throw new InvalidInputError(
      [],
      '--applied-ref plans every file changed since the last fully applied ' +
        'commit; it goes with neither a saved plan, --changed-since nor --target',
    );
  }
  const stateDir = path.join(options.cwd, STATE_DIR);
  await mkdir(stateDir, { recursive: true });
  // The files are read under the lock: a run that waited must see what the previous one wrote back.
  const lock = await acquireApplyLock(stateDir);
  try {
    let workspace = await readWorkspace(options);
    const connection = await openCtct({
      cwd: options.cwd,
      simulator: options.simulator,
      settings: workspace.settings,
      env: options.env,
      accounts: workspace.accounts,
      ...(options.log && { log: options.log }),
      ...(options.notice && { notice: options.notice }),
    });
    try {
      const { client } = connection;
      const env = readPasswordEnv({
        env: options.env,
        simulator: options.simulator,
        accounts: workspace.accounts,
        ...(options.notice && { notice: options.notice }),
      });
      const journal = await Journal.open(stateDir);
      for (const problem of journal.problems) options.notice?.(escapeControl(problem.message));
      if (options.releasePending !== undefined && options.releasePending.length > 0) {
        const released = await releasePending(journal, client, options.releasePending, workspace.accounts);
        for (const line of released) options.notice?.(escapeControl(line));
      }
      let recovery: RecoveryResult | null = null;
      const resolveDelaysMs =
        options.resolveDelaysMs ?? computeWaitDelays(workspace.settings.create_wait_seconds * 1000);
      if (journal.openIntents().length + journal.openSsoIntents().length > 0) {
        recovery = await recoverJournal(journal, client, {
          cwd: options.cwd,
          accounts: workspace.accounts,
          env,
          resolveDelaysMs,
          ...(options.onWait && { log: options.onWait }),
        });
        options.onRecovery?.(recovery);
        await journal.compact(uncreatedLogins(workspace.accounts));
        if (recovery.files_written.length > 0) workspace = await readWorkspace(options);
      }

      let applied: AppliedBase | null = null;
      if (options.appliedRef !== undefined) {
        applied = await readAppliedBase(options.cwd, options.appliedRef);
        options.notice?.(
          applied.since !== null
            ? `planning the files changed since ${applied.since.slice(0, 12)}, ` +
                `the last fully applied commit (${applied.ref})`
            : `planning every account: ${applied.reason}`,
        );
      }
      const changedSince = applied !== null ? (applied.since ?? undefined) : options.changedSince;
      let plan: Plan;
      let knownIds: Set<string> | null = null;
      if (options.planFile !== undefined) {
        plan = await readSavedPlan(options.cwd, options.planFile);
        if (plan.refresh_only)
          throw new InvalidInputError(
            [],
            `${options.planFile} is a refresh-only plan: it proposes nothing ` +
              `to apply; save a plan with plan --out (without --refresh-only)`,
          );
        // The plan of today's files and live state decides; the saved one only proposes.
        const current = (
          await computeWorkspacePlan(client, workspace, {
            cwd: options.cwd,
            force: options.force,
            env,
            ...(options.onReadProgress && { onReadProgress: options.onReadProgress }),
          })
        ).plan;
        if (current.problems.length > 0) throw new InvalidInputError(current.problems);
        const stale = await explainUnaskedChanges(findUnaskedChanges(plan, current), client, workspace.accounts);
        if (stale.length > 0) {
          throw new RefusedError(
            `the saved plan ${options.planFile} no longer matches live state or the ` +
              `files; run plan again.\n${stale.map((line) => `  - ${line}`).join('\n')}`,
          );
        }
        // Gates, protect and the orphan rule of today, whatever the saved plan says.
        plan = { ...plan, refusals: current.refusals, forced: current.forced };
      } else {
        const computed = await computeWorkspacePlan(client, workspace, {
          cwd: options.cwd,
          force: options.force,
          env,
          ...(changedSince !== undefined && { changedSince }),
          ...(options.maxApiCalls !== undefined && { maxApiCalls: options.maxApiCalls }),
          ...(options.onReadProgress && { onReadProgress: options.onReadProgress }),
        });
        plan = computed.plan;
        // Only the whole, unfiltered listing tells which accounts are new; a scoped or filtered read is listed again
        // below.
        if (computed.live.listed && workspace.settings.account_type === 'all')
          knownIds = new Set(computed.live.accounts.map((account) => account.encoded_account_id));
      }
      options.onPlan?.(plan);
      if (plan.problems.length > 0) throw new InvalidInputError(plan.problems);
      if (plan.refusals.length > 0) {
        throw new RefusedError(
          `the plan is refused by safety gates:\n${plan.refusals
            .map((r) => `  - ${r.gate}: ${r.message}${r.override ? ` (to pass: ${r.override})` : ''}`)
            .join('\n')}`,
        );
      }
      if (!hasChanges(plan)) {
        if (options.reportFile !== undefined) {
          const empty: ApplyReport = {
            format_version: 1,
            fingerprint: plan.fingerprint,
            summary: { applied: 0, failed: 0, skipped: 0 },
            outcomes: [],
            files_written: recovery?.files_written ?? [],
          };
          await writeFileAtomic(path.resolve(options.cwd, options.reportFile), `${JSON.stringify(empty, null, 2)}\n`);
        }
        return {
          plan,
          report: null,
          recovery,
          ...(applied && { recorded: await recordApplied(options.cwd, applied, recovery, null) }),
        };
      }

      if (!options.yes) {
        if (options.confirm === null)
          throw new RefusedError('apply changes CTCT accounts and needs --yes where no terminal can confirm');
        if (!(await options.confirm(plan))) throw new RefusedError('apply cancelled: nothing was changed');
      }
      if (knownIds === null && plan.changes.some((change) => change.action === 'create')) {
        knownIds = new Set((await client.listAccounts()).map((owner) => owner.encoded_account_id));
      }
      // Before the first write: a change whose calls the daily quota cannot cover is never started.
      const quotaLimit = workspace.settings.daily_quota;
      const quotaRefusals =
        quotaLimit === null
          ? undefined
          : computeQuotaRefusals(plan, {
              limit: quotaLimit,
              used: connection.callsToday + countApiCalls(client.calls),
            });
      if (quotaRefusals !== undefined && quotaRefusals.size > 0)
        options.notice?.(
          `daily quota: ${quotaRefusals.size} change${quotaRefusals.size === 1 ? '' : 's'} not ` +
            `started, their calls would pass the ${quotaLimit} calls CTCT allows this API key today (UTC)`,
        );
      const report = await applyPlan(plan, {
        ...(quotaRefusals !== undefined && { quotaRefusals }),
        client,
        cwd: options.cwd,
        journal,
        env,
        concurrency: workspace.settings.concurrency,
        knownIds: knownIds ?? new Set(),
        unresolvedLogins: new Set(
          [...(recovery?.unresolved ?? []), ...journal.problems].flatMap((item) =>
            item.login_name !== undefined ? [item.login_name.toLowerCase()] : [],
          ),
        ),
        released: new Map(
          [...journal.releasedLogins()].map(([login, record]) => [
            login,
            { ...record, known_ids: [...record.known_ids, ...namedIds(workspace.accounts)] },
          ]),
        ),
        unresolvedSsoUsers: new Set(
          (recovery?.sso.unresolved ?? []).map((item) => ssoUserKey(item.encoded_account_id, item.sso_user)),
        ),
        resolveDelaysMs,
        ...(options.onProgress && { onProgress: options.onProgress }),
        ...(options.onWait && { log: options.onWait }),
      });
      if (recovery !== null)
        report.files_written = [...new Set([...recovery.files_written, ...report.files_written])].sort();
      const createdFiles = new Set(
        report.outcomes.flatMap((o) => (o.action === 'create' && o.encoded_account_id !== null ? [o.file] : [])),
      );
      await journal.compact(uncreatedLogins(workspace.accounts.filter((account) => !createdFiles.has(account.file))));
      if (options.reportFile !== undefined)
        await writeFileAtomic(path.resolve(options.cwd, options.reportFile), `${JSON.stringify(report, null, 2)}\n`);
      return {
        plan,
        report,
        recovery,
        ...(applied && { recorded: await recordApplied(options.cwd, applied, recovery, report) }),
      };
    } finally {
      await connection.close();
    }
  } finally {
    await lock.release();
  }
}

/** Records the commit in the applied ref only when nothing was left undone: a failed change stays pending. */
async function recordApplied(
  cwd: string,
  applied: AppliedBase,
  recovery: RecoveryResult | null,
  report: ApplyReport | null,
): Promise<{ ref: string; commit: string } | null> {
  const undone =
    (recovery?.unresolved.length ?? 0) +
    (recovery?.sso.unresolved.length ?? 0) +
    (report === null ? 0 : report.summary.failed + report.summary.skipped);
  if (undone > 0) return null;
  await writeAppliedRef(cwd, applied);
  return { ref: applied.ref, commit: applied.head };
}

/** Logins of the files still without an id: a release of any other login has nothing left to guard. */
function uncreatedLogins(accounts: readonly DesiredAccount[]): Set<string> {
  return new Set(
    accounts.flatMap((account) =>
      account.encoded_account_id === undefined && account.login_name ? [account.login_name.toLowerCase()] : [],
    ),
  );
}

function namedIds(accounts: readonly { encoded_account_id?: string | undefined }[]): string[] {
  return accounts.flatMap((account) => (account.encoded_account_id ? [account.encoded_account_id] : []));
}

/** Pauses between listings that add up to `totalMs`, doubling from one second. */
export function computeWaitDelays(totalMs: number): number[] {
  const delays: number[] = [];
  for (let next = 1000, left = totalMs; left > 0; next *= 2) {
    delays.push(Math.min(next, left));
    left -= Math.min(next, left);
  }
  return delays;
}
