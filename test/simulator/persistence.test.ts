import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/simulator.js';
import { InvalidInputError } from '../../src/errors.js';
import { PartnerCaller, provisionBody } from './sim-harness.js';

let dir: string;
let stateFile: string;
const running: Simulator[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ctct-sim-state-'));
  stateFile = join(dir, 'nested', 'simulator.json');
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: Parameters<typeof startSimulator>[0] = {}): Promise<Simulator> {
  const sim = await startSimulator({ requestsPerSecond: 0, stateFile, ...options });
  running.push(sim);
  return sim;
}

async function stop(sim: Simulator): Promise<void> {
  running.splice(running.indexOf(sim), 1);
  await sim.close();
}

describe('state file', () => {
  it('round-trips: a restarted simulator serves the accounts, plans and cancellations of the last one', async () => {
    const first = await start({ seed: 5 });
    const api = new PartnerCaller(first);
    const { encoded_account_id: id } = (
      await api.call('POST', '/v3/partner/accounts', { json: provisionBody('hanks_fresh_fruit') })
    ).body;
    await api.call('PUT', `/v3/partner/accounts/${id}/plan`, {
      json: { plan_type: 'GOLD', billing_day_of_month: 7, plan_group_id: 3 },
    });
    const { encoded_account_id: other } = (
      await api.call('POST', '/v3/partner/accounts', { json: provisionBody('leaving_client') })
    ).body;
    await api.call('PUT', `/v3/partner/accounts/${other}/status/cancel`, { json: { reason_id: 12 } });
    const before = first.accounts();
    expect(before).toHaveLength(7);
    await stop(first);

    const second = await start({ seed: 50 });
    expect(second.accounts()).toEqual(before);
    const api2 = new PartnerCaller(second);
    const listed = await api2.call('GET', '/v3/partner/accounts');
    expect(listed.body.site_owner_list.map((o: { encoded_account_id: string }) => o.encoded_account_id)).toEqual(
      before.map((a) => a.encoded_account_id),
    );
    expect((await api2.call('GET', `/v3/partner/accounts/${id}/plan`)).body).toMatchObject({
      plan_type: 'GOLD',
      billing_day_of_month: 7,
      billing_status: 'Open',
    });
    expect((await api2.call('POST', '/v3/partner/accounts', { json: provisionBody('hanks_fresh_fruit') })).status).toBe(
      409,
    );
    const stored = readFileSync(stateFile, 'utf8');
    expect(stored).not.toContain('Correct-Horse-9');
    expect(JSON.parse(stored).format_version).toBe(1);
  });

  it('writes atomically: each mutation replaces the file by rename and leaves no temporary file', async () => {
    const sim = await start();
    expect(existsSync(stateFile)).toBe(false);
    const api = new PartnerCaller(sim);
    const { encoded_account_id: id } = (
      await api.call('POST', '/v3/partner/accounts', { json: provisionBody('hanks_fresh_fruit') })
    ).body;
    const inodeAfterCreate = statSync(stateFile).ino;
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).accounts).toHaveLength(1);
    await api.call('PUT', `/v3/partner/accounts/${id}/plan`, { json: { plan_type: 'SILVER' } });
    expect(statSync(stateFile).ino).not.toBe(inodeAfterCreate);
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).accounts[0].plan_type).toBe('SILVER');
    await api.call('GET', `/v3/partner/accounts/${id}/plan`);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['simulator.json']);
  });

  it('does not write for reads', async () => {
    const sim = await start({ seed: 3 });
    const inode = statSync(stateFile).ino;
    const api = new PartnerCaller(sim);
    await api.call('GET', '/v3/partner/accounts');
    await api.call('GET', `/v3/partner/accounts/${sim.accounts()[0]?.encoded_account_id}/plan`);
    expect(statSync(stateFile).ino).toBe(inode);
  });

  it('seeds only a new or empty state', async () => {
    const first = await start({ seed: 4 });
    expect(first.accounts()).toHaveLength(4);
    await stop(first);
    const second = await start({ seed: 10 });
    expect(second.accounts()).toHaveLength(4);
  });

  it('refuses a file that is not a simulator state, and leaves it as it was', async () => {
    const file = join(dir, 'other.json');
    writeFileSync(file, '{"accounts": "no"}');
    await expect(startSimulator({ stateFile: file })).rejects.toThrow(
      new RegExp(
        String.raw`other\.json:1:1: no format_version; not a ctct-gitops simulator state of ` +
          String.raw`format_version 1 \(delete the file to start the simulator afresh\)`,
      ),
    );
    writeFileSync(file, 'not json');
    await expect(startSimulator({ stateFile: file, seed: 3 })).rejects.toThrow(InvalidInputError);
    await expect(startSimulator({ stateFile: file, seed: 3 })).rejects.toThrow(/other\.json:1:1: not JSON/);
    writeFileSync(file, '{"format_version": 1, "accounts": [{"encoded_account_id": "a07e1x", "login_name": "x"}]}');
    await expect(startSimulator({ stateFile: file })).rejects.toThrow(
      /other\.json:1:36: missing required field accounts\[0\]\.billing_status; not a ctct-gitops simulator state/,
    );
    expect(readFileSync(file, 'utf8')).toMatch(/^\{"format_version": 1, "accounts"/);
  });

  it('keeps a create answered 503 across a restart: it is stored, and finished on close', async () => {
    const first = await start({ provisionDelayMs: 600_000 });
    first.faults.add({ kind: 'provision-later' });
    const api = new PartnerCaller(first);
    expect((await api.call('POST', '/v3/partner/accounts', { json: provisionBody('hanks_fresh_fruit') })).status).toBe(
      503,
    );
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).pending_provisions).toHaveLength(1);
    await stop(first);
    const second = await start();
    expect(second.findByLogin('hanks_fresh_fruit')).toMatchObject({ plan_type: 'TRIAL' });
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).pending_provisions).toEqual([]);
  });
});
