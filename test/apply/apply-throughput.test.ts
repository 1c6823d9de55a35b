import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import {
  accountsByLogin,
  cliEnv,
  createFileText,
  idLines,
  makeWorkspace,
  readText,
  startTestSim,
  withoutIdLine,
} from './apply-harness.js';

const SLOW = process.env['CTCT_GITOPS_SLOW_TESTS'] === '1';
const COUNT = 200;
const LIMIT = 4;
const PLANS = ['BRONZE', 'SILVER', 'GOLD'] as const;

/**
 * The throughput measurement of the apply issue: 200 creates with paid plans (400 calls) against
 * the simulator at 4 requests/s, the client at 4 requests/s. It prints the figures; it asserts only
 * correctness and that the simulator never had to throttle. About 100 s: run with
 * CTCT_GITOPS_SLOW_TESTS=1.
 */
describe('apply throughput', () => {
  it.runIf(SLOW)(
    `${COUNT} creates with paid plans against a simulator at ${LIMIT} requests/s`,
    async () => {
      const sim = await startTestSim({ requestsPerSecond: LIMIT });
      const logins = Array.from({ length: COUNT }, (_, i) => `throughput_${String(i + 1).padStart(3, '0')}`);
      const files = Object.fromEntries(
        logins.map((login, i) => [
          `accounts/${login}.yaml`,
          createFileText(login, { plan: PLANS[i % PLANS.length]!, day: (i % 28) + 1 }),
        ]),
      );
      const cwd = await makeWorkspace({
        ...files,
        'ctct-gitops.yaml': `requests_per_second: ${LIMIT}\nsafety:\n  max_creates: ${COUNT}\n`,
      });

      const started = Date.now();
      const result = await runCli(['apply', '--yes'], { cwd, env: cliEnv(sim), timeoutMs: 300_000 });
      const ended = Date.now();
      expect(result.code, result.stdout.slice(-2000) + result.stderr).toBe(0);

      const accepted = sim.stats.acceptedAt.filter((t) => t >= started && t <= ended);
      const wallSeconds = (ended - started) / 1000;
      const rate = accepted.length / wallSeconds;
      const first = accepted[0]!;
      const last = accepted[accepted.length - 1]!;
      const steadyRate = (accepted.length - 1) / ((last - first) / 1000);
      console.log(
        [
          `apply throughput: ${COUNT} creates with paid plans, simulator and client at ${LIMIT} requests/s`,
          `  partner requests accepted during the apply: ${accepted.length} ` +
            `(createAccount ${sim.stats.byOperation['createAccount']}, ` +
            `setPlan ${sim.stats.byOperation['setPlan']}, ` +
            `listAccounts ${sim.stats.byOperation['listAccounts']})`,
          `  wall time of the CLI run: ${wallSeconds.toFixed(1)} s`,
          `  achieved rate: ${rate.toFixed(2)} requests/s ` +
            `= ${((rate / LIMIT) * 100).toFixed(1)} % of the limit (goal ≥ 90 %)`,
          `  first to last accepted request: ${steadyRate.toFixed(2)} requests/s ` +
            `= ${((steadyRate / LIMIT) * 100).toFixed(1)} % of the limit`,
          `  throttled responses: ${sim.stats.throttled} (goal 0); token requests: ${sim.stats.tokenRequests}`,
        ].join('\n'),
      );

      expect(sim.stats.throttled).toBe(0);
      expect(sim.stats.byOperation['createAccount']).toBe(COUNT);
      expect(sim.stats.byOperation['setPlan']).toBe(COUNT);
      const byLogin = accountsByLogin(sim);
      expect(sim.accounts()).toHaveLength(COUNT);
      for (const [i, login] of logins.entries()) {
        expect(byLogin.get(login)?.length, login).toBe(1);
        const live = sim.findByLogin(login)!;
        expect(live.plan_type, login).toBe(PLANS[i % PLANS.length]);
        expect(live.billing_day_of_month, login).toBe((i % 28) + 1);
        const file = `accounts/${login}.yaml`;
        const text = await readText(cwd, file);
        expect(idLines(text), file).toEqual([`encoded_account_id: ${live.encoded_account_id}`]);
        expect(withoutIdLine(text, live.encoded_account_id), file).toBe(files[file]);
      }
    },
    400_000,
  );
});
