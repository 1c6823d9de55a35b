import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApplyReport } from '../../src/apply/apply-plan.js';
import { CLI_PATH } from '../helpers/run-cli.js';
import {
  cleanupAll,
  expectConverged,
  leaks,
  cli,
  makeRepo,
  readOpenIntents,
  startCanarySim,
  startCli,
  type Repo,
} from './harness.js';

/**
 * A daily quota spent in the middle of an apply, and two applies on one repository at once.
 */

const DAY_MS = 86_400_000;
const tally = { scenarios: 0, quotaStops: 0, lockRefusals: 0, staleLocksTakenOver: 0, duplicates: 0 };

afterAll(async () => {
  await cleanupAll();
  console.log(
    `[reliability] quota-and-lock: ${tally.scenarios} scenarios, ${tally.quotaStops} ` +
      `quota stops, ${tally.lockRefusals} lock refusals, ` +
      `${tally.staleLocksTakenOver} stale locks taken over, ${tally.duplicates} duplicates, ${leaks.length} leaks`,
  );
});

async function readReport(repo: Repo, name: string): Promise<ApplyReport> {
  return JSON.parse(await readFile(path.join(repo.dir, name), 'utf8')) as ApplyReport;
}

function duplicateLogins(repo: Repo): string[] {
  const seen = new Map<string, number>();
  for (const account of repo.sim.accounts())
    seen.set(account.login_name.toLowerCase(), (seen.get(account.login_name.toLowerCase()) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([login]) => login);
}

async function expectConvergedAndCount(repo: Repo): Promise<void> {
  tally.duplicates += (await expectConverged(repo)).duplicates.length;
}

describe('quota_exceeded in the middle of an apply', () => {
  it('stops with exit 1 and the 00:00 UTC reset, skips the ' +
    'rest, and the next day finishes without duplicates', async () => {
    // The simulator's clock: the seeding happens "yesterday", the apply today, the re-run tomorrow.
    let offset = -DAY_MS;
    // This apply needs 2 reads (list, one plan) and 14 writes (7 creates, 4 plans of paid creates,
    // 2 updates, 1 cancel): a quota of 8 runs out in the middle of the creates.
    const sim = await startCanarySim({ dailyQuota: 8, now: () => Date.now() + offset });
    const repo = await makeRepo(sim);
    offset = 0;
    tally.scenarios++;

    const first = await cli(repo, ['apply', '--yes', '--report', 'quota.json']);
    const output = first.stdout + first.stderr;
    expect(first.code, output).toBe(1);
    expect(output).toMatch(/resets at 00:00 UTC/);
    expect(sim.stats.quotaExceeded).toBeGreaterThan(0);
    tally.quotaStops++;
    const report = await readReport(repo, 'quota.json');
    expect(report.summary.applied).toBeGreaterThan(0);
    expect(report.summary.skipped).toBeGreaterThan(0);
    // Skipped changes were never attempted; failed ones failed on the quota (or on the plan PUT of a
    // create that itself succeeded), never on a conflict with an account made twice.
    for (const outcome of report.outcomes.filter((o) => o.status === 'skipped'))
      expect(outcome.error).toMatch(/not attempted: .*00:00 UTC/);
    for (const outcome of report.outcomes.filter((o) => o.status === 'failed')) {
      expect(outcome.error).toMatch(/quota_exceeded|Limit Exceeded|00:00 UTC/);
      expect(outcome.error).not.toMatch(/409|already in use/);
    }
    // Nothing was changed beyond the quota; what was created is written back, nothing left open.
    expect(duplicateLogins(repo)).toEqual([]);
    expect(await readOpenIntents(repo.dir)).toEqual([]);
    const createdSoFar = sim.accounts().length;
    expect(createdSoFar).toBeLessThan(repo.specs.length);

    // The same day: refused at the first request, nothing changes.
    const sameDay = await cli(repo, ['apply', '--yes']);
    expect(sameDay.code).toBe(1);
    expect(sameDay.stdout + sameDay.stderr).toMatch(/00:00 UTC/);
    expect(sim.accounts()).toHaveLength(createdSoFar);

    // Past 00:00 UTC of the simulator's clock the quota is back and the journal lets the run go
    // on. A quota of 8 covers only part of what is left, so each day's run may stop the same way
    // and the next day goes on from where it stopped (one apply a day, at most 5 days).
    const runs: Array<{ code: number | null; stdout: string; stderr: string }> = [];
    for (let day = 1; day <= 5 && runs.at(-1)?.code !== 0; day++) {
      offset = day * DAY_MS;
      const run = await cli(repo, ['apply', '--yes', '--report', `day-${day}.json`]);
      runs.push(run);
      if (run.code !== 0) {
        tally.quotaStops++;
        expect(run.stdout + run.stderr).toMatch(/00:00 UTC/);
        expect(run.stdout + run.stderr).not.toMatch(/409|already in use/);
      }
    }
    expect(runs.at(-1)!.code, runs.map((r) => r.stdout + r.stderr).join('\n---\n')).toBe(0);
    offset += DAY_MS;
    await expectConvergedAndCount(repo);
  }, 120_000);
});

describe('quota_exceeded while a create with an unknown outcome is being resolved', () => {
  it('leaves the intent open; the next day the journal finds the account, no second POST', async () => {
    let offset = 0;
    // Day 1: the list, then the create (stored, connection dropped), then the listing that would
    // resolve it meets the spent quota.
    const sim = await startCanarySim({ dailyQuota: 2, now: () => Date.now() + offset });
    const repo = await makeRepo(sim, [
      {
        file: 'new/only.yaml',
        login: 'rely_only_one',
        country: 'US',
        state: 'MA',
        planType: 'GOLD',
        billingDay: 3,
        passwordEnv: 'RELY_PW_1',
      },
    ]);
    tally.scenarios++;
    sim.faults.add({ method: 'POST', path: '/v3/partner/accounts', kind: 'drop-after-store', times: 1 });
    const first = await cli(repo, ['apply', '--yes']);
    expect(first.code).toBe(1);
    expect(first.stdout + first.stderr).toMatch(/00:00 UTC/);
    tally.quotaStops++;
    expect(await readOpenIntents(repo.dir)).toEqual(['rely_only_one']);
    const posts = sim.stats.byOperation['createAccount'];

    for (let day = 1; day <= 4; day++) {
      offset = day * DAY_MS;
      const run = await cli(repo, ['apply', '--yes']);
      if (run.code === 0) break;
      expect(run.stdout + run.stderr).toMatch(/00:00 UTC/);
    }
    // The account made on day 1 was found by listing: never POSTed again.
    expect(sim.stats.byOperation['createAccount']).toBe(posts);
    offset += DAY_MS;
    await expectConvergedAndCount(repo);
  }, 60_000);
});

describe('two applies on one repository', () => {
  it('started at the same moment: one runs, the other refuses on the lock (or waits); never interleaved', async () => {
    const sim = await startCanarySim();
    const repo = await makeRepo(sim);
    sim.faults.add({ kind: 'latency', ms: 200, times: Infinity });
    const createsBefore = sim.stats.byOperation['createAccount'] ?? 0;
    tally.scenarios++;

    const a = startCli(repo, ['apply', '--yes', '--report', 'a.json']);
    const b = startCli(repo, ['apply', '--yes', '--report', 'b.json']);
    const lockFile = path.join(repo.dir, '.ctct-gitops', 'apply.lock');
    const holders = new Set<number>();
    let running = 2;
    void a.done.then(() => running--);
    void b.done.then(() => running--);
    while (running > 0) {
      const text = existsSync(lockFile) ? await readFile(lockFile, 'utf8').catch(() => '') : '';
      try {
        const lock = JSON.parse(text) as { pid: number; hostname: string; started_at: string };
        holders.add(lock.pid);
        expect(lock.hostname).toBe(hostname());
      } catch {
        // not there, or being written
      }
      await sleep(10);
    }
    const [ra, rb] = await Promise.all([a.done, b.done]);
    const codes = [ra.code, rb.code].sort();
    expect(codes[0], `${ra.stdout}${ra.stderr}\n---\n${rb.stdout}${rb.stderr}`).toBe(0);
    expect([0, 1]).toContain(codes[1]);
    // The lock names the process that holds it.
    expect(holders.size).toBeGreaterThan(0);
    for (const pid of holders) expect([a.pid, b.pid]).toContain(pid);
    for (const result of [ra, rb]) {
      if (result.code === 1) {
        tally.lockRefusals++;
        expect(result.stderr).toMatch(/another apply is (running|starting)/);
        expect(result.stderr).toMatch(/apply\.lock/);
        // It refused before changing anything: no outcome lines.
        expect(result.stdout).not.toMatch(/^[✓✗]/m);
      }
    }
    // Each login POSTed once: nobody ran the creates twice.
    expect((sim.stats.byOperation['createAccount'] ?? 0) - createsBefore).toBe(7);
    sim.faults.clear();
    await expectConvergedAndCount(repo);
  }, 120_000);

  it('a lock left by a dead process on this host is taken over', async () => {
    const sim = await startCanarySim();
    const repo = await makeRepo(sim);
    tally.scenarios++;
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    await mkdir(path.join(repo.dir, '.ctct-gitops'), { recursive: true });
    const lockFile = path.join(repo.dir, '.ctct-gitops', 'apply.lock');
    await writeFile(
      lockFile,
      JSON.stringify({ pid: dead, hostname: hostname(), started_at: new Date(Date.now() - 60_000).toISOString() }) +
        '\n',
    );
    const result = await cli(repo, ['apply', '--yes']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    tally.staleLocksTakenOver++;
    expect(existsSync(lockFile)).toBe(false);
    await expectConvergedAndCount(repo);
  }, 60_000);

  // Both see the same dead-pid lock as stale; the takeover lock lets only one of them hold it at a time.
  // On a busy machine one may get it after the other released it: that is correct, an overlap is not.
  it('two processes taking over the same stale lock at once: never both hold it', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const lockModule = path.join(path.dirname(CLI_PATH), 'apply', 'apply-lock.js');
    // Each process waits for the same instant, then takes the lock, holds it for 300 ms and says when.
    const script = `const { acquireApplyLock } = await import(${JSON.stringify(pathToFileURL(lockModule).href)});
      while (Date.now() < Number(process.argv[2])) {}
      try {
        const lock = await acquireApplyLock(process.argv[1]);
        const from = Date.now();
        await new Promise((r) => setTimeout(r, 300));
        const to = Date.now();
        await lock.release();
        console.log(JSON.stringify({ from, to }));
      } catch { console.log('refused'); }`;
    let overlaps = 0;
    let held = 0;
    for (let i = 0; i < 30; i++) {
      const dir = await mkdtemp(path.join(tmpdir(), 'ctct-lock-race-'));
      await writeFile(
        path.join(dir, 'apply.lock'),
        `${JSON.stringify({ pid: dead, hostname: hostname(), started_at: new Date().toISOString() })}\n`,
      );
      const start = String(Date.now() + 300);
      const outputs = await Promise.all(
        [0, 1].map(
          () =>
            new Promise<string>((resolve) => {
              execFile(process.execPath, ['--input-type=module', '-e', script, dir, start], (_error, stdout) =>
                resolve(stdout.trim()),
              );
            }),
        ),
      );
      await rm(dir, { recursive: true, force: true });
      const spans = outputs
        .filter((out) => out !== 'refused')
        .map((out) => JSON.parse(out) as { from: number; to: number });
      held += spans.length;
      if (spans.length === 2 && spans[0]!.from < spans[1]!.to && spans[1]!.from < spans[0]!.to) overlaps++;
    }
    expect(overlaps).toBe(0);
    expect(held).toBeGreaterThanOrEqual(30);
  }, 120_000);

  it('a lock held by a live process, or recently by another host, ' +
    'refuses without touching CTCT; an old foreign lock is taken over', async () => {
    const sim = await startCanarySim();
    const repo = await makeRepo(sim);
    tally.scenarios++;
    await mkdir(path.join(repo.dir, '.ctct-gitops'), { recursive: true });
    const lockFile = path.join(repo.dir, '.ctct-gitops', 'apply.lock');
    const writesBefore = () =>
      (sim.stats.byOperation['createAccount'] ?? 0) +
      (sim.stats.byOperation['setPlan'] ?? 0) +
      (sim.stats.byOperation['cancelAccount'] ?? 0);
    const before = writesBefore();

    for (const lock of [
      { pid: process.pid, hostname: hostname(), started_at: new Date().toISOString() },
      { pid: 1, hostname: 'ci-runner-elsewhere', started_at: new Date(Date.now() - 60 * 60_000).toISOString() },
    ]) {
      const text = `${JSON.stringify(lock)}\n`;
      await writeFile(lockFile, text);
      const result = await cli(repo, ['apply', '--yes']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`another apply is running \\(pid ${lock.pid} on ${lock.hostname}`));
      expect(await readFile(lockFile, 'utf8')).toBe(text);
      tally.lockRefusals++;
    }
    expect(writesBefore()).toBe(before);

    await writeFile(
      lockFile,
      `${JSON.stringify({
        pid: 1,
        hostname: 'ci-runner-elsewhere',
        started_at: new Date(Date.now() - 7 * 3600_000).toISOString(),
      })}\n`,
    );
    const result = await cli(repo, ['apply', '--yes']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    tally.staleLocksTakenOver++;
    await expectConvergedAndCount(repo);
  }, 60_000);
});
