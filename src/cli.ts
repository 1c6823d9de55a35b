#!/usr/bin/env node
import { writeFileAtomic } from './accounts/write-file-atomic.js';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { renderCompletion, SHELLS, type CompletionSpec, type Shell } from './completion/render-completion.js';
import { renderValidateResult, runValidate, type ValidateFormat } from './commands/run-validate.js';
import { runPlan, type WorkspaceOptions } from './commands/run-plan.js';
import { runApply } from './commands/run-apply.js';
import { readSavedPlan } from './apply/check-saved-plan.js';
import { runImport } from './commands/run-import.js';
import { runInit } from './commands/run-init.js';
import { renderInitResult } from './init/render-init-result.js';
import { createSimulatorCommand } from './simulator/simulator-command.js';
import { createGithubCommand } from './github/github-command.js';
import {
  renderApplySummary,
  renderOutcomeLine,
  renderProgressLine,
  renderTargetedApplyWarning,
} from './render/render-apply.js';
import { createInterface } from 'node:readline/promises';
import { DEFAULT_APPLIED_REF } from './git/applied-ref.js';
import { CtctGitopsError, ExitCode } from './errors.js';
import { hasChanges, hasDifferences } from './render/describe-change.js';
import { escapeControl } from './render/escape-control.js';
import { PLAN_REPORTERS, type PlanFormat } from './render/plan-reporters.js';
import { renderJson } from './render/render-json.js';
import type { Plan } from './model.js';
import type { ReadProgress } from './plan/fetch-live-state.js';
import { renderReadProgressLine } from './render/render-read-progress-line.js';

