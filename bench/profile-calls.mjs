// Extra API calls of reconciling account details (account_operations/sync): N accounts, 10 % of
// them managed with files that declare their details and address; a full plan and a pull-request
// plan that edits the details of 3 of them. Side by side with the naive way: a summary read for
// every account file, managed or not.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { computeWorkspacePlan, readWorkspace } from '../dist/commands/run-plan.js';
import { writeStateFile } from '../dist/simulator/account-store.js';
import { computeSeedAccounts } from '../dist/simulator/compute-seed-accounts.js';
import { startSimulator } from '../dist/simulator/simulator.js';
import {
  accountFileOf,
  commitAll,
  figure,
  formatNumber,
  pagesFor,
  REAL_RPS,
  simClient,
  tempDir,
  writeAccountFiles,
} from './lib.mjs';

const MANAGED_SHARE = 0.1;
const CHANGED = 3;

function addressOf(account) {
  const inUsOrCa = account.country_code === 'US' || account.country_code === 'CA';
  return {
    address_line1: `${account.created_seq} Harbor Road`,
    city: 'Portland',
    ...(inUsOrCa ? { state_code: account.state_code, postal_code: '04101' } : { state_name: 'Greater London' }),
    country_code: account.country_code,
  };
}

/** The file of a managed account that declares its details and address, converged with live state. */
function managedFileOf(account) {
  const a = account.physical_address;
  const details = [
    'managed_site_owner: true',
    `contact_email: "${account.contact_email}"`,
    `country_code: ${account.country_code}`,
    ...(account.state_code ? [`state_code: ${account.state_code}`] : []),
    'physical_address:',
    ...Object.entries(a).map(([key, value]) => `  ${key}: "${value}"`),
  ];
  return accountFileOf(account).replace('plan:\n', `${details.join('\n')}\nplan:\n`);
}

async function prepare(n) {
  const accounts = computeSeedAccounts(n, 1);
  const managedEvery = Math.round(1 / MANAGED_SHARE);
  accounts.forEach((account, index) => {
    account.managed_site_owner = index % managedEvery === 0;
    if (account.managed_site_owner) account.physical_address = addressOf(account);
  });
  const cwd = tempDir(`profile-${n}`);
  const stateFile = path.join(cwd, '..', `profile-${n}-simulator.json`);
  writeStateFile(stateFile, { format_version: 1, accounts, pending_provisions: [] });
  const sim = await startSimulator({ stateFile, requestsPerSecond: 0, dailyQuota: 0 });
  const files = writeAccountFiles(cwd, accounts);
  for (const account of accounts.filter((a) => a.managed_site_owner))
    writeFileSync(path.join(cwd, files.get(account.encoded_account_id)), managedFileOf(account));
  commitAll(cwd, `${n} account files, ${MANAGED_SHARE * 100} % managed with details`);
  return { sim, cwd, accounts, files };
}

async function measure(sim, cwd, changedSince) {
  const ws = await readWorkspace({ cwd });
  const client = simClient(sim, { concurrency: ws.settings.concurrency });
  try {
    const { plan } = await computeWorkspacePlan(
      client,
      { ...ws, cwd },
      { cwd, force: false, ...(changedSince && { changedSince }) },
    );
    return { plan, calls: client.calls };
  } finally {
    await client.close();
  }
}

export async function benchProfileCalls(n) {
  const { sim, cwd, accounts, files } = await prepare(n);
  const figures = [];
  try {
    const managed = accounts.filter((a) => a.managed_site_owner);
    const active = managed.filter((a) => a.billing_status !== 'Canceled').length;
    const managedPages = pagesFor(managed.length);

    const full = await measure(sim, cwd);
    const fullExtra = full.plan.api.managed_list_calls + full.plan.api.summary_calls;
    const fullSane =
      full.plan.summary.update_profile === 0 &&
      full.plan.problems.length === 0 &&
      full.calls.accountOperationsSync === full.plan.api.summary_calls;
    figures.push(
      figure({
        id: `profile_full_plan_${n}_extra_calls`,
        label: `Full plan N=${formatNumber(n)}, ${managed.length} managed with details: extra calls`,
        value: fullExtra,
        display: `${formatNumber(fullExtra)} (${full.plan.api.managed_list_calls} managed-list pages + ${formatNumber(full.plan.api.summary_calls)} summaries; ${Math.round(fullExtra / REAL_RPS)} s at 4 req/s)`,
        goal: `= ${formatNumber(managedPages + active)} (ceil(M/50) + active managed); naive ${formatNumber(n)}`,
        pass: fullExtra === managedPages + active && fullSane,
        detail: {
          managed: managed.length,
          active_managed: active,
          managed_list_calls: full.plan.api.managed_list_calls,
          summary_calls: full.plan.api.summary_calls,
          naive_summary_reads: n,
          total_calls: full.plan.api.list_calls + full.plan.api.plan_calls + fullExtra,
        },
      }),
    );

    // A pull request edits the details of three managed accounts.
    const chosen = managed.filter((a) => a.billing_status !== 'Canceled').slice(0, CHANGED);
    for (const account of chosen) {
      const file = path.join(cwd, files.get(account.encoded_account_id));
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(
          'managed_site_owner: true\n',
          'managed_site_owner: true\ncontact_phone: 207-555-0100\n',
        ),
      );
    }
    const pr = await measure(sim, cwd, 'HEAD');
    const prExtra = pr.plan.api.managed_list_calls + pr.plan.api.summary_calls;
    const prSane = pr.plan.summary.update_profile === CHANGED && pr.plan.api.not_refreshed === n - CHANGED;
    figures.push(
      figure({
        id: `profile_pr_plan_${n}_extra_calls`,
        label: `PR plan N=${formatNumber(n)}, details of 3 managed edited: extra calls`,
        value: prExtra,
        display: `${formatNumber(prExtra)} (${pr.plan.api.managed_list_calls} managed-list pages + ${pr.plan.api.summary_calls} summaries)`,
        goal: `= ${formatNumber(managedPages + CHANGED)} (ceil(M/50) + 3)`,
        pass: prExtra === managedPages + CHANGED && prSane,
        detail: {
          managed_list_calls: pr.plan.api.managed_list_calls,
          summary_calls: pr.plan.api.summary_calls,
          update_profile: pr.plan.summary.update_profile,
          total_calls: pr.plan.api.list_calls + pr.plan.api.plan_calls + prExtra,
          apply_calls: pr.plan.api.apply_calls,
        },
      }),
    );
  } finally {
    await sim.close();
  }
  return figures;
}
