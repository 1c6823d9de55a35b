import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { PLAIN_ENV, tempWorkspace } from './cli-workspace.js';

/** What bash offers for the words typed so far (the last one being completed), through the script the CLI prints. */
function completeInBash(script: string, words: string[]): string[] {
  const program =
    `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); ` +
    `COMP_CWORD=${words.length - 1}; _ctct_gitops; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', program], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('completion bash|zsh|fish', () => {
  it('bash completes commands, their options and option values', async () => {
    const dir = await tempWorkspace();
    const { code, stdout } = await runCli(['completion', 'bash'], { cwd: dir, env: PLAIN_ENV });
    expect(code).toBe(0);
    expect(completeInBash(stdout, ['ctct-gitops', 'pl'])).toEqual(['plan']);
    expect(completeInBash(stdout, ['ctct-gitops', 'plan', '--re'])).toEqual(['--refresh-only']);
    expect(completeInBash(stdout, ['ctct-gitops', 'plan', '--ta'])).toEqual(['--target']);
    expect(completeInBash(stdout, ['ctct-gitops', 'show', 'plan.json', '--format', ''])).toEqual([
      'text',
      'markdown',
      'json',
    ]);
    expect(completeInBash(stdout, ['ctct-gitops', 'completion', 'f'])).toEqual(['fish']);
  });

  it('zsh and fish scripts name every command; another shell is a usage error (exit 3)', async () => {
    const dir = await tempWorkspace();
    const zsh = await runCli(['completion', 'zsh'], { cwd: dir, env: PLAIN_ENV });
    expect(zsh.stdout.startsWith('#compdef ctct-gitops\nautoload -U +X bashcompinit && bashcompinit\n')).toBe(true);
    const fish = await runCli(['completion', 'fish'], { cwd: dir, env: PLAIN_ENV });
    expect(fish.stdout).toContain('-f -a "validate plan show apply import init completion simulator github"');
    expect(fish.stdout).toContain(
      'complete -c ctct-gitops -n "__fish_seen_subcommand_from plan" -l format -x -a "text markdown json"',
    );
    const tcsh = await runCli(['completion', 'tcsh'], { cwd: dir, env: PLAIN_ENV });
    expect(tcsh.code).toBe(3);
  });
});
