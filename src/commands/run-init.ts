import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { InvalidInputError } from '../errors.js';
import { renderSettingsFile } from '../init/render-settings-file.js';
import { renderWorkflow, type WorkflowKind } from '../init/render-workflows.js';
import { DEFAULT_SETTINGS_FILE, readSettings } from '../settings/read-settings.js';
import { DEFAULT_SETTINGS } from '../settings/settings.js';
import { STATE_DIR } from './open-ctct.js';

/** The owner `package.json`'s `repository` names until whoever hosts ctct-gitops sets their own. */
export const PLACEHOLDER_OWNER = 'your-org';
const PACKAGE_ROOT = new URL('../../', import.meta.url);
const ACTION = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[\w./-]+$/;

export interface InitResult {
  /** The repository root, absolute. */
  root: string;
  /** The action the workflows use. */
  action: string;
  /** True when `action` is the placeholder of package.json: the workflows need a real one. */
  placeholderAction: boolean;
  /** Paths written (relative to the root, `/`); `.gitignore` when the line was added. */
  written: string[];
  /** Paths that existed and were kept as they are. */
  kept: string[];
}

/**
 * `init`: in the git repository around `cwd`, creates what is missing for ctct-gitops and never
 * overwrites: the accounts folder, `ctct-gitops.yaml`, the account and settings schemas for
 * editors (unless the package is installed in node_modules), a `.gitignore` line for the state
 * folder, and the plan, apply and drift workflows.
 */
export async function runInit(options: { cwd: string; action?: string }): Promise<InitResult> {
  if (options.action !== undefined && !ACTION.test(options.action)) {
    throw new InvalidInputError(
      [],
      `--action ${options.action}: expected OWNER/REPO@REF, such as acme/ctct-gitops@v0.1.0`,
    );
  }
  const root = await readGitRoot(options.cwd);
  const { action, placeholder } =
    options.action !== undefined ? { action: options.action, placeholder: false } : readDefaultAction();
  const settings = await readSettings(root, undefined);
  const accountsDir = settings.accounts_dir.replace(/\/+$/, '');
  const schemaDir = findSchemaFolder(root) ?? 'schema';
  const relativeTo = (folder: string, file: string) => path.posix.relative(folder, `${schemaDir}/${file}`);

  const files: Array<{ file: string; text: string }> = [
    ...(schemaDir === 'schema'
      ? ['account.schema.json', 'settings.schema.json'].map((name) => ({
          file: `schema/${name}`,
          text: readFileSync(new URL(`schema/${name}`, PACKAGE_ROOT), 'utf8'),
        }))
      : []),
    {
      file: DEFAULT_SETTINGS_FILE,
      text: renderSettingsFile(
        JSON.parse(readFileSync(new URL('schema/settings.schema.json', PACKAGE_ROOT), 'utf8')),
        DEFAULT_SETTINGS,
        relativeTo('.', 'settings.schema.json'),
      ),
    },
    ...(['plan', 'apply', 'drift'] as WorkflowKind[]).map((kind) => ({
      file: `.github/workflows/ctct-gitops-${kind}.yml`,
      text: renderWorkflow(kind, { action, accountsDir, configFile: DEFAULT_SETTINGS_FILE }),
    })),
  ];
  const written: string[] = [];
  const kept: string[] = [];
  if (existsSync(path.join(root, accountsDir))) kept.push(`${accountsDir}/`);
  else {
    files.unshift({
      file: `${accountsDir}/README.md`,
      text: renderAccountsReadme(relativeTo(accountsDir, 'account.schema.json')),
    });
  }
  for (const { file, text } of files) {
    const target = path.join(root, file);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      await writeFile(target, text, { flag: 'wx' });
      written.push(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      kept.push(file);
    }
  }
  if (await addIgnoreLine(root)) written.push('.gitignore');
  else kept.push('.gitignore');
  return { root, action, placeholderAction: placeholder, written, kept };
}

/**
 * The folder of the account and settings schemas in a repository, relative to it: the installed
 * package's (kept up to date by npm), else the copy init made; null when there is neither.
 */
export function findSchemaFolder(root: string): string | null {
  return (
    ['node_modules/ctct-gitops/schema', 'schema'].find((folder) =>
      existsSync(path.join(root, folder, 'account.schema.json')),
    ) ?? null
  );
}

async function readGitRoot(cwd: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', '--show-toplevel'], { cwd });
    return stdout.trim();
  } catch {
    throw new InvalidInputError(
      [],
      `${cwd} is not inside a git repository: init sets up a repository for ctct-gitops (run git init first)`,
    );
  }
}

/** `OWNER/REPO@vVERSION` from this package's `repository` and `version`. */
function readDefaultAction(): { action: string; placeholder: boolean } {
  const pkg = JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as {
    version: string;
    repository?: string | { url?: string };
  };
  const url = typeof pkg.repository === 'string' ? pkg.repository : (pkg.repository?.url ?? '');
  const match = /github(?:\.com[/:]|:)([\w.-]+)\/([\w.-]+?)(?:\.git)?$/.exec(url);
  const [owner, repo] = match ? [match[1]!, match[2]!] : [PLACEHOLDER_OWNER, 'ctct-gitops'];
  return { action: `${owner}/${repo}@v${pkg.version}`, placeholder: owner === PLACEHOLDER_OWNER };
}

/** Adds the state folder to `.gitignore` unless a line already ignores it; true when added. */
async function addIgnoreLine(root: string): Promise<boolean> {
  const file = path.join(root, '.gitignore');
  const text = existsSync(file) ? await readFile(file, 'utf8') : '';
  const ignored = text
    .split(/\r?\n/)
    .some((line) => [STATE_DIR, `${STATE_DIR}/`, `/${STATE_DIR}`, `/${STATE_DIR}/`].includes(line.trim()));
  if (ignored) return false;
  const separator = text === '' || text.endsWith('\n') ? '' : '\n';
  await appendFile(file, `${separator}# ctct-gitops: apply journal, lock and simulator state\n${STATE_DIR}/\n`);
  return true;
}

function renderAccountsReadme(schemaPath: string): string {
  return `# Client accounts

One Constant Contact client account per \`*.yaml\` file in this folder (sub-folders allowed),
managed by ctct-gitops: a pull request shows the plan, merging applies it.

- \`npx ctct-gitops import\` writes a file for each live account that no file names yet.
- A new account needs \`login_name\`, \`contact_email\` and \`country_code\`; its initial password comes
  from the environment variable named in \`password_env\`, never from the file.
- Start each file with this line, so editors check it against the schema:

\`\`\`yaml
# yaml-language-server: $schema=${schemaPath}
\`\`\`
`;
}
