/** The partner token URL since CTCT's September 2025 release notes (README, "Credentials and settings"). */
export const DEFAULT_TOKEN_URL = 'https://authz.constantcontact.com/partners/oauth2/default/v1/token';
/** Scope of the partner endpoints (securityDefinitions.ctctPartnerAuthorizer in the vendor spec, subset line 706). */
export const PARTNER_SCOPE = 'v3api/general.partner';

/** What to do with live accounts that no file names. */
export type OrphanPolicy = 'ignore' | 'report' | 'fail';

/** Normalised settings: every value present. Flags beat `ctct-gitops.yaml`, which beats these defaults. */
export interface Settings {
  /** Accounts folder, relative to the working directory. */
  accounts_dir: string;
  /** Client-side rate limit; CTCT allows 4/s per API key, 10/s for partner keys on request. */
  requests_per_second: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** How long apply lists accounts waiting for a create whose outcome is unknown. */
  create_wait_seconds: number;
  /**
   * `Bearer <jwt>` or the raw JWT in the Authorization header; CTCT's documents show both. `CTCT_AUTHORIZATION_SCHEME`
   * beats it.
   */
  authorization_scheme: 'bearer' | 'raw';
  /** The partner token endpoint; `CTCT_TOKEN_URL` beats it. */
  token_url: string;
  /** The scope asked of the token endpoint; '' asks for none. `CTCT_TOKEN_SCOPE` beats it. */
  token_scope: string;
  /** Which accounts GET /partner/accounts lists. */
  account_type: 'all' | 'managed' | 'unmanaged';
  orphans: OrphanPolicy;
  /** Most partner API calls one plan makes for reading; null for no limit. */
  max_api_calls: number | null;
  /** Partner API calls CTCT allows the API key per UTC day; null for no check. */
  daily_quota: number | null;
  safety: {
    max_cancels: number;
    /** Most accounts created in one run: each POST makes a real account, paid plans included. */
    max_creates: number;
    /** Share (0..1) of managed existing accounts that updates, cancels and reactivations may touch. */
    max_changed_share: number;
    /** The share is checked only from this many managed existing accounts on. */
    min_accounts_for_share: number;
  };
}

export const DEFAULT_SETTINGS: Settings = {
  accounts_dir: 'accounts',
  requests_per_second: 4,
  concurrency: 4,
  create_wait_seconds: 30,
  authorization_scheme: 'bearer',
  token_url: DEFAULT_TOKEN_URL,
  token_scope: PARTNER_SCOPE,
  account_type: 'all',
  orphans: 'report',
  max_api_calls: null,
  daily_quota: 10_000,
  safety: { max_cancels: 5, max_creates: 25, max_changed_share: 0.3, min_accounts_for_share: 10 },
};
