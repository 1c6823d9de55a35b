import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { assertNoLeakedSecrets } from './find-leaked-secrets.js';

/** The built CLI (`npx tsc -p tsconfig.build.json` writes it). */
export const CLI_PATH = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface RunCliOptions {
  /** Working directory of the CLI; file names in its output are relative to it. */
  cwd: string;
  /** Replaces the whole environment when given (PATH and the like are not added). */
  env?: NodeJS.ProcessEnv;
  /** Written to the CLI's standard input, which is then closed. */
  input?: string;
  /** The process is killed (SIGKILL) after this long; default 30 s. */
  timeoutMs?: number;
}

export interface RunCliResult {
  /** Exit code; null when the process was killed by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli.js ...args` as a child process and captures its output; never rejects on a non-zero exit. */
export function runCli(args: string[], options: RunCliOptions): Promise<RunCliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [CLI_PATH, ...args],
      {
        cwd: options.cwd,
        env: options.env ?? { ...process.env, NO_COLOR: '1' },
        timeout: options.timeoutMs ?? 30_000,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number' && error.signal == null) {
          // spawn failure (no node, no cwd) or a buffer overflow: not an exit of the CLI
          reject(error);
          return;
        }
        try {
          assertNoLeakedSecrets(options.env ?? process.env, args, stdout, stderr);
        } catch (leak) {
          reject(leak);
          return;
        }
        resolve({ code: child.exitCode ?? (typeof error?.code === 'number' ? error.code : null), stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}
