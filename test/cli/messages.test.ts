import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/simulator.js';
import { CLI_PATH, runCli } from '../helpers/run-cli.js';
import { exampleWorkspace, PLAIN_ENV } from './cli-workspace.js';
import { simulatorEnv } from '../helpers/simulator-env.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('messages that tell the truth', () => {
  it('missing credentials name the variables and mention --simulator', async () => {
    const result = await runCli(['plan'], { cwd: await exampleWorkspace(), env: PLAIN_ENV });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'missing environment variables CTCT_API_KEY, CTCT_PARTNER_CLIENT_ID, CTCT_PARTNER_SECRET',
    );
    expect(result.stderr).toContain('--simulator');
  });

  it('a 403 on the API key says what to check', async () => {
    sim = await startSimulator({ requestsPerSecond: 0, dailyQuota: 0 });
    sim.faults.add({ method: 'GET', path: '/v3/partner/accounts', kind: 'status', status: 403, times: Infinity });
    const result = await runCli(['plan'], { cwd: await exampleWorkspace(), env: simulatorEnv(sim) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('→ 403');
    expect(result.stderr).toContain(
      'CTCT refused the API key: check that CTCT_API_KEY is the API key of your technology-partner V3 application',
    );
  });

  it('a base URL without /v3 gets a hint', async () => {
    sim = await startSimulator({ requestsPerSecond: 0, dailyQuota: 0 });
    const env = simulatorEnv(sim, { CTCT_BASE_URL: sim.baseUrl.replace(/\/v3$/, '') });
    const result = await runCli(['plan'], { cwd: await exampleWorkspace(), env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('→ 404');
    expect(result.stderr).toContain('CTCT_BASE_URL does not end with /v3; the V3 API root is https://api.cc.email/v3');
  });

  it('a usage error exits 3, as the help and README say', async () => {
    const dir = await exampleWorkspace();
    const unknownFlag = await runCli(['plan', '--no-such-flag'], { cwd: dir, env: PLAIN_ENV });
    expect(unknownFlag.code).toBe(3);
    expect(unknownFlag.stderr).toContain("unknown option '--no-such-flag'");
    const badValue = await runCli(['plan', '--format', 'yaml'], { cwd: dir, env: PLAIN_ENV });
    expect(badValue.code).toBe(3);
    const help = await runCli(['--help'], { cwd: dir, env: PLAIN_ENV });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}3 {2}invalid account files or settings, or a usage error/m);
  });

  const hasScript = (() => {
    try {
      execFileSync('script', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasScript)('the confirmation prompt under --simulator names the simulator, not live CTCT', async () => {
    const dir = await exampleWorkspace();
    const command = [process.execPath, CLI_PATH, 'apply', '--simulator', '--target', 'a07e1demo0002']
      .map((word) => `'${word}'`)
      .join(' ');
    let output = '';
    try {
      output = execFileSync('script', ['-qec', command, '/dev/null'], {
        cwd: dir,
        env: { ...PLAIN_ENV, TERM: 'dumb' },
        input: 'no\n',
        encoding: 'utf8',
        timeout: 30_000,
      });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout);
    }
    expect(output).toContain(
      "Apply these changes to the simulator's accounts (.ctct-gitops/simulator.json), not live CTCT?",
    );
    expect(output).toContain('apply cancelled: nothing was changed');
  });
});
