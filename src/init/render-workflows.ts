/** The workflows `init` writes, and this repository runs itself with `uses: ./`. */
export type WorkflowKind = 'plan' | 'apply' | 'drift';

export interface WorkflowOptions {
  /** `OWNER/REPO@REF` of the ctct-gitops action, or `./` inside ctct-gitops itself. */
  action: string;
  /** Accounts folder, relative to the repository root. */
  accountsDir: string;
  /** Settings file, relative to the repository root. */
  configFile: string;
}

/** Secrets and variables the workflows read; `init` prints them. */
export const WORKFLOW_SECRETS = [
  {
    name: 'CTCT_API_KEY',
    kind: 'secret',
    required: true,
    what: 'the API key of your Constant Contact technology-partner application',
  },
  { name: 'CTCT_PARTNER_CLIENT_ID', kind: 'secret', required: true, what: 'the partner client id' },
  { name: 'CTCT_PARTNER_SECRET', kind: 'secret', required: true, what: 'the partner client secret' },
  {
    name: 'CTCT_INITIAL_PASSWORDS',
    kind: 'secret',
    required: false,
    what: 'a JSON or YAML map from each password_env name to its initial password, for accounts to create',
  },
  {
    name: 'CTCT_BASE_URL',
    kind: 'variable',
    required: false,
    what: 'the V3 API root, when not https://api.cc.email/v3',
  },
  {
    name: 'CTCT_TOKEN_URL',
    kind: 'variable',
    required: false,
    what: 'the partner token endpoint, when not the default',
  },
] as const;

function envBlock(withPasswords: boolean): string[] {
  return [
    '    env:',
    ...WORKFLOW_SECRETS.filter((s) => withPasswords || s.name !== 'CTCT_INITIAL_PASSWORDS').map(
      (s) => `      ${s.name}: \${{ ${s.kind === 'secret' ? 'secrets' : 'vars'}.${s.name} }}`,
    ),
  ];
}

function actionStep(options: WorkflowOptions, command: WorkflowKind, extra: string[] = []): string[] {
  return [
    `      - uses: ${options.action}`,
    '        with:',
    `          command: ${command}`,
    ...(options.accountsDir !== 'accounts' ? [`          accounts-dir: ${yamlScalar(options.accountsDir)}`] : []),
    ...(options.configFile !== 'ctct-gitops.yaml' ? [`          config: ${yamlScalar(options.configFile)}`] : []),
    ...extra,
  ];
}

function paths(options: WorkflowOptions): string[] {
  return [
    '    paths:',
    `      - ${yamlScalar(`${options.accountsDir.replace(/\/+$/, '')}/**`)}`,
    `      - ${yamlScalar(options.configFile)}`,
  ];
}

/** One workflow file's text; pure. */
export function renderWorkflow(kind: WorkflowKind, options: WorkflowOptions): string {
  const lines = RENDERERS[kind](options);
  return `${lines.join('\n')}\n`;
}

const RENDERERS: Record<WorkflowKind, (options: WorkflowOptions) => string[]> = {
  plan: (options) => [
    '# Plans the account changes of a pull request: the account files are validated (each problem is',
    '# annotated on its file), then only the accounts changed since the base branch are planned, and the',
    '# plan becomes the job summary and one comment on the pull request, edited on every push.',
    '# The job fails when a file is invalid (exit 3) or a safety limit refuses the plan (exit 4).',
    'name: ctct-gitops plan',
    '',
    'on:',
    '  pull_request:',
    ...paths(options),
    '',
    'permissions:',
    '  contents: read',
    '  pull-requests: write',
    '',
    'concurrency:',
    '  group: ctct-gitops-plan-${{ github.event.pull_request.number }}',
    '  cancel-in-progress: true',
    '',
    'jobs:',
    '  plan:',
    '    name: Plan account changes',
    '    runs-on: ubuntu-latest',
    '    timeout-minutes: 15',
    // The plan marks a create whose initial password is missing, so it needs to know which are there.
    ...envBlock(true),
    '    steps:',
    '      - uses: actions/checkout@v4',
    '        with:',
    '          # --changed-since compares with origin/<base branch>, so the history must be there.',
    '          fetch-depth: 0',
    '          persist-credentials: false',
    ...actionStep(options, 'plan'),
  ],
  apply: (options) => [
    '# Applies the account files on every push to the default branch: the report becomes the job summary,',
    '# failed changes are annotated on their files, the encoded_account_id of each created account is',
    '# committed back, and the journal is kept as an artifact when anything failed.',
    'name: ctct-gitops apply',
    '',
    'on:',
    '  push:',
    '    branches:',
    '      - main',
    ...paths(options),
    '  workflow_dispatch:',
    '',
    'permissions:',
    '  contents: write',
    '',
    '# Applies never overlap. GitHub keeps one pending run per group and cancels an older pending one',
    '# when a newer one queues; nothing is lost, because each run plans every file changed since the last',
    '# commit whose apply fully succeeded (refs/ctct-gitops/applied, pushed by the action).',
    'concurrency:',
    '  group: ctct-gitops-apply',
    '  cancel-in-progress: false',
    '',
    'jobs:',
    '  apply:',
    '    name: Apply account changes',
    '    if: github.ref_name == github.event.repository.default_branch',
    '    runs-on: ubuntu-latest',
    '    timeout-minutes: 30',
    ...envBlock(true),
    '    steps:',
    '      # Keeps the token so the written-back files and refs/ctct-gitops/applied can be pushed; the',
    '      # history finds what changed since the last fully applied commit.',
    '      - uses: actions/checkout@v4',
    '        with:',
    '          fetch-depth: 0',
    ...actionStep(options, 'apply'),
  ],
  drift: (options) => [
    '# Plans every account against live Constant Contact once a day (and on demand). When live state',
    '# differs from main, one issue labelled ctct-gitops-drift carries the plan; it closes itself once a',
    '# plan comes back empty.',
    'name: ctct-gitops drift',
    '',
    'on:',
    '  schedule:',
    "    - cron: '17 6 * * *'",
    '  workflow_dispatch:',
    '',
    'permissions:',
    '  contents: read',
    '  issues: write',
    '',
    'concurrency:',
    '  group: ctct-gitops-drift',
    '  cancel-in-progress: false',
    '',
    'jobs:',
    '  drift:',
    '    name: Detect drift',
    '    runs-on: ubuntu-latest',
    '    timeout-minutes: 30',
    ...envBlock(false),
    '    steps:',
    '      - uses: actions/checkout@v4',
    '        with:',
    '          persist-credentials: false',
    ...actionStep(options, 'drift'),
  ],
};

function yamlScalar(value: string): string {
  return /^[\w./-]+(\/\*\*)?$/.test(value) && !/^[*&!%@`]/.test(value) ? value : JSON.stringify(value);
}
