/**
 * Shapes of the CTCT V3 partner API, from the vendor's Swagger 2.0 description
 * (spec/ctct-v3-partner-subset-3.0.178.yaml, definitions of the same names).
 * Enumerations are open strings with known values: the spec lists them only in descriptions,
 * and GET may return values a partner's plan group has that we do not know.
 */

/** Current plan types, then the legacy ones CTCT still supports. */
export const KNOWN_PLAN_TYPES = ['TRIAL', 'BRONZE', 'SILVER', 'GOLD', 'GOOD', 'BETTER', 'BEST', 'LITE'] as const;

/** Cancellation reasons, https://developer.constantcontact.com/api_guide/partners_plans_cancel.html */
export const CANCEL_REASON_IDS = [1, 2, 3, 11, 12, 14, 21, 27, 30] as const;

export type AccountType = 'all' | 'managed' | 'unmanaged';

/** One entry of `site_owner_list` in GET /partner/accounts. */
export interface SiteOwner {
  encoded_account_id: string;
  subscriber_count?: number;
  organization_name?: string;
  site_owner_name?: string;
  /** `Trial`, `Open`, `Canceled` or `Trial End` (note the space); the docs also show `Active`. */
  billing_status: string;
  last_login_date?: string | null;
}

/** GET /partner/accounts response (`PartnerAccount`). */
export interface PartnerAccountPage {
  site_owner_list: SiteOwner[];
  _links?: { next?: { href: string } };
}

/** POST /partner/accounts request body (`Provision`). */
export interface ProvisionRequest {
  contact_email: string;
  contact_phone?: string;
  country_code: string;
  organization_name?: string;
  organization_phone?: string;
  state_code: string;
  time_zone_id?: string;
  website?: string;
  login_name: string;
  password?: string;
  first_name?: string;
  last_name?: string;
  partner_account_id?: string;
  billing_locale?: string;
  managed_site_owner?: boolean;
  enable_single_billing?: boolean;
  gdpr_opt_out?: boolean;
  external_id?: string;
  external_provider?: string;
}

/** POST /partner/accounts 201 body (`ProvisionResponse`). */
export interface ProvisionResponse {
  encoded_account_id: string;
  provision_uuid: string;
}

/** POST /partner/accounts/{id}/users/sso body (`SSOUser`, partner subset line 1125): every field required. */
export interface SsoUser {
  first_name: string;
  last_name: string;
  /** `account_manager` or `campaign_creator`. */
  role_name: string;
  contact_email: string;
  login_name: string;
  external_id: string;
  external_provider: string;
}

/** `TierObject` inside a plan. */
export interface Tier {
  usage_type?: string;
  current_usage?: number;
  tier?: number;
  tier_min?: number;
  tier_max?: number;
  price?: number;
  currency_code?: string;
}

/** GET and PUT /partner/accounts/{id}/plan response (`PlanTiersObject`). */
export interface PlanTiers {
  plan_type: string;
  current_tiers?: Tier[];
  billing_status: string;
  billing_day_of_month?: number | null;
}

/** PUT /partner/accounts/{id}/plan request body (`PlanInfo`). */
export interface PlanInfo {
  plan_type: string;
  plan_group_id?: number;
  billing_day_of_month?: number;
}

/** PUT /partner/accounts/{id}/status/cancel request and response (`AccountCancellation`). */
export interface AccountCancellation {
  reason_id?: number;
  effective_date?: string;
}

/** One entry of CTCT's error body; it may arrive as an array, one object, or not JSON at all. */
export interface CtctErrorEntry {
  error_key?: string;
  error_message?: string;
}

/**
 * POST /partner/accounts/{id}/account_operations/sync request (`PartnerAccountOperationsRequest`,
 * spec/ctct-v3-partner-subset-3.0.178.yaml lines 1052-1090): a V3 request CTCT sends on behalf of a managed account.
 */
export interface PartnerAccountOperationsRequest {
  /** A V3 path without the base URL, path parameters by name, e.g. `/contacts/{contact_id}`. */
  account_operation_url: string;
  account_operation_method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** The inner request body as a string-escaped JSON string. */
  account_operation_payload?: string;
  account_operation_query_parameters?: Array<{ query_param_key: string; query_param_value: string }>;
  account_operation_path_parameters?: Array<{ path_param_key: string; path_param_value: string }>;
  account_operation_headers?: Array<{ header_key: string; header_value: string }>;
}

/**
 * The account details `PUT /account/summary` changes (`CustomerPut`,
 * spec/ctct-v3-swagger-3.0.178.yaml lines 8463-8520); a partial update: absent fields stay as they are.
 */
export interface CustomerPut {
  contact_email?: string;
  contact_phone?: string;
  country_code?: string;
  first_name?: string;
  last_name?: string;
  organization_name?: string;
  organization_phone?: string;
  state_code?: string;
  time_zone_id?: string;
  website?: string;
}

/** The organization's address (`AccountPhysicalAddress`, spec/ctct-v3-swagger-3.0.178.yaml lines 8521-8570). */
export interface AccountPhysicalAddress {
  address_line1: string;
  address_line2?: string;
  address_line3?: string;
  city: string;
  /** US and CA only. */
  state_code?: string;
  /** Outside the US and CA. */
  state_name?: string;
  /** Required in the US and CA. */
  postal_code?: string;
  country_code: string;
}

/**
 * GET /account/summary?extra_fields=physical_address (`Customer`, spec/ctct-v3-swagger-3.0.178.yaml lines 8339-8462).
 */
export interface CustomerSummary extends CustomerPut {
  encoded_account_id?: string;
  physical_address?: AccountPhysicalAddress;
}
