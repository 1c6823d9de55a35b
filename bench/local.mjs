// Local CPU and memory: loading and validating account files, computePlan, the simulator's
// seeding and paging, and the peak RSS of a full plan (in a child process).
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { readAccounts } from '../dist/accounts/read-accounts.js';
import { computePlan, needsPlanRead } from '../dist/plan/compute-plan.js';
import { DEFAULT_SETTINGS } from '../dist/settings/settings.js';
import { startSimulator } from '../dist/simulator/simulator.js';
import { figure, formatNumber, median, now, pagesFor, simClient, tempDir, writeAccountFiles } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const runFile = promisify(execFile);

/** What a loader without positions, schema or cross-file rules does: find, read, parse. */
async function bareParse(root) {
  const values = [];
  const visit = async (dir) => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const absolute = path.join(dir, entry.name);
      if (entry.isDirectory()) await visit(absolute);
      else if (entry.name.endsWith('.yaml') || entry.name.endsWith('.yml'))
        values.push(parseYaml(await readFile(absolute, 'utf8')));
    }
  };
  await visit(root);
  return values;
}

/** readAccounts (read, parse with positions, schema, cross-file rules) vs bare yaml.parse of the same files. */
export async function benchLoad(cwd, n) {
  const runs = 7;
  const ours = [];
  const bare = [];
  let count = 0;
  await readAccounts(cwd, 'accounts'); // warm-up: ajv compiles the schema once per process
  await bareParse(path.join(cwd, 'accounts'));
  for (let i = 0; i < runs; i++) {
    let started = now();
    count = (await readAccounts(cwd, 'accounts')).length;
    ours.push(now() - started);
    started = now();
    const parsed = await bareParse(path.join(cwd, 'accounts'));
    bare.push(now() - started);
    if (parsed.length !== count) throw new Error(`bare parse read ${parsed.length} files, readAccounts ${count}`);
  }
  const ratio = Math.min(...ours) / Math.min(...bare);
  return [
    figure({
      id: `load_validate_${n}_ratio`,
      label: `Load + validate ${formatNumber(n)} files ÷ bare yaml.parse`,
      value: ratio,
      display: `${ratio.toFixed(2)}× (${Math.round(Math.min(...ours))} vs ${Math.round(Math.min(...bare))} ms)`,
      goal: '≤ 2×',
      pass: ratio <= 2 && count === n,
      detail: {
        best_of: runs,
        read_accounts_ms: ours.map(Math.round),
        bare_parse_ms: bare.map(Math.round),
        files: count,
      },
    }),
  ];
}

/** The live state fetchLiveState would return for these accounts: the list, plus plans where needed. */
function liveStateOf(live, desired) {
  const byId = new Map(desired.map((account) => [account.encoded_account_id, account]));
  let planReads = 0;
  const accounts = live.map((a) => {
    const account = {
      encoded_account_id: a.encoded_account_id,
      billing_status: a.billing_status,
      organization_name: a.organization_name,
      subscriber_count: a.subscriber_count,
    };
    const wanted = byId.get(a.encoded_account_id);
    if (wanted && needsPlanRead(wanted, a.billing_status)) {
      planReads++;
      account.plan = {
        plan_type: a.plan_type,
        billing_status: a.billing_status,
        billing_day_of_month: a.billing_day_of_month,
      };
    }
    return account;
  });
  return {
    accounts,
    listed: true,
    notRefreshed: [],
    skipped: [],
    refreshed: accounts.filter((a) => byId.has(a.encoded_account_id)).map((a) => a.encoded_account_id),
    calls: { list: pagesFor(live.length), plan: planReads },
  };
}

/**
 * Seeds the 10,000-account simulator (timed, with paging through every account) and writes the
 * converged account files of the big workspace; then times computePlan over it.
 */
export async function benchSimulatorAndComputePlan(n) {
  const figures = [];
  const seedRuns = [];
  let live;
  let pagesSeen = 0;
  for (let i = 0; i < 3; i++) {
    const started = now();
    const sim = await startSimulator({ seed: n, requestsPerSecond: 0, dailyQuota: 0 });
    const client = simClient(sim);
    try {
      const listed = await client.listAccounts();
      seedRuns.push(now() - started);
      pagesSeen = client.calls.listAccounts;
      if (new Set(listed.map((a) => a.encoded_account_id)).size !== n)
        throw new Error(`paging listed ${listed.length} accounts, not ${n}`);
      live ??= sim.accounts();
    } finally {
      await client.close();
      await sim.close();
    }
  }
  const seedMs = median(seedRuns);
  figures.push(
    figure({
      id: `simulator_seed_page_${n}_ms`,
      label: `Simulator: seed ${formatNumber(n)} + page all (${pagesSeen} pages)`,
      value: Math.round(seedMs),
      unit: 'ms',
      goal: '< 1,000 ms',
      pass: seedMs < 1000 && pagesSeen === pagesFor(n),
      detail: { median_of: seedRuns.length, runs_ms: seedRuns.map(Math.round), pages: pagesSeen },
    }),
  );

  const cwd = tempDir(`workspace-${n}`);
  writeAccountFiles(cwd, live);
  const desired = await readAccounts(cwd, 'accounts');
  const state = liveStateOf(live, desired);
  const options = { settings: DEFAULT_SETTINGS, force: false };
  let plan;
  for (let i = 0; i < 2; i++) plan = computePlan(desired, state, options); // warm-up (JIT)
  const runs = [];
  const cpuRuns = [];
  for (let i = 0; i < 9; i++) {
    const cpu = process.cpuUsage();
    const started = now();
    plan = computePlan(desired, state, options);
    runs.push(now() - started);
    const used = process.cpuUsage(cpu);
    cpuRuns.push((used.user + used.system) / 1000);
  }
  const planMs = median(runs);
  const cpuMs = median(cpuRuns);
  figures.push(
    figure({
      id: `compute_plan_${n}_ms`,
      label: `computePlan on ${formatNumber(n)} accounts (median)`,
      value: Math.round(planMs * 10) / 10,
      unit: 'ms',
      // CPU time (all threads of the process) tells a slow function from a busy machine.
      display: `${planMs.toFixed(1)} ms (CPU ${cpuMs.toFixed(1)} ms)`,
      goal: '< 100 ms',
      pass: planMs < 100 && plan.problems.length === 0 && plan.managed_accounts === n,
      detail: {
        median_of: runs.length,
        runs_ms: runs.map((ms) => Math.round(ms * 10) / 10),
        cpu_ms: cpuRuns.map((ms) => Math.round(ms * 10) / 10),
        plan_reads: state.calls.plan,
        summary: plan.summary,
      },
    }),
  );
  return { figures, cwd };
}

/** Peak RSS of a full plan over the workspace at `cwd`, in a fresh process with the simulator in it. */
export async function benchFullPlanRss(cwd, n) {
  const { stdout } = await runFile(
    process.execPath,
    ['--expose-gc', path.join(here, 'full-plan-rss.mjs'), cwd, String(n)],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const result = JSON.parse(stdout.trim().split('\n').pop());
  const mb = result.max_rss_kb / 1024;
  return [
    figure({
      id: `full_plan_${n}_peak_rss_mb`,
      label: `Full plan over ${formatNumber(n)} accounts: peak RSS`,
      value: Math.round(mb),
      unit: 'MB',
      goal: '< 250 MB',
      pass: mb < 250 && result.problems === 0 && result.managed_accounts === n,
      detail: result,
    }),
  ];
}
