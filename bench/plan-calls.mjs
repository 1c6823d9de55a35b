// API calls and wall time of plans against a seeded simulator: a pull-request plan
// (--changed-since with 3 changed files) and a full drift plan.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { computeWorkspacePlan, readWorkspace } from '../dist/commands/run-plan.js';
import { startSimulator } from '../dist/simulator/simulator.js';
import {
  commitAll,
  figure,
  formatNumber,
  now,
  pagesFor,
  REAL_RPS,
  simClient,
  tempDir,
  writeAccountFiles,
} from './lib.mjs';

const LATENCY_MS = 50;
const CHANGED = 3;
const NEXT_PAID = { BRONZE: 'SILVER', SILVER: 'GOLD', GOLD: 'BRONZE' };

/**
 * A workspace of N converged account files for a simulator seeded with N accounts, committed to
 * a temporary git repository. Returns the running simulator (unlimited rate and quota).
 */
export async function prepareWorkspace(n) {
  const sim = await startSimulator({ seed: n, requestsPerSecond: 0, dailyQuota: 0 });
  const live = sim.accounts();
  const cwd = tempDir(`workspace-${n}`);
  const files = writeAccountFiles(cwd, live);
  commitAll(cwd, `${n} account files`);
  return { sim, cwd, live, files };
}

/** Changes the plan of three paid, open accounts: the three files a pull request touches. */
function changeThreeFiles(workspace) {
  const chosen = workspace.live
    .filter((a) => a.billing_status === 'Open' && a.plan_type in NEXT_PAID)
    .slice(0, CHANGED);
  for (const account of chosen) {
    const file = path.join(workspace.cwd, workspace.files.get(account.encoded_account_id));
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(`plan_type: ${account.plan_type}`, `plan_type: ${NEXT_PAID[account.plan_type]}`));
  }
  return chosen;
}

/** One plan through the real client; partner calls counted by the client and by the simulator. */
async function measurePlan(sim, workspace, { changedSince, maxApiCalls, latencyMs = 0 }) {
  sim.faults.clear();
  if (latencyMs > 0) sim.faults.add({ kind: 'latency', ms: latencyMs, times: Infinity });
  const before = { ...sim.stats.byOperation };
  const client = simClient(sim, { concurrency: workspace.settings.concurrency });
  try {
    const started = now();
    const { plan } = await computeWorkspacePlan(client, workspace, {
      cwd: workspace.cwd,
      force: false,
      env: {},
      ...(changedSince && { changedSince }),
      ...(maxApiCalls && { maxApiCalls }),
    });
    const wallMs = now() - started;
    const simCalls = ['listAccounts', 'getPlan'].reduce(
      (sum, op) => sum + ((sim.stats.byOperation[op] ?? 0) - (before[op] ?? 0)),
      0,
    );
    return {
      plan,
      wallMs,
      calls: client.calls.listAccounts + client.calls.getPlan,
      list: client.calls.listAccounts,
      get: client.calls.getPlan,
      simCalls,
    };
  } finally {
    sim.faults.clear();
    await client.close();
  }
}

/** Whether the list entry (billing_status) of this account cannot decide the plan, so a full plan must GET it. */
function needsGet(account, liveById) {
  const live = account.encoded_account_id && liveById.get(account.encoded_account_id);
  if (!live || account.status === 'cancelled') return false;
  const status = live.billing_status;
  if (status === 'Trial' || status === 'Canceled') return false; // Trial means TRIAL; Canceled needs the plan of no one
  return !(status === 'Open' && account.plan.plan_type === 'TRIAL'); // left TRIAL: paid → TRIAL is impossible either way
}

function countUnanswerable(accounts, liveById) {
  return accounts.filter((account) => needsGet(account, liveById)).length;
}

