import { randomBytes, randomUUID } from 'node:crypto';
import { CANCEL_REASON_IDS, KNOWN_PLAN_TYPES, type AccountType } from '../ctct/ctct-types.js';
import { computeAccountId, type AccountStore } from './account-store.js';
import { computePlanTiers } from './compute-plan-tiers.js';
import type { SimAccount } from './sim-account.js';
import { computeManagedSiteOwner, computeSiteOwnerName, type SimulatorBehaviour } from './sim-behaviour.js';
import { runSyncOperation } from './sync-operation-routes.js';
import { answerError, answerErrors, answerForbidden, answerStatus, type SimResponse } from './sim-response.js';
import { validateProvision } from './validate-provision.js';
import { validateSpecBody, type ValidationError } from './validate-spec-body.js';

/** Operation names, as counted in `SimulatorStats.byOperation`. */
export type PartnerOperation =
  | 'listAccounts'
  | 'createAccount'
  | 'getPlan'
  | 'setPlan'
  | 'cancelAccount'
  | 'createSSOUser'
  | 'accountOperationsSync';

/** A partner request resolved to its operation. */
export interface PartnerRoute {
  operation: PartnerOperation;
  accountId?: string;
}

/** What an operation sees of the request, and the state it acts on. */
export interface PartnerContext {
  store: AccountStore;
  nowMs: number;
  query: URLSearchParams;
  contentType: string | undefined;
  rawBody: string;
  behaviour: Readonly<SimulatorBehaviour>;
  /** Set by a create answered 503 that is stored (spec): the account appears at this time. */
  provisionLaterAt?: number;
  onProvisionDeferred?: (encodedAccountId: string) => void;
  /** Whether accounts created now get the SSO feature (a partner-level arrangement with CTCT). */
  ssoForNewAccounts?: boolean;
}

const ROUTES: ReadonlyArray<{ pattern: RegExp; methods: Readonly<Record<string, PartnerOperation>> }> = [
  { pattern: /^\/v3\/partner\/accounts$/, methods: { GET: 'listAccounts', POST: 'createAccount' } },
  { pattern: /^\/v3\/partner\/accounts\/([^/]+)\/plan$/, methods: { GET: 'getPlan', PUT: 'setPlan' } },
  { pattern: /^\/v3\/partner\/accounts\/([^/]+)\/status\/cancel$/, methods: { PUT: 'cancelAccount' } },
  { pattern: /^\/v3\/partner\/accounts\/([^/]+)\/users\/sso$/, methods: { POST: 'createSSOUser' } },
  {
    pattern: /^\/v3\/partner\/accounts\/([^/]+)\/account_operations\/sync$/,
    methods: { POST: 'accountOperationsSync' },
  },
];

/** The operation for `method` and `path`, or the 404/405 answer. */
export function matchPartnerRoute(method: string, path: string): PartnerRoute | SimResponse {
  for (const { pattern, methods } of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    const operation = methods[method];
    if (!operation) return { ...answerStatus(405), headers: { allow: Object.keys(methods).join(', ') } };
    return match[1] === undefined ? { operation } : { operation, accountId: decodeURIComponent(match[1]) };
  }
  return answerStatus(404);
}

export function runPartnerOperation(route: PartnerRoute, ctx: PartnerContext): SimResponse {
  switch (route.operation) {
    case 'listAccounts':
      return listAccounts(ctx);
    case 'createAccount':
      return createAccount(ctx);
    default:
      return runAccountOperation(route.operation, route.accountId ?? '', ctx);
  }
}

function runAccountOperation(operation: PartnerOperation, accountId: string, ctx: PartnerContext): SimResponse {
  const body = readJsonBody(ctx, operation === 'createSSOUser');
  if ('response' in body) return body.response;
  const account = ctx.store.get(accountId);
  if (!account) return answerError(404, 'partner.api.not_found', `Client account ${accountId} was not found.`);
  switch (operation) {
    case 'getPlan':
      return { status: 200, body: computePlanTiers(account) };
    case 'setPlan':
      return setPlan(account, body.value ?? {}, ctx);
    case 'cancelAccount':
      return cancelAccount(account, body.value ?? {}, ctx);
    case 'createSSOUser':
      return createSsoUser(account, body.value ?? {}, ctx);
    default:
      return syncAccountOperation(account, body.value ?? {}, ctx.store);
  }
}

