import type { AccountPhysicalAddress, ProvisionRequest, SsoUser } from '../ctct/ctct-types.js';

/** A cancellation as stored: requested, and either in force or waiting for its effective date. */
export interface SimCancellation {
  reason_id?: number;
  /** ISO-8601; when the account becomes (or became) `Canceled`. */
  effective_date: string;
  requested_at: string;
}

/** A user added through POST /partner/accounts/{id}/users/sso, and when the simulator stored it. */
export interface SimSsoUser extends SsoUser {
  created_at?: string;
}

/**
 * Everything the simulator stores for one client account. The password is never stored:
 * only whether one was given.
 */
export interface SimAccount extends Omit<ProvisionRequest, 'password' | 'managed_site_owner'> {
  encoded_account_id: string;
  provision_uuid: string;
  has_password: boolean;
  managed_site_owner: boolean;
  plan_type: string;
  billing_status: string;
  billing_day_of_month: number | null;
  plan_group_id?: number;
  /** Set by PUT status/cancel; cleared when a paid plan reactivates the account. */
  cancellation?: SimCancellation;
  subscriber_count: number;
  /**
   * CTCT's "SSO for all users" feature, which the Constant Contact Partner team sets up per
   * client account; without it POST users/sso answers 403. Absent in older state files: off.
   */
  sso_enabled?: boolean;
  sso_users: SimSsoUser[];
  /** Set through POST/PUT /account/summary/physical_address (account_operations/sync). */
  physical_address?: AccountPhysicalAddress;
  /** 1-based position in creation order; the list endpoint pages in this order. */
  created_seq: number;
  created_at: string;
}
