import { readFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CANARY,
  cleanupAll,
  cli,
  findLeaks,
  hasImportCommand,
  leaks,
  makeRepo,
  renderAccountFile,
  scanFiles,
  scanned,
  standardSpecs,
  startCanarySim,
  type FaultCounter,
} from './harness.js';

/**
 * Secrets canary: a broad set of CLI invocations run with distinctive secret values (API key,
 * partner secret, a wrong partner secret, a wrong API key, account passwords), several against
 * faults that produce errors and a hostile server that echoes secrets back in its error bodies.
 * Every stdout and stderr, and every file under the repository afterwards, must be free of the
 * canaries and of any JWT the simulator issued.
 */

const HOSTILE_ECHO = (password: string) => [
  {
    error_key: 'partner.api.validation.error',
    error_message:
      `rejected password ${password} for key ${CANARY.apiKey} (secret ${CANARY.clientSecret}, ` +
      `basic ${Buffer.from(`${CANARY.clientId}:${CANARY.clientSecret}`).toString('base64')})`,
  },
];
const QUOTA = { error_key: 'quota_exceeded', error_message: 'Limit Exceeded' };

afterAll(async () => {
  await cleanupAll();
  console.log(
    `[reliability] secrets-canary: ${scanned.outputs} CLI invocations ` +
      `and ${scanned.files} files scanned (${scanned.bytes} bytes), ${leaks.length} leaks`,
  );
});

