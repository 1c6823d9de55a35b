// The benchmark suite: `npm run bench` (builds first). Prints a table of figures with their goals,
// writes bench/results.json, and exits 1 if a figure misses its goal. Not part of `npm test`.
//
//   node bench/run.mjs [--only SECTION,...] [--keep]
//
// Sections: simulator (seed + paging, computePlan), rss, scale (10,000 and 50,000 accounts: peak RSS,
// computePlan growth and share of load + validate), pr-1000, pr-5000 (with the full drift
// plan), load, profile-5000 (account details through sync), import, apply-4, apply-10. --only runs some of them (load needs pr-5000, rss needs
// simulator; they are added); --keep leaves the generated workspaces in the temporary folder.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchApply } from './apply-rate.mjs';
import { benchImport, importAvailable } from './import-calls.mjs';
import { figure, mark, now, removeTempRoot, renderTable } from './lib.mjs';
import { benchFullPlanRss, benchLoad, benchSimulatorAndComputePlan } from './local.mjs';
import { benchPrPlan } from './plan-calls.mjs';
import { benchProfileCalls } from './profile-calls.mjs';
import { benchScale } from './scale.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECTIONS = [
  'simulator',
  'rss',
  'scale',
  'pr-1000',
  'pr-5000',
  'load',
  'profile-5000',
  'import',
  'apply-4',
  'apply-10',
];

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? '').split(',').filter(Boolean)) : null;
if (only) {
  const unknown = [...only].filter((name) => !SECTIONS.includes(name));
  if (unknown.length > 0 || only.size === 0) {
    console.error(`unknown or missing section(s) ${unknown.join(', ')}; sections: ${SECTIONS.join(', ')}`);
    process.exit(2);
  }
  if (only.has('rss')) only.add('simulator');
  if (only.has('load')) only.add('pr-5000');
}
const wanted = (name) => only === null || only.has(name);

const figures = [];
const notes = [];
const startedAt = new Date();
const t0 = now();
const progress = (line) => process.stderr.write(`[bench ${((now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);

async function section(name, run) {
  if (!wanted(name)) return undefined;
  progress(`${name} …`);
  const started = now();
  try {
    const result = await run();
    const list = Array.isArray(result) ? result : result.figures;
    figures.push(...list);
    progress(
      `${name} done in ${((now() - started) / 1000).toFixed(1)} s: ${list.map((f) => `${f.id}=${mark(f.pass)}`).join(' ')}`,
    );
    return result;
  } catch (error) {
    progress(`${name} FAILED: ${error?.stack ?? error}`);
    figures.push(
      figure({
        id: `${name}_error`,
        label: `${name}: did not complete`,
        value: String(error?.message ?? error)
          .split('\n')[0]
          .slice(0, 60),
        goal: 'completes',
        pass: false,
      }),
    );
    return undefined;
  }
}

try {
  const big = await section('simulator', () => benchSimulatorAndComputePlan(10_000));
  if (big) await section('rss', () => benchFullPlanRss(big.cwd, 10_000));
  await section('scale', benchScale);
  await section('pr-1000', () => benchPrPlan(1_000));
  const pr5000 = await section('pr-5000', () => benchPrPlan(5_000, { fullDrift: true }));
  if (pr5000) await section('load', () => benchLoad(pr5000.cwd, 5_000));
  await section('profile-5000', () => benchProfileCalls(5_000));
  if (importAvailable()) await section('import', () => benchImport(1_000));
  else if (wanted('import')) notes.push('import: not measured, src/commands/run-import.ts does not exist yet');
  await section('apply-4', () => benchApply(4));
  await section('apply-10', () => benchApply(10));
} finally {
  if (!keep) removeTempRoot();
}

const durationMs = now() - t0;
const failed = figures.filter((f) => f.pass === false);
let commit = null;
try {
  commit = execFileSync('git', ['rev-parse', 'HEAD'], {
    cwd: here,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
} catch {
  // not a git checkout
}
const results = {
  format_version: 1,
  date: startedAt.toISOString(),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  cpus: os.cpus().length,
  commit,
  sections: only ? [...only] : SECTIONS,
  duration_ms: Math.round(durationMs),
  passed: failed.length === 0,
  notes,
  figures,
};
writeFileSync(path.join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

console.log(
  `\nctct-gitops benchmarks · ${startedAt.toISOString()} · node ${process.version} · ${os.cpus().length} CPUs\n`,
);
console.log(renderTable(figures));
for (const note of notes) console.log(`\nnote: ${note}`);
const graded = figures.filter((f) => f.pass !== null).length;
console.log(
  `\n${graded - failed.length}/${graded} figures met their goals in ${(durationMs / 1000).toFixed(1)} s; results in bench/results.json`,
);
if (failed.length > 0) {
  console.log(`missed: ${failed.map((f) => f.id).join(', ')}`);
  process.exitCode = 1;
}
