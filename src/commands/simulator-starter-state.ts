import type { SimAccount } from '../simulator/simulator.js';

const account = (
  id: string,
  login: string,
  organization: string,
  plan: string,
  day: number,
  seq: number,
): SimAccount => ({
  encoded_account_id: id,
  provision_uuid: `00000000-0000-4000-8000-00000000000${seq}`,
  login_name: login,
  contact_email: `${login.replace(/[^a-z]/g, '')}@example.com`,
  country_code: 'US',
  state_code: 'MA',
  organization_name: organization,
  has_password: true,
  managed_site_owner: false,
  plan_type: plan,
  billing_status: 'Open',
  billing_day_of_month: day,
  subscriber_count: 120 * seq,
  sso_users: [],
  created_seq: seq,
  created_at: '2026-01-15T12:00:00.000Z',
});

/**
 * The accounts a new `--simulator` state starts with, so the shipped example files show every kind
 * of change: riverside_dental matches its file, old_town_cycles is to be cancelled, and
 * lakeside_florist is named by no file (an orphan that `import` adopts).
 */
export const STARTER_ACCOUNTS: readonly SimAccount[] = [
  account('a07e1demo0001', 'riverside_dental', 'Riverside Dental', 'BRONZE', 15, 1),
  account('a07e1demo0002', 'old_town_cycles', 'Old Town Cycles', 'SILVER', 5, 2),
  account('a07e1demo0003', 'lakeside_florist', 'Lakeside Florist', 'GOLD', 10, 3),
];
