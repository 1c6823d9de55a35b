import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import {
  accountsByLogin,
  cliEnv,
  createFileText,
  exists,
  idLines,
  journalPath,
  lockPath,
  makeWorkspace,
  readText,
  spawnCli,
  startTestSim,
  waitFor,
  withoutIdLine,
  type Finished,
} from './apply-harness.js';

const PLANS = ['BRONZE', 'SILVER', 'GOLD'] as const;
const COUNT = 20;
const MAX_RUNS = 5;

/**
 * `apply --yes` of 20 creates with paid plans against a simulator at 4 requests/s, killed with
 * SIGKILL once the simulator holds `killAfter` accounts; then apply again until it succeeds.
 */
async function killAndRecover(killAfter: number, finished: Finished): Promise<void> {
  const sim = await startTestSim({ requestsPerSecond: 4 }, finished);
  const logins = Array.from({ length: COUNT }, (_, i) => `killed_${killAfter}_${String(i + 1).padStart(2, '0')}`);
  const files = Object.fromEntries(
    logins.map((login, i) => [
      `accounts/${login}.yaml`,
      createFileText(login, { plan: PLANS[i % PLANS.length]!, day: (i % 28) + 1, passwordEnv: 'KILL_TEST_PW' }),
    ]),
  );
  const cwd = await makeWorkspace({ ...files, 'ctct-gitops.yaml': 'requests_per_second: 4\n' }, finished);
  const env = cliEnv(sim, { KILL_TEST_PW: 'Correct-Horse-9' });

  const first = spawnCli(['apply', '--yes'], { cwd, env }, finished);
  let exited = false;
  void first.done.then(() => (exited = true));
  await waitFor(() => exited || sim.accounts().length >= killAfter, 60_000, 5);
  if (exited) {
    const exit = await first.done;
    throw new Error(
      `apply ended (${exit.code}) before ${killAfter} accounts were stored:\n${exit.stdout}\n${exit.stderr}`,
    );
  }
  first.child.kill('SIGKILL');
  const killed = await first.done;
  expect(killed.signal).toBe('SIGKILL');
  const storedAtKill = sim.accounts().length;
  expect(storedAtKill).toBeGreaterThanOrEqual(killAfter);
  expect(storedAtKill).toBeLessThanOrEqual(COUNT);
  // The killed run left its journal and its lock (with a dead pid) behind; the next run takes both over.
  expect(exists(journalPath(cwd))).toBe(true);
  expect(exists(lockPath(cwd))).toBe(true);

  const codes: Array<number | null> = [];
  let last = { code: null as number | null, stdout: '', stderr: '' };
  while (codes.length < MAX_RUNS && last.code !== 0) {
    last = await runCli(['apply', '--yes'], { cwd, env, timeoutMs: 90_000 });
    codes.push(last.code);
  }
  expect(
    last.code,
    `apply runs after the kill exited ${codes.join(', ')}; last output:\n${last.stdout}\n${last.stderr}`,
  ).toBe(0);

  // Exactly one live account per login name, and no account that no file names.
  const byLogin = accountsByLogin(sim);
  expect([...byLogin.keys()].sort()).toEqual([...logins].sort());
  for (const login of logins) expect(byLogin.get(login)?.length, login).toBe(1);
  expect(sim.accounts()).toHaveLength(COUNT);

  // Every file has its account's id exactly once, and nothing else in it changed.
  for (const [i, login] of logins.entries()) {
    const file = `accounts/${login}.yaml`;
    const text = await readText(cwd, file);
    const live = sim.findByLogin(login)!;
    expect(idLines(text), file).toEqual([`encoded_account_id: ${live.encoded_account_id}`]);
    expect(withoutIdLine(text, live.encoded_account_id), file).toBe(files[file]);
    expect(live.plan_type, login).toBe(PLANS[i % PLANS.length]);
    expect(live.has_password, login).toBe(true);
  }

  const plan = await runCli(['plan', '--detailed-exitcode'], { cwd, env, timeoutMs: 90_000 });
  expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  expect(exists(journalPath(cwd))).toBe(false);
  expect(exists(lockPath(cwd))).toBe(false);
}

describe.concurrent('apply killed with SIGKILL, then run again', () => {
  it('killed after the first account was stored: converges with no duplicate', async ({ onTestFinished }) => {
    await killAndRecover(1, (cleanup) => onTestFinished(async () => void (await cleanup())));
  }, 180_000);

  it('killed after about half the accounts were stored: converges with no duplicate', async ({ onTestFinished }) => {
    await killAndRecover(COUNT / 2, (cleanup) => onTestFinished(async () => void (await cleanup())));
  }, 180_000);

  it('killed after every account was stored, while plans are still being set: converges with no duplicate', async ({
    onTestFinished,
  }) => {
    await killAndRecover(COUNT, (cleanup) => onTestFinished(async () => void (await cleanup())));
  }, 180_000);
});