type JsonBody = { value: Record<string, unknown> | undefined } | { response: SimResponse };

/** JSON object body; `application/json` is required whenever there is a body, and for `required` ones. */
function readJsonBody(ctx: PartnerContext, required: boolean): JsonBody {
  const hasBody = ctx.rawBody.trim().length > 0;
  if (!hasBody && !required) return { value: undefined };
  const mediaType = ctx.contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') return { response: answerStatus(415) };
  if (!hasBody)
    return { response: answerError(400, 'partner.api.validation.error', 'A JSON request body is required.') };
  let value: unknown;
  try {
    value = JSON.parse(ctx.rawBody);
  } catch {
    return { response: answerError(400, 'partner.api.request.malformed', 'The request body is not valid JSON.') };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { response: answerError(400, 'partner.api.request.malformed', 'The request body must be a JSON object.') };
  }
  return { value: value as Record<string, unknown> };
}

const ACCOUNT_TYPES: readonly AccountType[] = ['all', 'managed', 'unmanaged'];

/** The docs' opaque offset: base64 of the start index with '=' written '*' (`MTA*` is 10). */
export function encodeOffset(start: number): string {
  return Buffer.from(String(start)).toString('base64').replaceAll('=', '*');
}

function decodeOffset(offset: string): number | undefined {
  const text = Buffer.from(offset.replaceAll('*', '='), 'base64').toString('utf8');
  return /^\d{1,9}$/.test(text) && encodeOffset(Number(text)) === offset ? Number(text) : undefined;
}

/** GET /partner/accounts, https://developer.constantcontact.com/api_guide/partners_accts_get.html */
function listAccounts(ctx: PartnerContext): SimResponse {
  const rawLimit = ctx.query.get('limit');
  const asked = rawLimit !== null && /^\d+$/.test(rawLimit) ? Number(rawLimit) : Number.NaN;
  // The spec: a limit under 10 or over 50 "is ignored and the system uses the default values".
  const limit = asked >= 10 && asked <= 50 ? asked : 50;
  const accountType = ctx.query.get('account_type');
  if (accountType !== null && !ACCOUNT_TYPES.includes(accountType as AccountType)) {
    return answerError(400, 'partner.api.validation.error', 'account_type must be one of all, managed, unmanaged.');
  }
  const rawOffset = ctx.query.get('offset');
  const start = rawOffset === null ? 0 : decodeOffset(rawOffset);
  if (start === undefined) return answerError(400, 'partner.api.validation.error', 'offset is not valid.');

  const all = ctx.store.all();
  const accounts =
    accountType === null || accountType === 'all'
      ? all
      : all.filter((a) => a.managed_site_owner === (accountType === 'managed'));
  const site_owner_list = accounts.slice(start, start + limit).map((a) => ({
    encoded_account_id: a.encoded_account_id,
    subscriber_count: a.subscriber_count,
    ...(a.organization_name === undefined ? {} : { organization_name: a.organization_name }),
    site_owner_name: computeSiteOwnerName(a, ctx.behaviour),
    billing_status: a.billing_status,
  }));
  if (start + limit >= accounts.length) return { status: 200, body: { site_owner_list } };
  const type = accountType === null ? '' : `&account_type=${accountType}`;
  const href = `/v3/partner/accounts?offset=${encodeOffset(start + limit)}&limit=${limit}${type}`;
  return { status: 200, body: { site_owner_list, _links: { next: { href } } } };
}

