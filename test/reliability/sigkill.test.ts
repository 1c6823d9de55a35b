import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cleanupAll,
  expectConverged,
  leaks,
  converge,
  makeRepo,
  seededRandom,
  startCanarySim,
  startCli,
  type Repo,
} from './harness.js';

/**
 * SIGKILL of `apply --yes` at random points (seeded, so a failing seed can be replayed) and at
 * chosen journal records; the lock and journal it leaves behind must let the next runs finish
 * without a duplicate account or a lost change.
 */

const SEEDS = [11, 23, 37, 41, 59, 73];
const tally = { scenarios: 0, killsLanded: 0, staleLocksTakenOver: 0, applyRuns: 0, duplicates: 0, lost: 0 };

afterAll(async () => {
  await cleanupAll();
  console.log(
    `[reliability] sigkill: ${tally.scenarios} scenarios, ${tally.killsLanded} ` +
      `SIGKILLs landed mid-apply, ${tally.staleLocksTakenOver} stale locks taken over, ` +
      `${tally.applyRuns} apply runs, ${tally.duplicates} ` +
      `duplicates, ${tally.lost} changes lost, ${leaks.length} leaks`,
  );
});

async function slowRepo(): Promise<Repo> {
  const sim = await startCanarySim();
  const repo = await makeRepo(sim);
  // Slow enough (about 3.5 s per apply) that a kill between 0.3 and 3 s lands anywhere from
  // start-up to the last cancel; the latency is removed again before the re-runs.
  sim.faults.add({ kind: 'latency', ms: 300, times: Infinity });
  return repo;
}

async function afterKill(repo: Repo, killed: boolean, label: string): Promise<void> {
  repo.sim.faults.clear();
  const lockLeft = existsSync(path.join(repo.dir, '.ctct-gitops', 'apply.lock'));
  if (process.env['RELY_VERBOSE']) {
    const journal = path.join(repo.dir, '.ctct-gitops', 'journal.jsonl');
    const records = existsSync(journal)
      ? (await readFile(journal, 'utf8'))
          .split('\n')
          .filter(Boolean)
          .map((line) => line.slice(0, 20))
      : [];
    console.log(
      `${label}: killed=${killed} lockLeft=${lockLeft} ` +
        `live=${repo.sim.accounts().length} journal=${records.length} records`,
    );
  }
  const runs = await converge(repo);
  tally.scenarios++;
  tally.applyRuns += runs.length + 1;
  if (killed) tally.killsLanded++;
  if (lockLeft && runs[0]?.code !== null) tally.staleLocksTakenOver++;
  const last = runs.at(-1)!;
  expect(last.code, runs.map((r) => `exit ${r.code}\n${r.stdout}${r.stderr}`).join('\n---\n')).toBe(0);
  // A lock left by the killed process (same host, pid gone) never blocks the next run.
  for (const run of runs) expect(run.stderr).not.toMatch(/another apply is running/);
  const findings = await expectConverged(repo);
  tally.duplicates += findings.duplicates.length;
  tally.lost += findings.lost.length + findings.idProblems.length;
}

describe('SIGKILL of apply, then re-run until converged', () => {
  // The kill lands after a seeded number of write requests has reached CTCT, so it always falls
  // mid-apply however fast or slow the machine is (a timed kill may land before or after it).
  for (const seed of SEEDS) {
    it(`seed ${seed}: kill after a random number of writes`, async () => {
      const repo = await slowRepo();
      const writes = () =>
        ['createAccount', 'setPlan', 'cancelAccount'].reduce(
          (sum, op) => sum + (repo.sim.stats.byOperation[op] ?? 0),
          0,
        );
      const before = writes();
      const after = 1 + Math.floor(seededRandom(seed)() * 6);
      const child = startCli(repo, ['apply', '--yes', '--report', 'killed.json']);
      let finished = false;
      void child.done.then(() => (finished = true));
      while (!finished && writes() - before < after) await sleep(2);
      child.kill();
      const result = await child.done;
      expect(
        result.code,
        `the kill after ${after} writes must land before apply ends:\n${result.stdout}${result.stderr}`,
      ).toBeNull();
      await afterKill(repo, true, `seed ${seed} (${after} writes)`);
    }, 120_000);
  }

  it('kill while creates answered 503 are still being provisioned', async () => {
    const sim = await startCanarySim({ provisionDelayMs: 2500 });
    const repo = await makeRepo(sim);
    sim.faults.add({ method: 'POST', path: '/v3/partner/accounts', kind: 'provision-later', times: 3 });
    const journal = path.join(repo.dir, '.ctct-gitops', 'journal.jsonl');
    const child = startCli(repo, ['apply', '--yes']);
    let finished = false;
    void child.done.then(() => (finished = true));
    while (!finished) {
      const text = existsSync(journal) ? await readFile(journal, 'utf8').catch(() => '') : '';
      if (text.includes('"type":"intent"')) {
        // The 503 answers arrive at once; the accounts appear 2.5 s later, after the kill.
        await sleep(300);
        child.kill();
        break;
      }
      await sleep(2);
    }
    const result = await child.done;
    await afterKill(repo, result.code === null, 'provision-later');
  }, 120_000);

  for (const record of ['intent', 'created', 'written'] as const) {
    it(`kill as soon as the journal has its first "${record}" record`, async () => {
      const repo = await slowRepo();
      const journal = path.join(repo.dir, '.ctct-gitops', 'journal.jsonl');
      const child = startCli(repo, ['apply', '--yes']);
      let finished = false;
      void child.done.then(() => (finished = true));
      while (!finished) {
        const text = existsSync(journal) ? await readFile(journal, 'utf8').catch(() => '') : '';
        if (text.includes(`"type":"${record}"`)) {
          child.kill();
          break;
        }
        await sleep(2);
      }
      const result = await child.done;
      expect(result.code, `the kill at the first "${record}" record must land before apply ends`).toBeNull();
      await afterKill(repo, true, record);
    }, 120_000);
  }
});
