// Memory and time at 10,000 and 50,000 accounts (issue #20): load + validate + full plan against
// a simulator with no rate limit. The simulator runs in this (the bench) process and the plan in a
// child, so the child's peak RSS is the tool's alone. Times are compared as ratios of the same run.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startSimulator } from '../dist/simulator/simulator.js';
import { figure, formatNumber, tempDir, writeAccountFiles } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const runFile = promisify(execFile);

/** Peak RSS before this round's changes, in-process simulator included (issue #20). */
const BEFORE_50000_MB = 607;

async function measure(n) {
  const sim = await startSimulator({ seed: n, requestsPerSecond: 0, dailyQuota: 0 });
  try {
    const cwd = tempDir(`scale-${n}`);
    writeAccountFiles(cwd, sim.accounts());
    const { stdout } = await runFile(process.execPath, ['--expose-gc', path.join(here, 'scale-plan.mjs'), cwd], {
      env: {
        ...process.env,
        SIM: JSON.stringify({ baseUrl: sim.baseUrl, tokenUrl: sim.tokenUrl, credentials: sim.credentials }),
      },
      maxBuffer: 16 * 1024 * 1024,
    });
    const result = JSON.parse(stdout.trim().split('\n').pop());
    if (result.problems !== 0 || result.managed_accounts !== n)
      throw new Error(
        `the plan over ${n} accounts has ${result.problems} problems, ${result.managed_accounts} managed`,
      );
    return { cwd, result };
  } finally {
    await sim.close();
  }
}

/** Peak RSS of the same plan with the simulator in the same process, as before this round (for comparison). */
async function measureInProcess(cwd, n) {
  const { stdout } = await runFile(
    process.execPath,
    ['--expose-gc', path.join(here, 'full-plan-rss.mjs'), cwd, String(n)],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout.trim().split('\n').pop());
}

export async function benchScale() {
  const small = await measure(10_000);
  const big = await measure(50_000);
  const inProcess = await measureInProcess(big.cwd, 50_000);
  const a = small.result;
  const b = big.result;
  const mb = b.max_rss_kb / 1024;
  const inProcessMb = inProcess.max_rss_kb / 1024;
  // CPU times (best of 5 for computePlan): on a shared machine wall times vary by 2× between runs.
  const growth = b.compute_plan_cpu_ms / a.compute_plan_cpu_ms;
  const share = (r) => r.compute_plan_cpu_ms / r.load_validate_cpu_ms;
  return [
    figure({
      id: 'full_plan_50000_peak_rss_mb',
      label: 'Full plan over 50,000 accounts: peak RSS (simulator apart)',
      value: Math.round(mb),
      unit: 'MB',
      display: `${Math.round(mb)} MB (10,000: ${Math.round(a.max_rss_kb / 1024)} MB)`,
      goal: `< 400 MB (before: ${BEFORE_50000_MB} MB)`,
      pass: mb < 400,
      detail: { n10000: a, n50000: b },
    }),
    figure({
      id: 'full_plan_50000_peak_rss_in_process_mb',
      label: 'Full plan over 50,000 accounts: peak RSS, simulator in-process',
      value: Math.round(inProcessMb),
      unit: 'MB',
      goal: `info (before: ${BEFORE_50000_MB} MB)`,
      detail: inProcess,
    }),
    figure({
      id: 'compute_plan_growth_50000_vs_10000',
      label: 'computePlan 50,000 ÷ 10,000 accounts (linear: 5)',
      value: Math.round(growth * 100) / 100,
      display: `${growth.toFixed(2)}× (CPU ${formatNumber(b.compute_plan_cpu_ms)} vs ${formatNumber(a.compute_plan_cpu_ms)} ms)`,
      goal: '≤ 5.5×',
      pass: growth <= 5.5,
    }),
    ...[a, b].map((r, i) =>
      figure({
        id: `compute_plan_share_${i === 0 ? 10_000 : 50_000}`,
        label: `computePlan ÷ load + validate, ${i === 0 ? '10,000' : '50,000'} files`,
        value: Math.round(share(r) * 1000) / 10,
        unit: '%',
        display: `${(share(r) * 100).toFixed(1)} % (CPU ${formatNumber(r.compute_plan_cpu_ms)} vs ${formatNumber(r.load_validate_cpu_ms)} ms)`,
        goal: '≤ 10 %',
        pass: share(r) <= 0.1,
      }),
    ),
  ];
}
