import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runImport } from '../../src/commands/run-import.js';
import { runInit } from '../../src/commands/run-init.js';
import { renderInitResult } from '../../src/init/render-init-result.js';
import { readSettings } from '../../src/settings/read-settings.js';
import { DEFAULT_SETTINGS } from '../../src/settings/settings.js';

const temps: string[] = [];
async function gitRepo(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ctct-init-'));
  temps.push(dir);
  execFileSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}
afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

/** The target of a `yaml-language-server: $schema=` modeline, resolved from the file that carries it. */
function modelineTarget(file: string, text: string): string {
  const match = /^# yaml-language-server: \$schema=(.+)$/m.exec(text);
  if (!match) throw new Error(`${file} has no schema modeline`);
  return path.resolve(path.dirname(file), match[1]!);
}

describe('init', () => {
  it(
    'writes the accounts folder, settings at their defaults, ' + 'schemas, the .gitignore line and three workflows',
    async () => {
      const root = await gitRepo();
      await writeFile(path.join(root, '.gitignore'), 'node_modules/');
      await mkdir(path.join(root, 'sub'));
      const result = await runInit({ cwd: path.join(root, 'sub'), action: 'acme/ctct-gitops@v0.1.0' });
      expect(result.written).toEqual([
        'accounts/README.md',
        'schema/account.schema.json',
        'schema/settings.schema.json',
        'ctct-gitops.yaml',
        '.github/workflows/ctct-gitops-plan.yml',
        '.github/workflows/ctct-gitops-apply.yml',
        '.github/workflows/ctct-gitops-drift.yml',
        '.gitignore',
      ]);
      expect(result.kept).toEqual([]);
      expect(await readFile(path.join(root, '.gitignore'), 'utf8')).toBe(
        'node_modules/\n# ctct-gitops: apply journal, lock and simulator state\n.ctct-gitops/\n',
      );
      expect(await readSettings(root, undefined)).toEqual(DEFAULT_SETTINGS);
      const settingsText = await readFile(path.join(root, 'ctct-gitops.yaml'), 'utf8');
      expect(settingsText).toContain('# Most cancellations in one run. Default: 5.\n  max_cancels: 5\n');
      for (const file of ['ctct-gitops.yaml', 'accounts/README.md']) {
        const absolute = path.join(root, file);
        expect(existsSync(modelineTarget(absolute, await readFile(absolute, 'utf8'))), file).toBe(true);
      }
      expect(await readFile(path.join(root, '.github/workflows/ctct-gitops-plan.yml'), 'utf8')).toContain(
        '      - uses: acme/ctct-gitops@v0.1.0\n',
      );

      const printed = renderInitResult(result, path.join(root, 'sub'));
      expect(printed).toContain('wrote ../ctct-gitops.yaml\n');
      expect(printed).toContain('added .ctct-gitops/ to ../.gitignore\n');
      expect(printed).toContain('The workflows run the action acme/ctct-gitops@v0.1.0.');
      for (const name of ['CTCT_API_KEY', 'CTCT_PARTNER_CLIENT_ID', 'CTCT_PARTNER_SECRET', 'CTCT_INITIAL_PASSWORDS'])
        expect(printed).toContain(`gh secret set ${name} `);
      for (const name of ['CTCT_BASE_URL', 'CTCT_TOKEN_URL'])
        expect(printed).toContain(`gh variable set ${name} --body VALUE`);
    },
  );

  it('a second run writes nothing and says so; files that exist are never overwritten', async () => {
    const root = await gitRepo();
    await writeFile(path.join(root, 'ctct-gitops.yaml'), 'accounts_dir: clients\nrequests_per_second: 2\n');
    const first = await runInit({ cwd: root });
    expect(first.kept).toEqual(['ctct-gitops.yaml']);
    expect(first.written).toContain('clients/README.md');
    expect(await readFile(path.join(root, 'ctct-gitops.yaml'), 'utf8')).toBe(
      'accounts_dir: clients\nrequests_per_second: 2\n',
    );
    // The workflows follow the accounts folder of the settings that were there.
    expect(await readFile(path.join(root, '.github/workflows/ctct-gitops-apply.yml'), 'utf8')).toContain(
      '      - clients/**\n',
    );

    const before = await Promise.all(first.written.map((file) => readFile(path.join(root, file), 'utf8')));
    const second = await runInit({ cwd: root, action: 'other/fork@v9' });
    expect(second.written).toEqual([]);
    const expectedKept = [
      'clients/',
      'ctct-gitops.yaml',
      '.gitignore',
      ...first.written.filter((file) => file !== 'clients/README.md' && file !== '.gitignore'),
    ];
    expect([...second.kept].sort()).toEqual(expectedKept.sort());
    expect(await Promise.all(first.written.map((file) => readFile(path.join(root, file), 'utf8')))).toEqual(before);
    const printed = renderInitResult(second, root);
    expect(printed.split('\n')[0]).toBe(
      'Nothing to write: ctct-gitops is already set up here, and every file was kept as it is.',
    );
    expect(printed).not.toContain('other/fork');
  });

  it('the files import writes after init carry a modeline that resolves', async () => {
    const root = await gitRepo();
    await runInit({ cwd: root, action: 'acme/ctct-gitops@v1' });
    const imported = await runImport({ cwd: root, dryRun: false, simulator: true, env: {} });
    expect(imported.written).toHaveLength(3);
    for (const file of imported.written) {
      const absolute = path.join(root, file);
      const text = await readFile(absolute, 'utf8');
      expect(text).toMatch(/^# yaml-language-server: \$schema=\.\.\/schema\/account\.schema\.json\n/);
      expect(existsSync(modelineTarget(absolute, text)), file).toBe(true);
    }
  });

  it(
    'points the modelines at the installed package instead ' + 'of copying the schemas when it is in node_modules',
    async () => {
      const root = await gitRepo();
      await mkdir(path.join(root, 'node_modules/ctct-gitops/schema'), { recursive: true });
      for (const name of ['account', 'settings'])
        await writeFile(path.join(root, `node_modules/ctct-gitops/schema/${name}.schema.json`), '{}');
      const result = await runInit({ cwd: root, action: 'acme/ctct-gitops@v1' });
      expect(result.written.filter((file) => file.startsWith('schema/'))).toEqual([]);
      const readme = await readFile(path.join(root, 'accounts/README.md'), 'utf8');
      expect(readme).toContain('$schema=../node_modules/ctct-gitops/schema/account.schema.json');
      expect(existsSync(modelineTarget(path.join(root, 'accounts/README.md'), readme))).toBe(true);
    },
  );

  it('defaults the action to the placeholder repository of package.json, and says to replace it', async () => {
    const root = await gitRepo();
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const result = await runInit({ cwd: root });
    expect(result).toMatchObject({ action: `your-org/ctct-gitops@v${pkg.version}`, placeholderAction: true });
    expect(renderInitResult(result, root)).toContain(
      'your-org is a placeholder: run init again with --action OWNER/REPO@REF',
    );
  });

  it('refuses a folder outside git and an --action that is not OWNER/REPO@REF, writing nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ctct-init-nogit-'));
    temps.push(dir);
    await expect(runInit({ cwd: dir })).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringContaining('is not inside a git repository'),
    });
    const root = await gitRepo();
    await expect(runInit({ cwd: root, action: 'ctct-gitops' })).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringContaining('expected OWNER/REPO@REF'),
    });
    expect(existsSync(path.join(root, 'ctct-gitops.yaml'))).toBe(false);
  });
});