const PROVISION_FIELDS = [
  'contact_email',
  'contact_phone',
  'country_code',
  'organization_name',
  'organization_phone',
  'state_code',
  'time_zone_id',
  'website',
  'login_name',
  'first_name',
  'last_name',
  'partner_account_id',
  'billing_locale',
  'enable_single_billing',
  'gdpr_opt_out',
  'external_id',
  'external_provider',
] as const;

/** POST /partner/accounts, https://developer.constantcontact.com/api_guide/partners_accts_create.html */
function createAccount(ctx: PartnerContext): SimResponse {
  const body = readJsonBody(ctx, true);
  if ('response' in body) return body.response;
  const request = body.value ?? {};
  const errors = validateProvision(request);
  if (errors.length > 0) return answerErrors(400, errors);
  const loginName = request.login_name as string;
  if (ctx.store.isLoginTaken(loginName)) {
    return ctx.behaviour.duplicateLogin === 400
      ? answerError(400, 'partner.api.validation.error', `login_name ${loginName} is not available.`)
      : answerError(409, 'partner.api.conflict', `login_name ${loginName} is already in use.`);
  }
  let id = computeAccountId(() => randomBytes(1)[0] as number);
  while (ctx.store.isIdTaken(id)) id = computeAccountId(() => randomBytes(1)[0] as number);
  const account: SimAccount = {
    encoded_account_id: id,
    provision_uuid: randomUUID(),
    login_name: loginName,
    contact_email: request.contact_email as string,
    country_code: request.country_code as string,
    state_code: request.state_code as string,
    has_password: typeof request.password === 'string',
    managed_site_owner: computeManagedSiteOwner(request.managed_site_owner, ctx.behaviour),
    plan_type: 'TRIAL',
    billing_status: 'Trial',
    billing_day_of_month: null,
    subscriber_count: 0,
    sso_enabled: ctx.ssoForNewAccounts === true,
    sso_users: [],
    created_seq: ctx.store.nextSeq(),
    created_at: new Date(ctx.nowMs).toISOString(),
  };
  for (const field of PROVISION_FIELDS) {
    if (request[field] !== undefined) Object.assign(account, { [field]: request[field] });
  }
  // Single billing needs a managed account; otherwise the flag has nothing to act on.
  if (!account.managed_site_owner) delete account.enable_single_billing;
  if (ctx.provisionLaterAt !== undefined) {
    // "the client account provision data is stored and processed when provisioning becomes available" (spec, POST
    // /partner/accounts)
    ctx.store.reserve({ account, ready_at: ctx.provisionLaterAt });
    ctx.onProvisionDeferred?.(account.encoded_account_id);
    return answerStatus(503);
  }
  ctx.store.add(account);
  return {
    status: 201,
    body: { encoded_account_id: account.encoded_account_id, provision_uuid: account.provision_uuid },
  };
}

const invalid = (message: string): ValidationError => ['partner.api.validation.error', message];

/** An integer, or a string of digits (the docs' own example sends `"billing_day_of_month":"1"`). */
function readInteger(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d{1,9}$/.test(value)) return Number(value);
  return undefined;
}

