// Child process of the `scale` section: load + validate the account files in argv[2], a full plan
// against the simulator the parent runs (its address and credentials in SIM, so the simulator's
// own memory stays out of this process), the renders, then computePlan alone on the same inputs.
// Prints one JSON line: peak RSS, heap at each stage, and the times.
// Usage: SIM='{"baseUrl":…,"tokenUrl":…,"credentials":{…}}' node --expose-gc bench/scale-plan.mjs WORKSPACE
import { computeWorkspacePlan, readWorkspace } from '../dist/commands/run-plan.js';
import { computePlan } from '../dist/plan/compute-plan.js';
import { renderJson } from '../dist/render/render-json.js';
import { renderText } from '../dist/render/render-text.js';
import { now, simClient } from './lib.mjs';

const [cwd] = process.argv.slice(2);
if (!cwd || !process.env.SIM) {
  console.error('usage: SIM=… node --expose-gc bench/scale-plan.mjs WORKSPACE');
  process.exit(2);
}
const sim = JSON.parse(process.env.SIM);
const stages = {};
/** Heap and RSS after a full collection: what each stage keeps, not its garbage. */
const stage = (name) => {
  globalThis.gc();
  const { rss, heapUsed, external } = process.memoryUsage();
  const mb = (bytes) => Math.round(bytes / 1048576);
  stages[name] = {
    rss_mb: mb(rss),
    heap_used_mb: mb(heapUsed),
    external_mb: mb(external),
    peak_rss_mb: mb(process.resourceUsage().maxRSS * 1024),
  };
};

/** CPU time of this process (all threads) since `from`, in ms: what a busy shared machine changes least. */
const cpuSince = (from) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
};

stage('start');
let started = now();
const loadCpu = process.cpuUsage();
const workspace = await readWorkspace({ cwd });
const loadMs = now() - started;
const loadCpuMs = cpuSince(loadCpu);
stage('load_validate');
const client = simClient(sim, { concurrency: workspace.settings.concurrency });
let plan;
let live;
started = now();
try {
  ({ plan, live } = await computeWorkspacePlan(client, workspace, { cwd, force: false, env: {} }));
} finally {
  await client.close();
}
const fullPlanMs = now() - started;
stage('full_plan');
renderText(plan, { color: false });
renderJson(plan);
stage('render');

// computePlan alone, on the inputs the full plan had: warm-up, then the best of 5, each after a
// full collection so that no run pays for the garbage of the one before.
const options = { settings: workspace.settings, force: false, now: new Date().toISOString() };
for (let i = 0; i < 2; i++) computePlan(workspace.accounts, live, options);
const runs = [];
const cpuRuns = [];
for (let i = 0; i < 5; i++) {
  globalThis.gc();
  const cpu = process.cpuUsage();
  started = now();
  computePlan(workspace.accounts, live, options);
  runs.push(now() - started);
  cpuRuns.push(cpuSince(cpu));
}
const round = (ms) => Math.round(ms * 10) / 10;
console.log(
  JSON.stringify({
    max_rss_kb: process.resourceUsage().maxRSS,
    stages,
    load_validate_ms: Math.round(loadMs),
    load_validate_cpu_ms: Math.round(loadCpuMs),
    full_plan_ms: Math.round(fullPlanMs),
    compute_plan_ms: round(Math.min(...runs)),
    compute_plan_cpu_ms: round(Math.min(...cpuRuns)),
    compute_plan_runs_ms: runs.map(round),
    compute_plan_cpu_runs_ms: cpuRuns.map(round),
    calls: { list: client.calls.listAccounts, plan: client.calls.getPlan },
    managed_accounts: plan.managed_accounts,
    problems: plan.problems.length,
  }),
);