export async function benchPrPlan(n, { fullDrift = false } = {}) {
  const figures = [];
  const prepared = await prepareWorkspace(n);
  const { sim } = prepared;
  try {
    changeThreeFiles(prepared);
    const ws = await readWorkspace({ cwd: prepared.cwd });
    const workspace = { ...ws, cwd: prepared.cwd };
    const pages = pagesFor(n);
    const refresh = pages + n;

    // Today's way, in the same run: the whole list (to see which accounts are live) and the 3 GETs.
    const listing = simClient(sim);
    let todayCalls;
    try {
      await listing.listAccounts();
      todayCalls = listing.calls.listAccounts + CHANGED;
    } finally {
      await listing.close();
    }

    const pr = await measurePlan(sim, workspace, { changedSince: 'HEAD' });
    const sane =
      pr.plan.summary.update === CHANGED &&
      pr.plan.problems.length === 0 &&
      pr.plan.api.not_refreshed === n - CHANGED &&
      pr.calls === pr.simCalls;
    figures.push(
      figure({
        id: `pr_plan_${n}_calls`,
        label: `PR plan N=${formatNumber(n)}: API calls`,
        value: pr.calls,
        display: `${formatNumber(pr.calls)} (list + GETs: ${formatNumber(todayCalls)})`,
        goal: `= ${CHANGED} (one GET per changed file)`,
        pass: pr.calls === CHANGED && pr.list === 0 && sane,
        detail: {
          list: pr.list,
          plan_gets: pr.get,
          simulator_count: pr.simCalls,
          list_and_gets_calls: todayCalls,
          updates: pr.plan.summary.update,
          problems: pr.plan.problems.length,
          not_refreshed: pr.plan.api.not_refreshed,
        },
      }),
    );
    figures.push(
      figure({
        id: `pr_plan_${n}_vs_refresh`,
        label: `PR plan N=${formatNumber(n)}: calls vs refresh of all`,
        value: pr.calls / refresh,
        display: `${formatNumber(pr.calls)} / ${formatNumber(refresh)} = ${((pr.calls / refresh) * 100).toFixed(1)} %`,
        goal: '< 100 % (pages + N GETs)',
        pass: pr.calls < refresh,
        detail: { calls: pr.calls, refresh_calls: refresh, refresh_seconds_at_4rps: refresh / REAL_RPS },
      }),
    );
    figures.push(
      figure({
        id: `pr_plan_${n}_seconds_at_4rps`,
        label: `PR plan N=${formatNumber(n)}: time at 4 req/s (from calls)`,
        value: pr.calls / REAL_RPS,
        unit: 's',
        display: `${(pr.calls / REAL_RPS).toFixed(1)} s (refresh: ${formatNumber(Math.round(refresh / REAL_RPS))} s)`,
        goal: '< 60 s',
        pass: pr.calls / REAL_RPS < 60,
      }),
    );

    const fast = [];
    for (let i = 0; i < 3; i++) fast.push((await measurePlan(sim, workspace, { changedSince: 'HEAD' })).wallMs);
    const bestFast = Math.min(...fast);
    const fastGoalMs = n <= 1000 ? 1000 : 3000;
    figures.push(
      figure({
        id: `pr_plan_${n}_wall_ms`,
        label: `PR plan N=${formatNumber(n)}: wall time, loopback`,
        value: Math.round(bestFast),
        unit: 'ms',
        goal: `< ${formatNumber(fastGoalMs)} ms`,
        pass: bestFast < fastGoalMs,
        detail: {
          runs_ms: fast.map(Math.round),
          note: 'git diff + list pages + 3 GETs + computePlan; requestsPerSecond 0',
        },
      }),
    );

    const slow = await measurePlan(sim, workspace, { changedSince: 'HEAD', latencyMs: LATENCY_MS });
    // Pages must be read one after another (each holds the next link); the GETs go in parallel.
    // The token request is a round trip too; the local work (git, files, computePlan) is the loopback time.
    const roundTrips = 1 + slow.list + Math.ceil(slow.get / workspace.settings.concurrency);
    const latencyFloorMs = roundTrips * LATENCY_MS + bestFast;
    figures.push(
      figure({
        id: `pr_plan_${n}_wall_50ms`,
        label: `PR plan N=${formatNumber(n)}: wall time, +50 ms latency`,
        value: Math.round(slow.wallMs),
        display: `${formatNumber(Math.round(slow.wallMs))} ms = ${(slow.wallMs / latencyFloorMs).toFixed(2)}× floor`,
        goal: `≤ 1.5× (${formatNumber(roundTrips)} round trips × 50 ms + loopback)`,
        pass: slow.wallMs <= 1.5 * latencyFloorMs && slow.calls === CHANGED,
        detail: {
          wall_ms: Math.round(slow.wallMs),
          latency_floor_ms: latencyFloorMs,
          ratio: slow.wallMs / latencyFloorMs,
          calls: slow.calls,
        },
      }),
    );

    if (fullDrift) {
      const liveById = new Map(prepared.live.map((a) => [a.encoded_account_id, a]));
      const needed = countUnanswerable(workspace.accounts, liveById);
      const full = await measurePlan(sim, workspace, {});
      const expected = pages + needed;
      const fullSane =
        full.plan.summary.update === CHANGED &&
        full.plan.problems.length === 0 &&
        full.plan.summary.drift === 0 &&
        full.calls === full.simCalls;
      figures.push(
        figure({
          id: `full_plan_${n}_calls`,
          label: `Full drift plan N=${formatNumber(n)}: API calls`,
          value: full.calls,
          display: `${formatNumber(full.calls)} (${formatNumber(full.get)} GETs)`,
          goal: `= ${formatNumber(expected)} (pages + ${formatNumber(needed)} unanswerable)`,
          pass: full.calls === expected && fullSane,
          detail: {
            list: full.list,
            plan_gets: full.get,
            unanswerable_by_billing_status: needed,
            refresh_calls: refresh,
            seconds_at_4rps: full.calls / REAL_RPS,
            share_of_daily_quota_10000: full.calls / 10_000,
            summary: full.plan.summary,
            problems: full.plan.problems.length,
          },
        }),
      );

      // A daily drift job under a budget: two runs, each within it, reading disjoint accounts.
      const budget = 500;
      const runs = [];
      for (let i = 0; i < 2; i++) runs.push(await measurePlan(sim, workspace, { maxApiCalls: budget }));
      const readIn = (run) => {
        const left = new Set(run.plan.over_budget.map((item) => item.encoded_account_id));
        return workspace.accounts
          .filter((a) => a.encoded_account_id && !left.has(a.encoded_account_id) && needsGet(a, liveById))
          .map((a) => a.encoded_account_id);
      };
      const [first, second] = runs.map(readIn);
      const overlap = first.filter((id) => new Set(second).has(id)).length;
      const perRun = budget - pages;
      figures.push(
        figure({
          id: `budget_plan_${n}_calls`,
          label: `Drift plan N=${formatNumber(n)}, --max-api-calls ${budget}: calls (2 runs)`,
          value: Math.max(...runs.map((run) => run.simCalls)),
          display: `${runs.map((run) => formatNumber(run.simCalls)).join(' + ')}; ${formatNumber(overlap)} read twice; all ${formatNumber(needed)} in ${Math.ceil(needed / perRun)} runs`,
          goal: `≤ ${budget} each, disjoint`,
          pass: runs.every((run) => run.simCalls <= budget && run.get === perRun) && overlap === 0,
          detail: {
            budget,
            list_pages: pages,
            gets_per_run: runs.map((run) => run.get),
            overlap,
            unanswerable: needed,
            runs_to_cover_all: Math.ceil(needed / perRun),
          },
        }),
      );
    }
  } finally {
    await sim.close();
  }
  return { figures, cwd: prepared.cwd };
}