/** PUT /partner/accounts/{id}/plan, https://developer.constantcontact.com/api_guide/partners_plans_update.html */
function setPlan(account: SimAccount, body: Record<string, unknown>, ctx: PartnerContext): SimResponse {
  const billingDay = readInteger(body.billing_day_of_month);
  const planGroupId = readInteger(body.plan_group_id);
  // `PlanInfo` (spec line 1002), with the digit strings the docs' own example sends read as integers.
  const errors = [
    ...validateSpecBody('PlanInfo', {
      ...body,
      ...(billingDay !== undefined && { billing_day_of_month: billingDay }),
      ...(planGroupId !== undefined && { plan_group_id: planGroupId }),
    }),
  ];
  const planType = body.plan_type;
  // The endpoint changes the plan: without plan_type there is nothing to do.
  if (typeof planType !== 'string' || planType === '') errors.push(invalid('plan_type is required.'));
  else if (!(KNOWN_PLAN_TYPES as readonly string[]).includes(planType)) {
    errors.push(['partner.api.plan.invalid', `plan_type ${planType} is not available in your partner plan group.`]);
  }
  // "Valid billing_day_of_month values include 1 through and including 31" (PlanTiersObject).
  if (billingDay !== undefined && (billingDay < 1 || billingDay > 31))
    errors.push(invalid('billing_day_of_month must be an integer from 1 to 31.'));
  if (errors.length > 0) return answerErrors(400, errors);

  if (planType === 'TRIAL') {
    // "After changing the plan_type from TRIAL to any other billing plan type, you cannot change it back to TRIAL";
    // and a canceled account is reactivated only with a plan that "cannot be TRIAL".
    if (account.plan_type !== 'TRIAL')
      return answerError(400, 'partner.api.plan.invalid', 'plan_type cannot be changed back to TRIAL.');
    if (account.billing_status === 'Canceled')
      return answerError(
        400,
        'partner.api.plan.invalid',
        'A canceled account cannot be reactivated with plan_type TRIAL.',
      );
    return { status: 200, body: computePlanTiers(account) };
  }
  ctx.store.update(account, (a) => {
    // The billing day can be set only when leaving TRIAL; otherwise "the value you enter is ignored".
    if (a.plan_type === 'TRIAL') a.billing_day_of_month = billingDay ?? new Date(ctx.nowMs).getUTCDate();
    a.plan_type = planType as string;
    if (planGroupId !== undefined) a.plan_group_id = planGroupId;
    // Leaving TRIAL opens billing; a paid plan on a canceled account reactivates it (partners_plans_cancel.html).
    // A cancellation still waiting for its date stays: only a canceled account is reactivated.
    if (a.billing_status === 'Canceled') delete a.cancellation;
    a.billing_status = 'Open';
  });
  return { status: 200, body: computePlanTiers(account) };
}

/**
 * PUT /partner/accounts/{id}/status/cancel, https://developer.constantcontact.com/api_guide/partners_plans_cancel.html
 */
function cancelAccount(account: SimAccount, body: Record<string, unknown>, ctx: PartnerContext): SimResponse {
  const errors = [...validateSpecBody('AccountCancellation', body)];
  const reasonId = body.reason_id;
  if (typeof reasonId === 'number' && !(CANCEL_REASON_IDS as readonly unknown[]).includes(reasonId)) {
    errors.push(invalid(`reason_id must be one of ${CANCEL_REASON_IDS.join(', ')}.`));
  }
  if (errors.length > 0) return answerErrors(400, errors);
  const rawDate = body.effective_date;
  const effectiveMs = typeof rawDate === 'string' ? Date.parse(rawDate) : Number.NaN;
  // Cancelling a canceled account is undocumented; the simulator answers with the cancellation in force.
  if (account.billing_status === 'Canceled' && account.cancellation)
    return { status: 200, body: renderCancellation(account) };
  const when = Number.isNaN(effectiveMs) || effectiveMs < ctx.nowMs ? ctx.nowMs : effectiveMs;
  ctx.store.update(account, (a) => {
    a.cancellation = {
      ...(typeof reasonId === 'number' ? { reason_id: reasonId } : {}),
      effective_date: new Date(when).toISOString(),
      requested_at: new Date(ctx.nowMs).toISOString(),
    };
    // A future effective date keeps the status until then (AccountStore.settle flips it).
    if (when <= ctx.nowMs) a.billing_status = 'Canceled';
  });
  return { status: 200, body: renderCancellation(account) };
}

function renderCancellation(account: SimAccount): Record<string, unknown> {
  const c = account.cancellation;
  return { ...(c?.reason_id === undefined ? {} : { reason_id: c.reason_id }), effective_date: c?.effective_date };
}

const SSO_ROLES = ['account_manager', 'campaign_creator'];

/**
 * POST /partner/accounts/{id}/users/sso: the vendor spec's `SSOUser`, every field required
 * (ctct-v3-partner-subset-3.0.178.yaml, path at line 375, definition at line 1125). Only for an
 * account with "SSO for all users" (403 otherwise, the spec's "lack the necessary privileges");
 * the spec calls the email "unique", so a login or an email already in the account is a 409.
 */
