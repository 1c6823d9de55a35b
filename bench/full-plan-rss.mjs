// Child process of the benchmark: a full drift plan (no --changed-since) over the account files
// in argv[2], against an in-process simulator seeded with argv[3] accounts, the same seed the
// parent generated the files from; prints one JSON line with the peak RSS.
// Usage: node --expose-gc bench/full-plan-rss.mjs WORKSPACE N
import { performance } from 'node:perf_hooks';
import { computeWorkspacePlan, readWorkspace } from '../dist/commands/run-plan.js';
import { renderJson } from '../dist/render/render-json.js';
import { renderText } from '../dist/render/render-text.js';
import { startSimulator } from '../dist/simulator/simulator.js';
import { simClient } from './lib.mjs';

const [cwd, count] = process.argv.slice(2);
if (!cwd || !count) {
  console.error('usage: node --expose-gc bench/full-plan-rss.mjs WORKSPACE N');
  process.exit(2);
}
globalThis.gc?.();
const baselineKb = process.resourceUsage().maxRSS;
const started = performance.now();
const sim = await startSimulator({ seed: Number(count), requestsPerSecond: 0, dailyQuota: 0 });
const workspace = await readWorkspace({ cwd });
const client = simClient(sim, { concurrency: workspace.settings.concurrency });
let plan;
try {
  ({ plan } = await computeWorkspacePlan(client, workspace, { cwd, force: false }));
  // What `plan` prints and saves.
  renderText(plan, { color: false });
  renderJson(plan);
} finally {
  await client.close();
  await sim.close();
}
const wallMs = performance.now() - started;
console.log(
  JSON.stringify({
    max_rss_kb: process.resourceUsage().maxRSS,
    baseline_rss_kb: baselineKb,
    wall_ms: Math.round(wallMs),
    calls: { list: client.calls.listAccounts, plan: client.calls.getPlan },
    managed_accounts: plan.managed_accounts,
    problems: plan.problems.length,
    summary: plan.summary,
  }),
);
