#!/usr/bin/env node
// The whole loop on the shipped accounts/ against the built-in simulator, with no credentials:
// validate → plan → apply → plan (converged) → import the orphan → plan. It works on a copy in a
// temporary folder, so the checkout stays as it is.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STARTER_ACCOUNTS } from '../dist/commands/simulator-starter-state.js';
import { writeStateFile } from '../dist/simulator/account-store.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli.js');
const work = mkdtempSync(path.join(tmpdir(), 'ctct-gitops-demo-'));
cpSync(path.join(root, 'accounts'), path.join(work, 'accounts'), { recursive: true });
cpSync(path.join(root, 'schema'), path.join(work, 'schema'), { recursive: true });
// Live CTCT as the demo plays it: riverside_dental matches its file, old_town_cycles is still open
// (its file cancels it), lakeside_florist is named by no file. Without this state the simulator
// would start from the files, as an estate that is already converged.
writeStateFile(path.join(work, '.ctct-gitops', 'simulator.json'), {
  format_version: 1,
  accounts: [...STARTER_ACCOUNTS],
  pending_provisions: [],
});
// The example hanks-fresh-fruit.yaml takes its initial password from this variable.
const env = { ...process.env, HANKS_INITIAL_PASSWORD: 'demo-only-Passw0rd!' };

const steps = [
  ['Check the account files', ['validate']],
  ['Plan against the simulator (it starts with 3 existing accounts)', ['plan', '--simulator']],
  ['Apply it', ['apply', '--simulator', '--yes']],
  ['Plan again: converged (the orphan is only reported)', ['plan', '--simulator', '--detailed-exitcode']],
  ['Adopt the orphan', ['import', '--simulator']],
  ['Plan once more: nothing to do', ['plan', '--simulator', '--detailed-exitcode']],
];
const bold =
  process.stdout.isTTY && process.env.NO_COLOR === undefined ? (text) => `\u001b[1m${text}\u001b[0m` : (text) => text;
for (const [title, args] of steps) {
  process.stdout.write(`\n${bold(`$ ctct-gitops ${args.join(' ')}`)}   # ${title}\n`);
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: work, env, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`demo: step "${args.join(' ')}" exited ${result.status}\n`);
    process.exit(result.status ?? 1);
  }
}
process.stdout.write(`\nThe demo repository is in ${work} (simulator state: .ctct-gitops/simulator.json).\n`);
