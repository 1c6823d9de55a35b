import type { PlanTiers, Tier } from '../ctct/ctct-types.js';
import type { SimAccount } from './sim-account.js';

/** Contact tiers in the shape of the docs' example (level 1 = 0–500, 2 = 501–1000, …). */
const TIERS: ReadonlyArray<readonly [min: number, max: number]> = [
  [0, 500],
  [501, 1000],
  [1001, 2500],
  [2501, 5000],
  [5001, 10000],
  [10001, 25000],
  [25001, 50000],
];

/** Monthly price per tier; invented but ordered like CTCT's public price list. */
const PRICES: Record<string, readonly number[]> = {
  BRONZE: [12, 20, 45, 65, 95, 160, 280],
  SILVER: [35, 55, 80, 110, 180, 290, 430],
  GOLD: [80, 100, 130, 175, 240, 390, 560],
  GOOD: [20, 45, 65, 95, 125, 195, 335],
  BETTER: [45, 65, 95, 125, 195, 295, 435],
  BEST: [80, 100, 130, 175, 240, 390, 560],
  LITE: [10, 10, 10, 10, 10, 10, 10],
};

/** The body of GET/PUT /partner/accounts/{id}/plan (`PlanTiersObject`); trials have no tiers. */
export function computePlanTiers(account: SimAccount): PlanTiers {
  const current_tiers: Tier[] = [];
  const prices = PRICES[account.plan_type];
  if (prices) {
    const usage = account.subscriber_count;
    const found = TIERS.findIndex(([, max]) => usage <= max);
    const index = found === -1 ? TIERS.length - 1 : found;
    const [tier_min, tier_max] = TIERS[index] as readonly [number, number];
    current_tiers.push({
      usage_type: 'CONTACTS',
      current_usage: usage,
      tier: index + 1,
      tier_min,
      tier_max,
      price: prices[index] as number,
      currency_code: account.billing_locale?.toLowerCase() === 'en_gb' ? 'GBP' : 'USD',
    });
  }
  return {
    plan_type: account.plan_type,
    current_tiers,
    billing_status: account.billing_status,
    billing_day_of_month: account.billing_day_of_month,
  };
}