describe('secrets canary', () => {
  it('no canary secret and no JWT in any output, journal, report, saved plan or written file', async () => {
    const counter: FaultCounter = { injected: 0 };
    const sim = await startCanarySim({ requestsPerSecond: 20 }, counter);
    // Every create takes its initial password from RELY_PW_1, so a server echoing it back always
    // echoes a password that the run did send.
    const specs = standardSpecs('canary').map((spec) =>
      spec.id === undefined ? { ...spec, passwordEnv: 'RELY_PW_1' } : spec,
    );
    const repo = await makeRepo(sim, specs);
    const plaintextFile = 'bad-accounts/plaintext.yaml';
    // After every invocation, every file of the repository is read again: the journal, for one,
    // exists only while an intent is open.
    const expectCode = async (
      result: { code: number | null; stdout: string; stderr: string },
      codes: number[],
      what: string,
    ) => {
      if (process.env['RELY_VERBOSE'])
        console.log(`--- ${what}: exit ${result.code}\n${result.stdout}${result.stderr}`);
      expect(codes, `${what}: exit ${result.code}\n${result.stdout}${result.stderr}`).toContain(result.code);
      expect(await scanFiles(repo.dir, [plaintextFile]), `files after ${what}`).toEqual([]);
    };

    // A file with a plaintext password, which validate must refuse without quoting it.
    await mkdir(path.join(repo.dir, 'bad-accounts'), { recursive: true });
    const plaintext =
      'login_name: canary_plaintext\ncontact_email: p@example.com\n' +
      `country_code: GB\npassword: ${CANARY.passwords['RELY_PW_1']}\n`;
    await writeFile(path.join(repo.dir, plaintextFile), plaintext);

    // validate, all formats, good and bad files.
    for (const format of ['text', 'json', 'github'])
      await expectCode(await cli(repo, ['validate', '--format', format]), [0], `validate --format ${format}`);
    for (const format of ['text', 'json', 'github'])
      await expectCode(
        await cli(repo, ['validate', '--dir', 'bad-accounts', '--format', format]),
        [3],
        `validate bad --format ${format}`,
      );
    await expectCode(await cli(repo, ['plan', '--dir', 'bad-accounts']), [3], 'plan of the bad folder');

    // plan in all three formats, a saved plan, the detailed exit code.
    for (const format of ['text', 'markdown', 'json'])
      await expectCode(await cli(repo, ['plan', '--format', format]), [0], `plan --format ${format}`);
    await expectCode(await cli(repo, ['plan', '--out', 'saved-plan.json', '--detailed-exitcode']), [2], 'plan --out');

    // Wrong partner secret (401 from the token endpoint) and wrong API key (403) on plan and apply.
    for (const env of [{ CTCT_PARTNER_SECRET: CANARY.wrongSecret }, { CTCT_API_KEY: CANARY.wrongApiKey }] as Array<
      Record<string, string>
    >) {
      await expectCode(await cli(repo, ['plan', '--format', 'json'], { env }), [1], 'plan with a wrong credential');
      await expectCode(
        await cli(repo, ['apply', '--yes', '--report', 'report-badcred.json'], { env }),
        [1],
        'apply with a wrong credential',
      );
    }
    // A hostile token endpoint and API echoing the credentials and a JWT in their 401 bodies.
    const fakeJwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjYW5hcnkiLCJzY3AiOlsidjNhcGkiXX0.c2lnbmF0dXJlLWNhbmFyeQ';
    const tokenPath = new URL(sim.tokenUrl).pathname;
    sim.faults.add({
      path: tokenPath,
      kind: 'status',
      status: 401,
      body: { error: 'invalid_client', error_description: `bad client ${CANARY.clientSecret} ${fakeJwt}` },
      times: 1,
    });
    await expectCode(await cli(repo, ['plan']), [1], 'plan against a hostile token endpoint');
    sim.faults.add({
      method: 'GET',
      kind: 'status',
      status: 401,
      body: { error_key: 'unauthorized', error_message: `token ${fakeJwt} with key ${CANARY.apiKey} is invalid` },
      times: 2,
    });
    await expectCode(await cli(repo, ['plan', '--format', 'json']), [1], 'plan against an API refusing every token');
    sim.faults.clear();

    // A missing password variable blocks the creates in the plan, naming the variable only (apply
    // would skip them and carry out the rest, which this saved-plan scenario keeps for below).
    await expectCode(
      await cli(repo, ['plan', '--format', 'json'], { env: { RELY_PW_1: '' } }),
      [0],
      'plan without the password',
    );
    await expectCode(
      await cli(repo, ['plan', '--format', 'json'], { env: { RELY_PW_1: 'CANARY' } }),
      [0],
      'plan with a too short password',
    );

    // The saved plan, applied against a hostile server: a 400 create echoing the password and the
    // credentials, 500s on plan PUTs, a cancel answered 500 until its retries run out, and a create
    // whose connection drops after it was stored.
    sim.faults.add({
      method: 'POST',
      path: '/v3/partner/accounts',
      kind: 'status',
      status: 400,
      body: HOSTILE_ECHO(CANARY.passwords['RELY_PW_1']!),
      times: 1,
    });
    sim.faults.add({ method: 'POST', path: '/v3/partner/accounts', kind: 'drop-after-store', times: 1 });
    sim.faults.add({
      method: 'PUT',
      path: /\/plan$/,
      kind: 'status',
      status: 500,
      body: HOSTILE_ECHO(CANARY.passwords['RELY_PW_1']!),
      times: 6,
    });
    sim.faults.add({
      method: 'PUT',
      path: /\/status\/cancel$/,
      kind: 'status',
      status: 500,
      body: HOSTILE_ECHO(CANARY.passwords['RELY_PW_1']!),
      times: Infinity,
    });
    await expectCode(
      await cli(repo, ['apply', 'saved-plan.json', '--yes', '--report', 'report-faults.json']),
      [1],
      'apply of the saved plan under faults',
    );
    sim.faults.clear();
    const faultReport = JSON.parse(await readFile(path.join(repo.dir, 'report-faults.json'), 'utf8')) as {
      outcomes: Array<{ action: string; status: string; error?: string }>;
    };
    // The errors did reach the report (redacted), so the check above had something to look at.
    expect(faultReport.outcomes.find((o) => o.action === 'cancel')).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/500.*\[REDACTED\]/),
    });
    expect(
      faultReport.outcomes.some(
        (o) => o.action === 'create' && o.status === 'failed' && /400.*\[REDACTED\]/.test(o.error ?? ''),
      ),
    ).toBe(true);

    // The daily quota spent in the middle of the next apply.
    sim.faults.add({ kind: 'status', status: 429, body: QUOTA, times: Infinity });
    await expectCode(
      await cli(repo, ['apply', '--yes', '--report', 'report-quota.json']),
      [1],
      'apply with the quota spent',
    );
    sim.faults.clear();

    // Converge, then a new account whose create is refused with the password echoed back.
    await expectCode(await cli(repo, ['apply', '--yes', '--report', 'report-ok.json']), [0], 'apply');
    await writeFile(
      path.join(repo.dir, 'accounts', 'new', 'late.yaml'),
      renderAccountFile({
        file: 'new/late.yaml',
        login: 'canary_late_eight',
        country: 'US',
        state: 'VT',
        passwordEnv: 'RELY_PW_2',
        planType: 'GOLD',
      }),
    );
    sim.faults.add({
      method: 'POST',
      path: '/v3/partner/accounts',
      kind: 'status',
      status: 400,
      body: HOSTILE_ECHO(CANARY.passwords['RELY_PW_2']!),
      times: 1,
    });
    await expectCode(
      await cli(repo, ['apply', '--yes', '--report', 'report-late-400.json']),
      [1],
      'apply of a refused create',
    );
    sim.faults.add({
      method: 'POST',
      path: '/v3/partner/accounts',
      kind: 'status',
      status: 503,
      body: HOSTILE_ECHO(CANARY.passwords['RELY_PW_2']!),
      times: 1,
    });
    await expectCode(
      await cli(repo, ['apply', '--yes', '--report', 'report-late.json']),
      [0, 1],
      'apply of a create answered 503',
    );
    await expectCode(await cli(repo, ['apply', '--yes', '--report', 'report-final.json']), [0], 'final apply');
    await expectCode(await cli(repo, ['plan', '--detailed-exitcode', '--format', 'markdown']), [0], 'plan after apply');

    if (await hasImportCommand()) {
      // Another engineer adds import; run it when it exists (a live account no file names).
      await rmAccountFile(repo.dir, 'accounts/new/trial-six.yaml');
      await expectCode(await cli(repo, ['import']), [0, 1], 'import');
    }
    expect(counter.injected).toBeGreaterThanOrEqual(4);

    // The plaintext input file must be left as it was; it is the one file allowed to hold a canary.
    expect(await readFile(path.join(repo.dir, plaintextFile), 'utf8')).toBe(plaintext);
    const fileLeaks = await scanFiles(repo.dir, [plaintextFile]);
    expect(fileLeaks).toEqual([]);
    expect(leaks).toEqual([]);
    expect(findLeaks(`x ${CANARY.apiKey} y`, 'self-test')).toHaveLength(1);
    expect(findLeaks('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', 'self-test')).toHaveLength(1);
  }, 150_000);
});

async function rmAccountFile(dir: string, file: string): Promise<void> {
  const { rm } = await import('node:fs/promises');
  await rm(path.join(dir, file));
}
