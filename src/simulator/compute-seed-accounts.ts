import { computeAccountId } from './account-store.js';
import type { SimAccount } from './sim-account.js';

const WORDS_A = ['Hanks', 'Blue', 'Northside', 'Golden', 'Maple', 'Harbor', 'Summit', 'Willow', 'Cedar', 'Bright'];
const WORDS_B = [
  'Fresh Fruit',
  'Bakery',
  'Dental',
  'Yoga',
  'Hardware',
  'Books',
  'Coffee',
  'Florist',
  'Plumbing',
  'Pets',
];
const US_STATES = ['MA', 'NY', 'CA', 'TX', 'WA', 'CO', 'FL', 'IL'];
const CA_PROVINCES = ['ON', 'QC', 'BC', 'AB'];
/** Seeded accounts were all created before this instant, one minute apart, so seeds do not depend on the clock. */
const SEED_EPOCH_MS = Date.UTC(2025, 0, 1);

/** mulberry32: a small deterministic generator, so the same count always gives the same accounts. */
function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}

/**
 * `count` generated accounts in a fixed mix: about 25 % TRIAL/Trial, 5 % TRIAL/`Trial End`,
 * 60 % BRONZE/SILVER/GOLD Open with a billing day, 10 % Canceled; about 60 % managed; every
 * fifth with SSO for all users.
 * `isIdTaken` keeps ids unique against accounts already stored.
 */
export function computeSeedAccounts(
  count: number,
  firstSeq: number,
  isIdTaken: (id: string) => boolean = () => false,
): SimAccount[] {
  const random = createRandom(0xc7c7 + firstSeq);
  const randomByte = () => Math.floor(random() * 256);
  const ids = new Set<string>();
  const accounts: SimAccount[] = [];
  for (let i = 0; i < count; i++) {
    const seq = firstSeq + i;
    let id = computeAccountId(randomByte);
    while (ids.has(id) || isIdTaken(id)) id = computeAccountId(randomByte);
    ids.add(id);
    const country = random() < 0.8 ? 'US' : random() < 0.5 ? 'CA' : 'GB';
    const createdMs = SEED_EPOCH_MS + seq * 60_000;
    const roll = random();
    const paidPlan = pick(['BRONZE', 'SILVER', 'GOLD'] as const, random);
    const billingDay = 1 + Math.floor(random() * 28);
    const account: SimAccount = {
      encoded_account_id: id,
      provision_uuid: computeUuid(random),
      login_name: `sim_client_${String(seq).padStart(5, '0')}`,
      contact_email: `owner${seq}@example.com`,
      country_code: country,
      state_code: country === 'US' ? pick(US_STATES, random) : country === 'CA' ? pick(CA_PROVINCES, random) : '',
      organization_name: `${pick(WORDS_A, random)} ${pick(WORDS_B, random)} ${seq}`,
      billing_locale: country === 'GB' ? 'en_GB' : 'en_US',
      has_password: true,
      managed_site_owner: random() < 0.6,
      plan_type: 'TRIAL',
      billing_status: 'Trial',
      billing_day_of_month: null,
      subscriber_count: Math.floor(random() * 3000),
      // Every fifth account has "SSO for all users"; from the sequence, so the random stream stays as it was.
      sso_enabled: seq % 5 === 0,
      sso_users: [],
      created_seq: seq,
      created_at: new Date(createdMs).toISOString(),
    };
    if (roll >= 0.25 && roll < 0.3) account.billing_status = 'Trial End';
    if (roll >= 0.3) {
      account.plan_type = paidPlan;
      account.billing_status = 'Open';
      account.billing_day_of_month = billingDay;
    }
    if (roll >= 0.9) {
      account.billing_status = 'Canceled';
      account.cancellation = {
        reason_id: pick([1, 2, 3, 11, 12, 14, 21, 27, 30], random),
        effective_date: new Date(createdMs + 30 * 86_400_000).toISOString(),
        requested_at: new Date(createdMs + 30 * 86_400_000).toISOString(),
      };
    }
    accounts.push(account);
  }
  return accounts;
}

function computeUuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}
