// Apply of 200 creates with paid plans (POST + PUT plan each) at the real per-second limit:
// the rate achieved as a share of the limit, and the throttled (429) answers it caused.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runApply } from '../dist/commands/run-apply.js';
import { startSimulator } from '../dist/simulator/simulator.js';
import { figure, formatNumber, now, simEnv, tempDir } from './lib.mjs';

const CREATES = 200;
const PAID = ['BRONZE', 'SILVER', 'GOLD'];
const STATES = ['MA', 'NY', 'CA', 'TX'];

function writeCreateFiles(cwd, rps) {
  mkdirSync(path.join(cwd, 'accounts'), { recursive: true });
  writeFileSync(
    path.join(cwd, 'ctct-gitops.yaml'),
    `requests_per_second: ${rps}\nsafety:\n  max_creates: ${CREATES}\n`,
  );
  for (let i = 1; i <= CREATES; i++) {
    const n = String(i).padStart(4, '0');
    writeFileSync(
      path.join(cwd, 'accounts', `bench-client-${n}.yaml`),
      [
        `login_name: bench_client_${n}`,
        `contact_email: owner${n}@bench.example.com`,
        'country_code: US',
        `state_code: ${STATES[i % STATES.length]}`,
        `organization_name: Bench Client ${n}`,
        `partner_account_id: bench-${n}`,
        'plan:',
        `  plan_type: ${PAID[i % PAID.length]}`,
        `  billing_day_of_month: ${1 + (i % 28)}`,
        '',
      ].join('\n'),
    );
  }
}

export async function benchApply(rps) {
  const sim = await startSimulator({ requestsPerSecond: rps, dailyQuota: 0 });
  try {
    const cwd = tempDir(`apply-${rps}`);
    writeCreateFiles(cwd, rps);
    const started = now();
    const result = await runApply({ cwd, yes: true, force: false, simulator: false, env: simEnv(sim), confirm: null });
    const wallMs = now() - started;
    const accepted = sim.stats.acceptedAt.length;
    const achieved = accepted / (wallMs / 1000);
    const share = achieved / rps;
    const live = sim.accounts();
    const converged =
      live.length === CREATES && live.every((a) => a.billing_status === 'Open' && PAID.includes(a.plan_type));
    const applied = result.report?.summary.applied ?? 0;
    const times = sim.stats.acceptedAt;
    const spanRate = times.length > 1 ? ((times.length - 1) * 1000) / (times[times.length - 1] - times[0]) : 0;
    const detail = {
      requests_per_second: rps,
      accepted_partner_requests: accepted,
      by_operation: { ...sim.stats.byOperation },
      wall_ms: Math.round(wallMs),
      achieved_rps: achieved,
      first_to_last_rps: spanRate,
      applied,
      failed: result.report?.summary.failed ?? null,
      accounts_converged: converged,
    };
    return [
      figure({
        id: `apply_${rps}rps_share`,
        label: `Apply 200 paid creates @${rps}/s: rate ÷ limit`,
        value: share,
        display: `${share.toFixed(3)} (${achieved.toFixed(2)}/s, ${formatNumber(accepted)} calls in ${(wallMs / 1000).toFixed(1)} s)`,
        goal: '≥ 0.95',
        pass: share >= 0.95 && applied === CREATES && converged,
        detail,
      }),
      figure({
        id: `apply_${rps}rps_throttled`,
        label: `Apply 200 paid creates @${rps}/s: throttled (429)`,
        value: sim.stats.throttled,
        goal: '= 0',
        pass: sim.stats.throttled === 0,
      }),
    ];
  } finally {
    await sim.close();
  }
}
