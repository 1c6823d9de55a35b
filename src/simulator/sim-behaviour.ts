import type { SimAccount } from './sim-account.js';

/**
 * Readings of CTCT that its documents leave open. The simulator can play each one, so the tool is
 * tested against every plausible CTCT and not only against its own reading. Each default follows
 * the vendor spec (`spec/ctct-v3-partner-subset-3.0.178.yaml`) where it speaks.
 */
export interface SimulatorBehaviour {
  /**
   * What `site_owner_name` in GET /partner/accounts holds. `login` (default): the spec's "The user
   * name that identifies a client account", example `Zen1016153` (subset spec, PartnerAccount,
   * line 739). `display-name`: the owner's name, as the guide's example `"Jack Box"` shows
   * (partners_accts_get.html).
   */
  siteOwnerName: 'login' | 'display-name';
  /**
   * How a create whose `login_name` is taken is refused. 409 (default): the spec's "Conflict. The
   * resource you are creating or updating conflicts with an existing resource" (line 136). 400: a
   * "data validation error" (line 128), which the spec's generic wording allows as well.
   */
  duplicateLogin: 409 | 400;
  /**
   * Which token paths are served. `both` (default): the spec's Cognito `/oauth2/token`
   * (securityDefinitions, line 703) and the newer `/partners/oauth2/default/v1/token` of CTCT's
   * 2025-09 release notes (API-NOTES §2). `authz` or `cognito`: only that one.
   */
  tokenPaths: 'both' | 'authz' | 'cognito';
  /**
   * The Authorization header partner calls must carry. `any` (default; the spec does not say):
   * `Bearer <jwt>` or the bare JWT. `bearer` or `raw`: only that form, as an OAuth2 gateway or CTCT's
   * own raw-header examples would have it.
   */
  authorizationScheme: 'any' | 'bearer' | 'raw';
  /**
   * Whether a token request must name the scope `v3api/general.partner` (line 706). False (default):
   * Cognito grants the client's allowed scopes when none is asked for. True: an Okta-style server
   * that answers 400 `invalid_scope` without one. A scope other than the partner one is always 400.
   */
  requireScope: boolean;
  /**
   * Who decides `managed_site_owner` of a new account. `request` (default): the create's field.
   * `always` / `never`: the partner's set-up at CTCT, whatever the request says ("if the client
   * account is setup as a managed account managed_site_owner is automatically set to true and
   * attempting to override the setting with false is ignored", line 872).
   */
  managedSiteOwner: 'request' | 'always' | 'never';
}

export const DEFAULT_BEHAVIOUR: SimulatorBehaviour = {
  siteOwnerName: 'login',
  duplicateLogin: 409,
  tokenPaths: 'both',
  authorizationScheme: 'any',
  requireScope: false,
  managedSiteOwner: 'request',
};

/** The path of the partner token endpoint of CTCT's 2025-09 release notes, as on https://authz.constantcontact.com. */
export const TOKEN_PATH = '/partners/oauth2/default/v1/token';
/**
 * The path of the token endpoint in the vendor spec
 * (https://v3api-partner.auth.us-east-1.amazoncognito.com/oauth2/token).
 */
export const COGNITO_TOKEN_PATH = '/oauth2/token';

/** The token paths served under `behaviour`, the one to advertise first. */
export function computeTokenPaths(behaviour: Pick<SimulatorBehaviour, 'tokenPaths'>): string[] {
  if (behaviour.tokenPaths === 'authz') return [TOKEN_PATH];
  if (behaviour.tokenPaths === 'cognito') return [COGNITO_TOKEN_PATH];
  return [TOKEN_PATH, COGNITO_TOKEN_PATH];
}

/** `site_owner_name` of an account as the list shows it under `behaviour`. */
export function computeSiteOwnerName(
  account: SimAccount,
  behaviour: Pick<SimulatorBehaviour, 'siteOwnerName'>,
): string {
  if (behaviour.siteOwnerName === 'login') return account.login_name;
  const name = [account.first_name, account.last_name].filter((part) => part !== undefined && part !== '').join(' ');
  return name || account.organization_name || account.contact_email;
}

/** `managed_site_owner` of a new account under `behaviour`. */
export function computeManagedSiteOwner(
  requested: unknown,
  behaviour: Pick<SimulatorBehaviour, 'managedSiteOwner'>,
): boolean {
  if (behaviour.managedSiteOwner === 'always') return true;
  if (behaviour.managedSiteOwner === 'never') return false;
  return requested === true;
}

/** Whether an Authorization header has the form `behaviour` accepts; returns the token in it. */
export function readAuthorizationToken(
  header: string | undefined,
  behaviour: Pick<SimulatorBehaviour, 'authorizationScheme'>,
): string | undefined {
  const value = (header ?? '').trim();
  const bearer = /^Bearer\s+(\S+)$/i.exec(value);
  if (bearer) return behaviour.authorizationScheme === 'raw' ? undefined : bearer[1];
  if (value === '' || /\s/.test(value)) return undefined;
  return behaviour.authorizationScheme === 'bearer' ? undefined : value;
}

/** The command-line spelling of each behaviour, for `simulator` and its help. */
export const BEHAVIOUR_FLAGS = {
  siteOwnerName: {
    flag: '--site-owner-name <reading>',
    values: ['login', 'display-name'],
    help: "what site_owner_name lists: the login name or the owner's display name",
  },
  duplicateLogin: {
    flag: '--duplicate-login <status>',
    values: ['409', '400'],
    help: 'how a create with a login name in use is refused',
  },
  tokenPaths: {
    flag: '--token-paths <which>',
    values: ['both', 'authz', 'cognito'],
    help: `token endpoint paths served: ${TOKEN_PATH} (authz), ${COGNITO_TOKEN_PATH} (cognito) or both`,
  },
  authorizationScheme: {
    flag: '--auth-scheme <scheme>',
    values: ['any', 'bearer', 'raw'],
    help: 'Authorization header accepted on partner calls: "Bearer <jwt>", the bare JWT, or either',
  },
  managedSiteOwner: {
    flag: '--managed-site-owner <who>',
    values: ['request', 'always', 'never'],
    help:
      'who decides managed_site_owner of a new account: the ' +
      'request, or the partner set-up (always / never managed)',
  },
} as const;