function createSsoUser(account: SimAccount, body: Record<string, unknown>, ctx: PartnerContext): SimResponse {
  if (account.sso_enabled !== true) {
    return answerForbidden(
      `Single Sign On (SSO) for all users is not enabled for client account ${account.encoded_account_id}.`,
    );
  }
  const errors = [...validateSpecBody('SSOUser', body)];
  if (typeof body.role_name === 'string' && !SSO_ROLES.includes(body.role_name))
    errors.push(invalid('role_name must be account_manager or campaign_creator.'));
  if (errors.length > 0) return answerErrors(400, errors);
  const login = (body.login_name as string).toLowerCase();
  const email = (body.contact_email as string).toLowerCase();
  if (
    account.login_name.toLowerCase() === login ||
    account.sso_users.some((u) => u.login_name.toLowerCase() === login)
  ) {
    return answerError(
      409,
      'partner.api.conflict',
      `login_name ${body.login_name as string} is already in use in this account.`,
    );
  }
  if (account.sso_users.some((u) => u.contact_email.toLowerCase() === email)) {
    return answerError(
      409,
      'partner.api.conflict',
      `contact_email ${body.contact_email as string} is already in use in this account.`,
    );
  }
  ctx.store.update(account, (a) => {
    a.sso_users.push({
      first_name: body.first_name as string,
      last_name: body.last_name as string,
      role_name: body.role_name as string,
      contact_email: body.contact_email as string,
      login_name: body.login_name as string,
      external_id: body.external_id as string,
      external_provider: body.external_provider as string,
      created_at: new Date(ctx.nowMs).toISOString(),
    });
  });
  return { status: 201 };
}

const SYNC_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

/**
 * POST /partner/accounts/{id}/account_operations/sync, only for managed accounts
 * (https://developer.constantcontact.com/api_guide/partners_master_token.html): the outer request
 * is checked here (`PartnerAccountOperationsRequest`, spec/ctct-v3-partner-subset-3.0.178.yaml lines 1052-1090), the
 * inner
 * one is run against the stored account by {@link runSyncOperation}.
 */
function syncAccountOperation(account: SimAccount, body: Record<string, unknown>, store: AccountStore): SimResponse {
  const errors = [...validateSpecBody('PartnerAccountOperationsRequest', body)];
  const method = body.account_operation_method;
  if (typeof method === 'string' && !SYNC_METHODS.includes(method.toUpperCase()))
    errors.push(invalid('account_operation_method must be GET, POST, PUT, DELETE or PATCH.'));
  const url = body.account_operation_url;
  if (typeof url === 'string' && (!url.startsWith('/') || /^\/v3\//.test(url))) {
    errors.push(invalid('account_operation_url must be a V3 path without the https://api.cc.email/v3 base URL.'));
  }
  if (errors.length > 0) return answerErrors(400, errors);
  // The spec's 403: "you lack the necessary user privileges"; the call exists only for managed accounts.
  if (!account.managed_site_owner) return answerForbidden();
  let path = url as string;
  for (const p of (body.account_operation_path_parameters ?? []) as Array<Record<string, string>>) {
    path = path.replace(`{${p.path_param_key}}`, encodeURIComponent(p.path_param_value ?? ''));
  }
  const query = new URLSearchParams();
  for (const q of (body.account_operation_query_parameters ?? []) as Array<Record<string, string>>)
    query.append(q.query_param_key ?? '', q.query_param_value ?? '');
  const inner = runSyncOperation(
    account,
    {
      method: (method as string).toUpperCase(),
      path,
      query,
      payload: body.account_operation_payload as string | undefined,
    },
    store,
  );
  // The spec declares one success status for sync, 200, "corresponds to the specific API request"
  // (spec/ctct-v3-partner-subset-3.0.178.yaml line 356).
  return inner.status >= 200 && inner.status < 300 ? { ...inner, status: 200 } : inner;
}
