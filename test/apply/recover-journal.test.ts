import { describe, expect, it } from 'vitest';
import { readAccounts } from '../../src/accounts/read-accounts.js';
import { Journal } from '../../src/apply/journal.js';
import { recoverJournal } from '../../src/apply/recover-journal.js';
import { createSimClient, startTestSimulator } from '../ctct/sim-client.js';
import { makeWorkspace, readText } from './apply-harness.js';

/** A journal as a run leaves it when it dies after the POST and the write-back, before the plan PUT. */
async function interruptedCreate(cwd: string, id: string): Promise<Journal> {
  const journal = await Journal.open(`${cwd}/.ctct-gitops`);
  const runId = await journal.startRun([]);
  const intent = await journal.recordIntent(runId, 'half_done', 'accounts/half.yaml', 'Half Done', {
    plan_type: 'GOLD',
    billing_day_of_month: 7,
  });
  await journal.recordCreated(intent.intent_id, id, 'response');
  await journal.recordWritten(intent.intent_id, 'accounts/half.yaml');
  return journal;
}

const fileWith = (id: string, plan: string) =>
  `login_name: half_done\nencoded_account_id: ${id}\ncontact_email: half@example.com\ncountry_code: GB\n${plan}`;

describe('recoverJournal: the plan PUT an interrupted create never made', () => {
  it('sets the plan the file still asks for, and closes the intent', async () => {
    const sim = await startTestSimulator();
    const client = createSimClient(sim);
    const { encoded_account_id: id } = await client.createAccount({
      login_name: 'half_done',
      contact_email: 'half@example.com',
      country_code: 'GB',
      state_code: '',
    });
    const cwd = await makeWorkspace({
      'accounts/half.yaml': fileWith(id, 'plan:\n  plan_type: GOLD\n  billing_day_of_month: 7\n'),
      '.ctct-gitops/.keep': '',
    });
    const journal = await interruptedCreate(cwd, id);

    const result = await recoverJournal(journal, client, {
      cwd,
      accounts: await readAccounts(cwd, 'accounts'),
      env: {},
    });
    expect(result.resolved).toEqual([{ login_name: 'half_done', file: 'accounts/half.yaml', encoded_account_id: id }]);
    expect(sim.findByLogin('half_done')).toMatchObject({
      plan_type: 'GOLD',
      billing_status: 'Open',
      billing_day_of_month: 7,
    });
    expect(journal.openIntents()).toEqual([]);
    expect(await readText(cwd, 'accounts/half.yaml')).toBe(
      fileWith(id, 'plan:\n  plan_type: GOLD\n  billing_day_of_month: 7\n'),
    );
  });

  it(
    'leaves an account whose file now asks for another ' + 'plan to the normal plan, never reverting the edit',
    async () => {
      const sim = await startTestSimulator();
      const client = createSimClient(sim);
      const { encoded_account_id: id } = await client.createAccount({
        login_name: 'half_done',
        contact_email: 'half@example.com',
        country_code: 'GB',
        state_code: '',
      });
      const cwd = await makeWorkspace({
        'accounts/half.yaml': fileWith(id, 'plan:\n  plan_type: SILVER\n'),
        '.ctct-gitops/.keep': '',
      });
      const journal = await interruptedCreate(cwd, id);

      await recoverJournal(journal, client, { cwd, accounts: await readAccounts(cwd, 'accounts'), env: {} });
      expect(sim.stats.byOperation['setPlan'] ?? 0).toBe(0);
      expect(sim.findByLogin('half_done')).toMatchObject({ plan_type: 'TRIAL', billing_status: 'Trial' });
      expect(journal.openIntents()).toEqual([]);
    },
  );
});
