// Import of 1,000 seeded accounts: one list pass plus one GET …/plan per account not listed as
// Trial; then the first plan over the imported files must be empty.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeWorkspacePlan, readWorkspace } from '../dist/commands/run-plan.js';
import { startSimulator } from '../dist/simulator/simulator.js';
import { figure, formatNumber, pagesFor, REAL_RPS, simClient, simEnv, tempDir } from './lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The import command exists once src/commands/run-import.ts does (and was built). */
export function importAvailable() {
  return (
    existsSync(path.join(root, 'src/commands/run-import.ts')) &&
    existsSync(path.join(root, 'dist/commands/run-import.js'))
  );
}

export async function benchImport(n) {
  const { runImport } = await import('../dist/commands/run-import.js');
  const sim = await startSimulator({ seed: n, requestsPerSecond: 0, dailyQuota: 0 });
  try {
    const live = sim.accounts();
    const nonTrial = live.filter((a) => a.billing_status !== 'Trial').length;
    // Managed accounts: one more list pass to know which, and their details through sync (none for cancelled ones).
    const managed = live.filter((a) => a.managed_site_owner);
    const summaries = managed.filter((a) => a.billing_status !== 'Canceled').length;
    const budget = pagesFor(n) + pagesFor(managed.length) + nonTrial + summaries;
    const cwd = tempDir(`import-${n}`);
    const before = { ...sim.stats.byOperation };
    // Calls are counted, not timed: the client runs at the schema's highest rate instead of 4/s.
    const result = await runImport({
      cwd,
      dryRun: false,
      simulator: false,
      env: simEnv(sim),
      overrides: { requests_per_second: 100, concurrency: 8 },
    });
    const simCalls = ['listAccounts', 'getPlan', 'accountOperationsSync'].reduce(
      (sum, op) => sum + ((sim.stats.byOperation[op] ?? 0) - (before[op] ?? 0)),
      0,
    );
    const calls = result.calls.list + result.calls.plan + result.calls.summary;

    const workspace = await readWorkspace({ cwd });
    const client = simClient(sim);
    let plan;
    try {
      ({ plan } = await computeWorkspacePlan(client, workspace, { cwd, force: false }));
    } finally {
      await client.close();
    }
    const changes = plan.changes.length;
    return [
      figure({
        id: `import_${n}_calls`,
        label: `Import ${formatNumber(n)} seeded accounts: API calls`,
        value: calls,
        display: `${formatNumber(calls)} (${result.calls.list} pages + ${formatNumber(result.calls.plan)} plan GETs + ${formatNumber(result.calls.summary)} summaries)`,
        goal: `= ${formatNumber(budget)} (pages + managed pages + ${formatNumber(nonTrial)} non-Trial + ${formatNumber(summaries)} managed open)`,
        pass: calls === budget && simCalls === calls && result.written.length === n,
        detail: {
          list: result.calls.list,
          plan_gets: result.calls.plan,
          summaries: result.calls.summary,
          simulator_count: simCalls,
          non_trial: nonTrial,
          files_written: result.written.length,
          seconds_at_4rps: calls / REAL_RPS,
        },
      }),
      figure({
        id: `import_${n}_first_plan_changes`,
        label: `Import ${formatNumber(n)}: changes in the first plan after it`,
        value: changes,
        goal: '= 0',
        pass: changes === 0 && plan.problems.length === 0 && workspace.accounts.length === n,
        detail: { summary: plan.summary, problems: plan.problems.length, accounts: workspace.accounts.length },
      }),
    ];
  } finally {
    await sim.close();
  }
}
