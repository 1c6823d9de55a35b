import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI_PATH, runCli } from '../helpers/run-cli.js';
import { exampleWorkspace, PLAIN_ENV } from './cli-workspace.js';

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** `plan --simulator` on a pseudo-terminal (util-linux `script`): stdout and stderr as the terminal shows them. */
function planOnTerminal(cwd: string, env: NodeJS.ProcessEnv): string {
  const command = [process.execPath, CLI_PATH, 'plan', '--simulator'].map((word) => `'${word}'`).join(' ');
  return execFileSync('script', ['-qec', command, '/dev/null'], { cwd, env, encoding: 'utf8', timeout: 30_000 });
}

/** PLAIN_ENV without NO_COLOR, on a terminal that takes control codes. */
const TERMINAL_ENV: NodeJS.ProcessEnv = { PATH: PLAIN_ENV['PATH'], TERM: 'xterm' };

describe('progress while reading live state', () => {
  it.skipIf(!hasScript)(
    'is drawn on a terminal (list pages, then plan reads) and cleared before the plan',
    async () => {
      const output = planOnTerminal(await exampleWorkspace(), TERMINAL_ENV);
      // The examples name 2 live accounts: 1 list page expected, then riverside_dental's plan to read.
      expect(output).toContain('\r\u001b[2Kreading live state: list 0/1 page, plan reads once listed');
      expect(output).toContain('\r\u001b[2Kreading live state: list 1/1 page, plans 0/1');
      const cleared = output.lastIndexOf('\r\u001b[2K');
      expect(output.slice(cleared + 4)).not.toContain('reading live state');
      expect(output.slice(cleared)).toContain('Plan: 4 to create, 1 to cancel; 1 orphan reported.');
    },
  );

  it.skipIf(!hasScript)('is silent on a terminal under NO_COLOR or TERM=dumb', async () => {
    const dir = await exampleWorkspace();
    for (const env of [
      { ...TERMINAL_ENV, NO_COLOR: '1' },
      { ...TERMINAL_ENV, TERM: 'dumb' },
    ]) {
      const output = planOnTerminal(dir, env);
      expect(output).toContain('Plan: 4 to create, 1 to cancel; 1 orphan reported.');
      expect(output).not.toContain('reading live state');
    }
  });

  it('is silent off a terminal: stderr holds only the notices', async () => {
    const result = await runCli(['plan', '--simulator'], {
      cwd: await exampleWorkspace(),
      env: { ...PLAIN_ENV, TERM: 'xterm' },
    });
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('reading live state');
    expect(result.stderr).not.toContain('\r');
  });
});
