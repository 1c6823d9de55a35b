import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runImport } from '../../src/commands/run-import.js';
import { runInit } from '../../src/commands/run-init.js';
import { assertNoLeakedSecrets } from '../helpers/find-leaked-secrets.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Step {
  name?: string;
  id?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
  'working-directory'?: string;
}
interface Action {
  inputs: Record<string, { default?: string }>;
  runs: { steps: Step[] };
}

/** `${{ a || b }}` over inputs and the github context, as GitHub evaluates these simple expressions. */
function evaluate(text: string, inputs: Record<string, string>, github: Record<string, string>): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_, expression: string) => {
    for (const term of expression.split('||').map((t) => t.trim())) {
      const [scope, name] = term.split(/\.(.+)/);
      const value = scope === 'inputs' ? inputs[name!] : scope === 'github' ? github[name!] : undefined;
      if (value === undefined) throw new Error(`the test cannot evaluate ${term}`);
      if (value !== '') return value;
    }
    return '';
  });
}

/**
 * The composite action used from a partner's repository (`uses: OWNER/REPO@REF`): GitHub puts the
 * action's checkout at `github.action_path`, apart from the workspace. Its steps must install and
 * run ctct-gitops from there and read the account files from the workspace.
 */
describe('the action in another repository', () => {
  let action: Action;
  let work: string;
  let workspace: string;
  beforeAll(async () => {
    action = parse(await readFile(path.join(ROOT, 'action.yml'), 'utf8')) as Action;
    work = await mkdtemp(path.join(tmpdir(), 'ctct-action-'));
    workspace = path.join(work, 'partner');
    execFileSync('git', ['init', '-q', workspace]);
    await runInit({ cwd: workspace, action: 'acme/ctct-gitops@v0.1.0' });
    await runImport({ cwd: workspace, dryRun: false, simulator: true, env: {} });
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it('installs ctct-gitops in its own checkout and runs the CLI from there, never from the workspace', () => {
    const install = action.runs.steps.find((step) => step.name === 'Install ctct-gitops')!;
    expect(install['working-directory']).toBe('${{ github.action_path }}');
    for (const step of action.runs.steps.filter((s) => s.run?.includes('dist/cli.js') && s !== install)) {
      for (const use of step.run!.match(/\S*dist\/cli\.js/g)!)
        expect(use, step.name).toMatch(/^"?\$GITHUB_ACTION_PATH\/dist\/cli\.js/);
    }
  });

  it("the plan step, run in the workspace with the action elsewhere, validates and plans the workspace's files", {
    timeout: 60_000,
  }, async () => {
    const step = action.runs.steps.find((s) => s.id === 'run')!;
    const inputs = {
      ...Object.fromEntries(Object.entries(action.inputs).map(([name, input]) => [name, input.default ?? ''])),
      command: 'plan',
      'extra-args': '--simulator',
    };
    const github = { base_ref: '', action_path: ROOT };
    const runnerTemp = path.join(work, 'runner-temp');
    const outputFile = path.join(work, 'github-output');
    await writeFile(outputFile, '');
    const env: NodeJS.ProcessEnv = {
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env['PATH'] ?? '/usr/bin:/bin'}`,
      ...(process.env['HOME'] !== undefined && { HOME: process.env['HOME'] }),
      NO_COLOR: '1',
      GITHUB_ACTION_PATH: ROOT,
      GITHUB_OUTPUT: outputFile,
      RUNNER_TEMP: runnerTemp,
      CTCT_BASE_URL: '',
      CTCT_TOKEN_URL: '',
      ...Object.fromEntries(
        Object.entries(step.env ?? {}).map(([name, value]) => [name, evaluate(value, inputs, github)]),
      ),
    };
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(
        'bash',
        ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', step.run!],
        { cwd: workspace, env, encoding: 'utf8', timeout: 50_000 },
        (error, out, err) =>
          error ? reject(Object.assign(error, { stderr: err })) : resolve({ stdout: out, stderr: err }),
      );
    });
    assertNoLeakedSecrets(env, ['action plan'], stdout, stderr);
    const outputs = Object.fromEntries(
      (await readFile(outputFile, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
    expect(outputs).toMatchObject({
      'exit-code': '0',
      'markdown-file': path.join(runnerTemp, 'ctct-gitops/plan.md'),
      'plan-file': path.join(runnerTemp, 'ctct-gitops/plan.json'),
    });
    const markdown = await readFile(outputs['markdown-file']!, 'utf8');
    expect(markdown.split('\n')[0]).toBe('### ctct-gitops plan: no changes');
    // The imported files of the workspace were read: three accounts the plan read live.
    const plan = JSON.parse(await readFile(outputs['plan-file']!, 'utf8')) as { managed_accounts: number };
    expect(plan.managed_accounts).toBe(3);
  });
});