const program = new Command('ctct-gitops')
  .description('Declarative, GitOps-style management of Constant Contact partner client accounts.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride()
  .addHelpText(
    'after',
    `
Exit codes:
  0  success (with --detailed-exitcode: no changes)
  1  operational failure (API, network, a partly failed apply)
  2  plan --detailed-exitcode: there are changes to apply (with --refresh-only: anything differs)
  3  invalid account files or settings, or a usage error (unknown command or option, bad value)
  4  refused: a safety limit, a protected account, a stale saved plan, or no --yes without a terminal`,
  );

const dirOption = () =>
  new Option('--dir <DIR>', 'accounts folder (default: accounts_dir of ctct-gitops.yaml, else accounts)');
const outsideRepoOption = () =>
  new Option('--allow-outside-repo', 'read an accounts folder outside the repository (refused otherwise)');
const configOption = () => new Option('--config <FILE>', 'settings file (default: ctct-gitops.yaml when present)');
const simulatorOption = () =>
  new Option(
    '--simulator',
    'run against the built-in simulator (state in .ctct-gitops/simulator.json), no credentials needed',
  );
const targetOption = () =>
  new Option(
    '--target <X>',
    'only this account: a login_name, an encoded_account_id or a file ' +
      'path (repeatable); reads only what it needs, reports no orphans',
  ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
const maxApiCallsOption = () =>
  new Option(
    '--max-api-calls <N>',
    'read live state with at most N partner API calls; accounts ' +
      'left unread are named in the plan (setting max_api_calls)',
  ).argParser(parsePositiveInteger);
const rpsOption = () =>
  new Option('--rps <N>', 'requests per second to CTCT, 0.5 to 100 (default 4)').argParser(parseRequestsPerSecond);

program
  .command('validate')
  .description(
    'check every account file and the settings; prints FILE:LINE:COL: message for each problem; touches no API',
  )
  .addOption(dirOption())
  .addOption(outsideRepoOption())
  .addOption(configOption())
  .addOption(new Option('--format <FORMAT>', 'output format').choices(['text', 'json', 'github']).default('text'))
  .action(async (options: { dir?: string; allowOutsideRepo?: boolean; config?: string; format: ValidateFormat }) => {
    const result = await runValidate({ cwd: process.cwd(), ...options });
    process.stdout.write(renderValidateResult(result, options.format));
    process.exitCode = result.problems.length > 0 ? ExitCode.invalid : ExitCode.ok;
  });

program
  .command('plan')
  .description('read live state and show what apply would do; changes nothing')
  .addOption(dirOption())
  .addOption(outsideRepoOption())
  .addOption(configOption())
  .addOption(new Option('--format <FORMAT>', 'output format').choices(['text', 'markdown', 'json']).default('text'))
  .option('--out <PLAN.json>', 'also save the plan as JSON, for apply PLAN.json')
  .option(
    '--detailed-exitcode',
    'exit 2 when there are changes to apply (with --refresh-only: when anything differs), 0 when there are none',
  )
  .option(
    '--refresh-only',
    'report only where live state differs from the files (drift, orphans, changes not yet applied); propose nothing',
  )
  .option('--changed-since <REF>', 'read plans only for accounts whose files changed since the git ref (pull requests)')
  .option('--force', 'pass the safety limits (never protect: true)')
  .addOption(targetOption())
  .addOption(maxApiCallsOption())
  .addOption(rpsOption())
  .addOption(simulatorOption())
  .action(
    async (options: {
      dir?: string;
      config?: string;
      format: PlanFormat;
      out?: string;
      detailedExitcode?: boolean;
      refreshOnly?: boolean;
      changedSince?: string;
      force?: boolean;
      target?: string[];
      maxApiCalls?: number;
      rps?: number;
      simulator?: boolean;
    }) => {
      const progress = readProgressOnTerminal();
      const { plan } = await runPlan({
        ...workspaceOptions(options),
        ...(progress.onReadProgress && { onReadProgress: progress.onReadProgress }),
        ...(options.changedSince !== undefined && { changedSince: options.changedSince }),
        ...(options.refreshOnly && { refreshOnly: true }),
        ...(options.maxApiCalls !== undefined && { maxApiCalls: options.maxApiCalls }),
        force: options.force ?? false,
        simulator: options.simulator ?? false,
        env: process.env,
      }).finally(progress.end);
      process.stdout.write(PLAN_REPORTERS[options.format](plan, { color: useColor() }));
      if (options.out !== undefined) await writeFileAtomic(options.out, renderJson(plan));
      process.exitCode = planExitCode(plan, options.detailedExitcode ?? false);
    },
  );

program
  .command('show')
  .description('render a plan saved with plan --out, as plan printed it; no credentials, no API call')
  .argument('<PLAN.json>', 'a plan saved with plan --out')
  .addOption(new Option('--format <FORMAT>', 'output format').choices(['text', 'markdown', 'json']).default('text'))
  .action(async (planFile: string, options: { format: PlanFormat }) => {
    const plan = await readSavedPlan(process.cwd(), planFile);
    process.stdout.write(PLAN_REPORTERS[options.format](plan, { color: useColor() }));
  });

program
  .command('apply')
  .description('carry out a saved plan, or a fresh one; asks on a terminal, needs --yes where there is none')
  .argument('[PLAN.json]', 'a plan saved with plan --out; refused if live state no longer matches it')
  .addOption(dirOption())
  .addOption(outsideRepoOption())
  .addOption(configOption())
  .option('--yes', 'apply without asking')
  .option('--report <FILE>', "write a JSON report of every change's outcome")
  .option(
    '--changed-since <REF>',
    'without a saved plan: read plans only for accounts whose files changed since the git ref',
  )
  .option(
    '--applied-ref <REF>',
    `plan the files changed since the commit in this git ref (every account when it is absent), ` +
      `and record HEAD in it when the apply fully succeeds (the action uses ${DEFAULT_APPLIED_REF})`,
  )
  .option('--force', 'pass the safety limits (never protect: true)')
  .addOption(
    new Option(
      '--release-pending <LOGIN>',
      'post again a create CTCT answered 503 and never provisioned, ' +
        'once the unfiltered listing shows no account for it (repeatable)',
    ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
  )
  .addOption(targetOption())
  .addOption(maxApiCallsOption())
  .addOption(rpsOption())
  .addOption(simulatorOption())
  .action(
    async (
      planFile: string | undefined,
      options: {
        releasePending?: string[];
        dir?: string;
        config?: string;
        yes?: boolean;
        report?: string;
        changedSince?: string;
        appliedRef?: string;
        force?: boolean;
        target?: string[];
        maxApiCalls?: number;
        rps?: number;
        simulator?: boolean;
      },
    ) => {
      const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
      const started = Date.now();
      let targets: string[] | undefined;
      const progress = readProgressOnTerminal();
      const { report, recovery, recorded } = await runApply({
        ...workspaceOptions(options),
        ...(planFile !== undefined && { planFile }),
        ...(options.changedSince !== undefined && { changedSince: options.changedSince }),
        ...(options.appliedRef !== undefined && { appliedRef: options.appliedRef }),
        ...(options.releasePending !== undefined && { releasePending: options.releasePending }),
        notice: (line) => void process.stderr.write(`ctct-gitops: ${line}\n`),
        ...(options.maxApiCalls !== undefined && { maxApiCalls: options.maxApiCalls }),
        ...(options.report !== undefined && { reportFile: options.report }),
        yes: options.yes ?? false,
        force: options.force ?? false,
        simulator: options.simulator ?? false,
        env: process.env,
        confirm: interactive ? () => confirmOnTerminal(options.simulator ?? false) : null,
        ...(progress.onReadProgress && { onReadProgress: progress.onReadProgress }),
        onPlan: (plan) => {
          progress.end();
          targets = plan.targets;
          process.stdout.write(PLAN_REPORTERS.text(plan, { color: useColor() }));
        },
        onRecovery: (result) => {
          for (const item of result.resolved)
            process.stdout.write(
              `${escapeControl(
                `recovered: finished the create of ${item.login_name} ` +
                  `(${item.encoded_account_id}, ${item.file}) that an earlier run left open`,
              )}\n`,
            );
          for (const item of result.unresolved)
            process.stdout.write(`${escapeControl(`unresolved: ${item.login_name} (${item.file}): ${item.reason}`)}\n`);
          for (const item of result.sso.resolved)
            process.stdout.write(
              `${escapeControl(
                `recovered: finished the create of SSO user ${item.sso_user} in ` +
                  `${item.encoded_account_id} (${item.file}) that an earlier run left open`,
              )}\n`,
            );
          for (const item of result.sso.unresolved)
            process.stdout.write(
              `${escapeControl(
                `unresolved: SSO user ${item.sso_user} in ${item.encoded_account_id} (${item.file}): ${item.reason}`,
              )}\n`,
            );
        },
        onWait: (line) => void process.stdout.write(`${line}\n`),
        onProgress: (event) => {
          if (process.stderr.isTTY)
            process.stderr.write(
              `\r\u001b[2K${renderProgressLine(event, Date.now() - started)}${event.done === event.total ? '\n' : ''}`,
            );
          else process.stdout.write(`${renderOutcomeLine(event.outcome)}\n`);
        },
      }).finally(progress.end);
      if (report === null) {
        process.stdout.write('No changes: the live accounts match the files.\n');
        process.exitCode =
          (recovery?.unresolved.length ?? 0) + (recovery?.sso.unresolved.length ?? 0) > 0
            ? ExitCode.failure
            : ExitCode.ok;
      } else {
        process.stdout.write(renderApplySummary(report));
        process.exitCode = report.summary.failed + report.summary.skipped > 0 ? ExitCode.failure : ExitCode.ok;
        if (targets !== undefined) process.stdout.write(renderTargetedApplyWarning(targets));
      }
      if (recorded)
        process.stdout.write(`Recorded ${recorded.commit.slice(0, 12)} as fully applied in ${recorded.ref}.\n`);
      else if (recorded === null)
        process.stdout.write('Not recorded as fully applied: the next apply plans these files again.\n');
    },
  );

program
  .command('import')
  .description('write an account file for each live account that no file names yet; never overwrites a file')
  .addOption(dirOption())
  .addOption(outsideRepoOption())
  .addOption(configOption())
  .option('--account <ID...>', 'only these encoded_account_ids')
  .addOption(
    new Option('--account-type <TYPE>', 'which live accounts to list').choices(['managed', 'unmanaged', 'all']),
  )
  .option('--dry-run', 'print the files it would write, as a diff, and write nothing')
  .addOption(rpsOption())
  .addOption(simulatorOption())
  .action(
    async (options: {
      dir?: string;
      config?: string;
      account?: string[];
      accountType?: 'managed' | 'unmanaged' | 'all';
      dryRun?: boolean;
      rps?: number;
      simulator?: boolean;
    }) => {
      const result = await runImport({
        ...workspaceOptions(options),
        ...(options.account !== undefined && { accounts: options.account }),
        ...(options.accountType !== undefined && { accountType: options.accountType }),
        dryRun: options.dryRun ?? false,
        simulator: options.simulator ?? false,
        env: process.env,
      });
      for (const patch of result.patches) process.stdout.write(patch);
      for (const file of result.written) process.stdout.write(`wrote ${escapeControl(file)}\n`);
      for (const item of result.notImported)
        process.stdout.write(`${escapeControl(`not imported: ${item.encoded_account_id}: ${item.reason}`)}\n`);
      const verb = options.dryRun ? 'would write' : 'wrote';
      process.stdout.write(
        `Import: ${verb} ${result.files.length} ` +
          `file${result.files.length === 1 ? '' : 's'} using ${result.calls.list} ` +
          `list call${result.calls.list === 1 ? '' : 's'}${result.calls.summary > 0 ? ',' : ' and'} ` +
          `${result.calls.plan} plan call${result.calls.plan === 1 ? '' : 's'}` +
          (result.calls.summary > 0
            ? ` and ${result.calls.summary} account-summary call${result.calls.summary === 1 ? '' : 's'}`
            : '') +
          '.\n',
      );
      process.exitCode = result.notImported.length > 0 ? ExitCode.failure : ExitCode.ok;
    },
  );

program
  .command('init')
  .description(
    'set up the current git repository for ctct-gitops: accounts folder, ' +
      'ctct-gitops.yaml, schemas, .gitignore line, workflows; never overwrites a file',
  )
  .option(
    '--action <OWNER/REPO@REF>',
    "the ctct-gitops action the workflows use (default: the repository and version in ctct-gitops's package.json)",
  )
  .action(async (options: { action?: string }) => {
    const result = await runInit({
      cwd: process.cwd(),
      ...(options.action !== undefined && { action: options.action }),
    });
    process.stdout.write(renderInitResult(result, process.cwd()));
  });

async function confirmOnTerminal(simulator: boolean): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const where = simulator
    ? "the simulator's accounts (.ctct-gitops/simulator.json), not live CTCT"
    : 'live CTCT accounts';
  try {
    const answer = await prompt.question(`\nApply these changes to ${where}? Only "yes" is accepted: `);
    return answer.trim() === 'yes';
  } finally {
    prompt.close();
  }
}

program
  .command('completion')
  .description('print a shell completion script: source <(ctct-gitops completion bash), or zsh, or fish')
  .addArgument(new Argument('<SHELL>', 'the shell').choices(SHELLS))
  .action((shell: Shell) => {
    process.stdout.write(renderCompletion(completionSpecOf(program), shell));
  });

program.addCommand(createSimulatorCommand());
program.addCommand(createGithubCommand());

/** Commands and options as commander knows them, so completion never falls behind the CLI. */
function completionSpecOf(root: Command): CompletionSpec {
  return {
    program: root.name(),
    commands: root.commands.map((command) => ({
      name: command.name(),
      options: command.options.flatMap((option) =>
        option.long ? [{ flag: option.long, ...(option.argChoices && { choices: option.argChoices }) }] : [],
      ),
      ...(command.registeredArguments[0]?.argChoices && { arguments: command.registeredArguments[0].argChoices }),
    })),
  };
}

/** The working directory and the flags every command that reads the workspace shares. */
function workspaceOptions(options: {
  dir?: string;
  allowOutsideRepo?: boolean;
  config?: string;
  rps?: number;
  target?: string[];
}): WorkspaceOptions {
  return {
    cwd: process.cwd(),
    ...(options.target !== undefined && { targets: options.target }),
    ...(options.dir !== undefined && { dir: options.dir }),
    ...(options.allowOutsideRepo && { allowOutsideRepo: true }),
    ...(options.config !== undefined && { config: options.config }),
    ...(options.rps !== undefined && { overrides: { requests_per_second: options.rps } }),
    notice: (line) => void process.stderr.write(`ctct-gitops: ${line}\n`),
  };
}

/** The contract's exit code for a plan: invalid desired state, then refusals, then changes. */
function planExitCode(plan: Plan, detailed: boolean): ExitCode {
  if (plan.problems.length > 0) return ExitCode.invalid;
  if (plan.refusals.length > 0) return ExitCode.refused;
  return detailed && (plan.refresh_only ? hasDifferences(plan) : hasChanges(plan)) ? ExitCode.changes : ExitCode.ok;
}

/**
 * A progress line on stderr while live state is read, redrawn at most every 100 ms and cleared once
 * the reads end; none off a terminal, under NO_COLOR or TERM=dumb (CI logs get no carriage returns).
 */
function readProgressOnTerminal(): { onReadProgress?: (progress: ReadProgress) => void; end: () => void } {
  if (process.stderr.isTTY !== true || process.env['NO_COLOR'] !== undefined || process.env['TERM'] === 'dumb')
    return { end: () => {} };
  const started = Date.now();
  let drawn = 0;
  let shown = false;
  let phase = '';
  return {
    onReadProgress: (progress) => {
      const now = Date.now();
      // A new phase (the plan reads' count known, details begun) is always drawn.
      const next = `${progress.plans.total === null}${progress.details === undefined}`;
      if (shown && now - drawn < 100 && next === phase) return;
      drawn = now;
      phase = next;
      shown = true;
      process.stderr.write(`\r\u001b[2K${renderReadProgressLine(progress, now - started)}`);
    },
    end: () => {
      if (shown) process.stderr.write('\r\u001b[2K');
      shown = false;
    },
  };
}

function useColor(): boolean {
  return process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined && process.env['TERM'] !== 'dumb';
}

function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new InvalidArgumentError(`expected a whole number ≥ 1, got ${value}`);
  return number;
}

/**
 * The bounds of requests_per_second in schema/settings.schema.json: slower than one call in 2 s only looks like a hang.
 */
function parseRequestsPerSecond(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0.5 || number > 100)
    throw new InvalidArgumentError(`expected a number from 0.5 to 100, got ${value}`);
  return number;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version end here too; a usage error is invalid input (commander printed it).
    process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.invalid;
  } else if (error instanceof CtctGitopsError) {
    process.stderr.write(`ctct-gitops: ${error.message.split('\n').map(escapeControl).join('\n')}\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(
      `ctct-gitops: unexpected error (this is a bug; please report ` +
        `it):\n${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exitCode = ExitCode.failure;
  }
}
