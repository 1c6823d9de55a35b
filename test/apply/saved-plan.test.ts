import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CtctClient } from '../../src/ctct/ctct-client.js';
import type { Plan } from '../../src/model.js';
import type { Simulator } from '../../src/simulator/simulator.js';
import {
  createFileText,
  idLines,
  liveAccount,
  makeWorkspace,
  planDetailed,
  readText,
  runAgainst,
  startTestSim,
  writeRequests,
} from './apply-harness.js';

const SETTINGS = 'requests_per_second: 50\n';
const updateFile =
  'encoded_account_id: a07e1save001\nlogin_name: saved_update\nplan:\n  plan_type: GOLD\n  billing_day_of_month: 4\n';

async function setUp(): Promise<{ sim: Simulator; cwd: string }> {
  const sim = await startTestSim({ accounts: [liveAccount('a07e1save001', 'saved_update')] });
  const cwd = await makeWorkspace({
    'accounts/update.yaml': updateFile,
    'accounts/create.yaml': createFileText('saved_create', { plan: 'SILVER', day: 9 }),
    'ctct-gitops.yaml': SETTINGS,
  });
  const saved = await runAgainst(sim, cwd, ['plan', '--out', 'plan.json']);
  expect(saved.code).toBe(0);
  return { sim, cwd };
}

describe('apply PLAN.json (a plan saved with plan --out)', () => {
  it('applies a saved plan whose guards still hold', async () => {
    const { sim, cwd } = await setUp();
    const plan = JSON.parse(await readText(cwd, 'plan.json')) as Plan;
    expect(plan.summary).toMatchObject({ create: 1, update: 1 });

    const result = await runAgainst(sim, cwd, ['apply', 'plan.json', '--yes']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(sim.findByLogin('saved_update')).toMatchObject({ plan_type: 'GOLD', billing_day_of_month: 4 });
    const created = sim.findByLogin('saved_create');
    expect(created).toMatchObject({ plan_type: 'SILVER', billing_day_of_month: 9 });
    expect(idLines(await readText(cwd, 'accounts/create.yaml'))).toEqual([
      `encoded_account_id: ${created?.encoded_account_id}`,
    ]);
    expect((await planDetailed(sim, cwd)).code).toBe(0);

    // The same plan again: its create is done (the file names the id now), so it is refused.
    const writes = writeRequests(sim);
    const again = await runAgainst(sim, cwd, ['apply', 'plan.json', '--yes']);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/create saved_create: accounts\/create\.yaml already names a07e1/);
    expect(writeRequests(sim)).toBe(writes);
  }, 60_000);

  it('refuses (exit 4) a saved plan after the live account ' +
    'changed, naming the change, and writes nothing', async () => {
    const { sim, cwd } = await setUp();
    const client = new CtctClient({
      baseUrl: sim.baseUrl,
      tokenUrl: sim.tokenUrl,
      ...sim.credentials,
      requestsPerSecond: 0,
    });
    onTestFinished(() => client.close());
    await client.setPlan('a07e1save001', { plan_type: 'BRONZE', billing_day_of_month: 20 });
    const writes = writeRequests(sim);

    const result = await runAgainst(sim, cwd, ['apply', 'plan.json', '--yes']);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/no longer matches live state/);
    expect(result.stderr).toMatch(
      new RegExp(
        String.raw`update saved_update \(accounts\/update\.yaml\): billing_status is Open, the plan ` +
          'assumed Trial; plan_type is BRONZE, the plan assumed TRIAL',
      ),
    );
    expect(writeRequests(sim)).toBe(writes);
    expect(sim.findByLogin('saved_create')).toBeUndefined();
    expect(await readText(cwd, 'accounts/create.yaml')).toBe(
      createFileText('saved_create', { plan: 'SILVER', day: 9 }),
    );
  }, 60_000);

  it('refuses (exit 4) a saved plan whose create file changed since', async () => {
    const { sim, cwd } = await setUp();
    await writeFile(
      path.join(cwd, 'accounts/create.yaml'),
      createFileText('renamed_create', { plan: 'SILVER', day: 9 }),
    );
    const result = await runAgainst(sim, cwd, ['apply', 'plan.json', '--yes']);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/create saved_create: accounts\/create\.yaml no longer describes this account/);
    expect(writeRequests(sim)).toBe(0);
  }, 60_000);

  it('rejects (exit 3) a file that is not a saved plan', async () => {
    const sim = await startTestSim();
    const cwd = await makeWorkspace({
      'accounts/create.yaml': createFileText('never_created'),
      'not-a-plan.json': JSON.stringify({ hello: 'world', changes: [] }),
      'broken.json': '{"format_version": 1, "changes": [',
      'ctct-gitops.yaml': SETTINGS,
    });
    const notPlan = await runAgainst(sim, cwd, ['apply', 'not-a-plan.json', '--yes']);
    expect(notPlan.code).toBe(3);
    expect(notPlan.stderr).toMatch(
      /not-a-plan\.json:1:1: no format_version; not a ctct-gitops plan of format_version 1/,
    );
    const broken = await runAgainst(sim, cwd, ['apply', 'broken.json', '--yes']);
    expect(broken.code).toBe(3);
    expect(broken.stderr).toMatch(/broken\.json:1:1: not JSON \(.*\); not a ctct-gitops plan of format_version 1/);
    const missing = await runAgainst(sim, cwd, ['apply', 'missing.json', '--yes']);
    expect(missing.code).toBe(3);
    expect(writeRequests(sim)).toBe(0);
    expect(sim.accounts()).toHaveLength(0);
  }, 60_000);
});
