import { appendFile, readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import type { Dispatcher } from 'undici';
import { CtctGitopsError, OperationalError } from '../errors.js';
import { writeDriftIssue } from './drift-issue.js';
import { readJsonDocument } from '../read-json-document.js';
import { type MarkdownSection, renderMarkdownSections } from '../render/render-markdown.js';
import { createGithubClientFromEnv } from './github-client.js';
import { renderReportAnnotations } from './render-annotations.js';
import { renderApplyReport } from './render-apply-report.js';
import { splitComment } from './split-comment.js';
import { MARKER_PATTERN, PLAN_MARKER, writeStickyComment } from './sticky-comment.js';

/** GitHub caps one step's summary at 1 MiB. */
const SUMMARY_BYTES = 1024 * 1024 - 1024;

/** Where the command reads its environment and writes; the defaults are the process's own. */
export interface GithubCommandIo {
  env?: NodeJS.ProcessEnv;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  setExitCode?: (code: number) => void;
  /** undici transport for the GitHub API. */
  dispatcher?: Dispatcher;
}

/**
 * `ctct-gitops github …`: the steps of the GitHub workflows that talk to GitHub.
 * Reads GITHUB_TOKEN, GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_STEP_SUMMARY and the run's URL
 * variables as GitHub Actions sets them.
 */
export function createGithubCommand(io: GithubCommandIo = {}): Command {
  const env = io.env ?? process.env;
  const stdout = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = io.stderr ?? ((text: string) => void process.stderr.write(text));
  const setExitCode =
    io.setExitCode ??
    ((code: number) => {
      process.exitCode = code;
    });
  const client = () => createGithubClientFromEnv(env, io.dispatcher);
  const run =
    <A extends unknown[]>(action: (...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      try {
        await action(...args);
      } catch (error) {
        if (!(error instanceof CtctGitopsError)) throw error;
        stderr(`ctct-gitops github: ${error.message}\n`);
        setExitCode(error.exitCode);
      }
    };

  const github = new Command('github').description('post plans and reports to GitHub (used by the GitHub workflows)');

  github
    .command('comment')
    .description('post a Markdown file as the sticky comment of a pull request, edited in place on every run')
    .requiredOption('--pr <number>', 'pull-request number', parsePositiveInteger)
    .option('--body-file <file>', 'Markdown to post, e.g. the output of plan --format markdown')
    .option('--plan <file>', 'or: plan JSON written by plan --out, posted as plan --format markdown shows it')
    .option('--repo <owner/name>', 'repository (default: $GITHUB_REPOSITORY)')
    .option('--marker <name>', 'hidden marker that finds the comment again', parseMarker, PLAN_MARKER)
    .option('--sha <commit>', 'commit the body was computed for, shown under it')
    .action(
      run(
        async (options: {
          pr: number;
          bodyFile?: string;
          plan?: string;
          repo?: string;
          marker: string;
          sha?: string;
        }) => {
          if (!options.plan === !options.bodyFile)
            throw new OperationalError('comment needs exactly one of --plan and --body-file');
          const footer = renderFooter(env, options.sha);
          const body = options.plan
            ? withFooter(renderMarkdownSections(await readJsonDocument('plan', process.cwd(), options.plan)), footer)
            : (await readText(options.bodyFile!)).trimEnd() + footer;
          const result = await writeStickyComment(client(), {
            repo: repoOf(options.repo, env),
            issueNumber: options.pr,
            body,
            marker: options.marker,
          });
          for (const c of result.comments) stdout(`${c.action} comment ${c.id}: ${c.url}\n`);
          for (const id of result.deleted) stdout(`deleted stale comment ${id}\n`);
        },
      ),
    );

  github
    .command('drift-issue')
    .description('open, update or close the drift issue from a saved plan')
    .requiredOption('--plan <file>', 'plan JSON written by plan --out')
    .option('--body-file <file>', 'the same plan as Markdown (default: rendered from --plan)')
    .option('--repo <owner/name>', 'repository (default: $GITHUB_REPOSITORY)')
    .option('--title <title>', 'issue title')
    .option('--label <label>', 'label that marks the issue')
    .action(
      run(async (options: { plan: string; bodyFile?: string; repo?: string; title?: string; label?: string }) => {
        const plan = await readJsonDocument('plan', process.cwd(), options.plan);
        const runUrl = runUrlOf(env);
        const result = await writeDriftIssue(client(), {
          repo: repoOf(options.repo, env),
          plan,
          markdown: options.bodyFile ? await readText(options.bodyFile) : renderMarkdownSections(plan),
          ...(options.title ? { title: options.title } : {}),
          ...(options.label ? { label: options.label } : {}),
          ...(runUrl ? { runUrl } : {}),
        });
        stdout(
          result.issue
            ? `${result.action} issue #${result.issue.number}: ${result.issue.url}\n`
            : 'no drift and no open drift issue\n',
        );
      }),
    );

  github
    .command('summary')
    .description('append Markdown to the job summary ($GITHUB_STEP_SUMMARY), or print it when there is none')
    .option('--report <file>', 'apply report JSON written by apply --report, rendered as Markdown')
    .option('--body-file <file>', 'Markdown file to append as it is')
    .action(
      run(async (options: { report?: string; bodyFile?: string }) => {
        if (!options.report === !options.bodyFile)
          throw new OperationalError('summary needs exactly one of --report and --body-file');
        const markdown = options.report
          ? renderApplyReport(await readJsonDocument('apply-report', process.cwd(), options.report))
          : await readText(options.bodyFile!);
        const summary = fitSummary(markdown);
        if (env.GITHUB_STEP_SUMMARY)
          await appendFile(env.GITHUB_STEP_SUMMARY, summary.endsWith('\n') ? summary : `${summary}\n`);
        else stdout(summary.endsWith('\n') ? summary : `${summary}\n`);
      }),
    );

  github
    .command('annotate')
    .description('print an ::error annotation for each failed change of an apply report')
    .requiredOption('--report <file>', 'apply report JSON written by apply --report')
    .action(
      run(async (options: { report: string }) => {
        stdout(renderReportAnnotations(await readJsonDocument('apply-report', process.cwd(), options.report)));
      }),
    );

  return github;
}

function parsePositiveInteger(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('expected a positive whole number');
  return Number(value);
}

function parseMarker(value: string): string {
  if (!MARKER_PATTERN.test(value))
    throw new InvalidArgumentError('a marker may hold only letters, digits and . : / _ -');
  return value;
}

function repoOf(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const repo = flag ?? env.GITHUB_REPOSITORY;
  if (!repo) throw new OperationalError('no repository: pass --repo owner/name or set GITHUB_REPOSITORY');
  return repo;
}

function runUrlOf(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: runId } = env;
  return server && repo && runId ? `${server}/${repo}/actions/runs/${runId}` : undefined;
}

function renderFooter(env: NodeJS.ProcessEnv, sha: string | undefined): string {
  const runUrl = runUrlOf(env);
  const facts = [sha ? `commit \`${sha.slice(0, 7)}\`` : null, runUrl ? `[workflow run](${runUrl})` : null].filter(
    Boolean,
  );
  return facts.length ? `\n\n<sub>ctct-gitops · ${facts.join(' · ')}</sub>\n` : '';
}

/** Sections followed by `footer` (text that starts with its blank lines), as `text.trimEnd() + footer` would read. */
function withFooter(sections: MarkdownSection[], footer: string): MarkdownSection[] {
  const lines = sections.flat();
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
  const kept: MarkdownSection[] = [];
  for (const section of sections) {
    if (lines.length === 0) break;
    kept.push(lines.splice(0, section.length));
  }
  return footer === '' ? kept : [...kept, footer.slice(1).split('\n')];
}

/** Cuts a summary GitHub would refuse, keeping whole sections. */
function fitSummary(markdown: string): string {
  if (Buffer.byteLength(markdown) <= SUMMARY_BYTES) return markdown;
  const note = '\n\n_Cut short: GitHub keeps at most 1 MiB of job summary per step._\n';
  for (let chars = SUMMARY_BYTES; ; chars = Math.floor(chars * 0.8)) {
    const first = splitComment(markdown, chars - note.length, { label: false })[0]! + note;
    if (Buffer.byteLength(first) <= SUMMARY_BYTES) return first;
  }
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new OperationalError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      cause: error,
    });
  }
}
