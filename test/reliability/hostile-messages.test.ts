import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSimClient, startTestSimulator } from '../ctct/sim-client.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempRepo, removeTempDirs } from './hostile-temp.js';

/**
 * Hostile corpus, messages: settings and servers that used to earn a misleading message or a hang
 * now name the real cause, and numbers outside sane bounds are refused up front (exit 3).
 */

const cases = { run: 0 };
afterAll(async () => {
  await removeTempDirs();
  console.log(`[reliability] hostile settings and messages: ${cases.run} cases`);
});

describe('a refused fresh token', () => {
  it('blames a lifetime too short to use, not the API key', async () => {
    cases.run++;
    // Every simulator reading of the clock is 1.5 s later: each 1-second token has expired when it is used.
    let clock = Date.UTC(2026, 5, 1, 12);
    const sim = await startTestSimulator({ tokenTtlSeconds: 1, now: () => (clock += 1500) });
    const error = await createSimClient(sim)
      .listAccounts()
      .then(
        () => null,
        (e: unknown) => e as Error,
      );
    expect(error?.message).toMatch(
      /the token endpoint said lasts only 1 s, too short to be used before it expires: check CTCT_TOKEN_URL/,
    );
    expect(error?.message).not.toMatch(/CTCT_API_KEY/);
  });

  it('still blames the API key and scheme when a token of a normal lifetime is refused', async () => {
    cases.run++;
    const sim = await startTestSimulator();
    sim.faults.add({ method: 'GET', kind: 'status', status: 401, times: Infinity });
    const error = await createSimClient(sim)
      .listAccounts()
      .then(
        () => null,
        (e: unknown) => e as Error,
      );
    expect(error?.message).toMatch(
      /CTCT refused a freshly minted token: check CTCT_API_KEY and the authorization_scheme setting/,
    );
  });
});

describe('numbers out of bounds', () => {
  it.each(['0.0001', '1000', '4x'])('--rps %s is refused with exit 3 before any call', async (rps) => {
    cases.run++;
    const result = await runCli(['plan', '--simulator', '--rps', rps], { cwd: await makeTempRepo() });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/expected a number from 0\.5 to 100, got /);
  });

  it('requests_per_second: 0.0001 in the settings file is refused at its line', async () => {
    cases.run++;
    const cwd = await makeTempRepo();
    await writeFile(path.join(cwd, 'ctct-gitops.yaml'), 'concurrency: 2\nrequests_per_second: 0.0001\n');
    const result = await runCli(['validate'], { cwd });
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(
      /^ctct-gitops\.yaml:2:22: requests_per_second must be at least 0\.5 \(got 0\.0001\)$/m,
    );
  });
});
