import type { AccountPhysicalAddress } from '../ctct/ctct-types.js';
import type { AccountStore } from './account-store.js';
import type { SimAccount } from './sim-account.js';
import { answerError, answerErrors, answerStatus, type SimResponse } from './sim-response.js';
import { validateStrings } from './validate-provision.js';
import type { ValidationError } from './validate-spec-body.js';

/** The V3 request an account_operations/sync call carries, resolved: path parameters substituted. */
export interface SyncRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** `account_operation_payload`: string-escaped JSON, or undefined. */
  payload: string | undefined;
}

/** The `CustomerPut` fields (spec/ctct-v3-swagger-3.0.178.yaml lines 8463-8520) and their limits. */
const CUSTOMER_PUT_STRINGS = {
  contact_email: { max: 80 },
  contact_phone: { max: 25 },
  country_code: { min: 2, max: 3 },
  first_name: {},
  last_name: {},
  organization_name: {},
  organization_phone: {},
  state_code: {},
  time_zone_id: {},
  website: {},
} as const;
type CustomerField = keyof typeof CUSTOMER_PUT_STRINGS;
const CUSTOMER_FIELDS = Object.keys(CUSTOMER_PUT_STRINGS) as CustomerField[];

/** `AccountPhysicalAddress`, spec/ctct-v3-swagger-3.0.178.yaml lines 8521-8570. */
const ADDRESS_STRINGS = {
  address_line1: { required: true, min: 1, max: 80 },
  address_line2: { min: 1, max: 80 },
  address_line3: { min: 1, max: 80 },
  city: { required: true },
  state_code: { max: 2 },
  state_name: {},
  postal_code: {},
  country_code: { required: true },
} as const;
const ADDRESS_FIELDS = Object.keys(ADDRESS_STRINGS) as Array<keyof AccountPhysicalAddress>;

const invalid = (message: string): ValidationError => ['account.api.validation.error', message];

/**
 * The V3 account operations the simulator serves through sync, backed by the stored account:
 * GET/PUT /account/summary and GET/POST/PUT /account/summary/physical_address. The answer is the
 * inner call's own status and body, which CTCT passes through as the outer answer (assumed: the
 * spec's sync 404 "may indicate … the API request you are sending on behalf of an account returned a 404").
 */
export function runSyncOperation(account: SimAccount, request: SyncRequest, store: AccountStore): SimResponse {
  const body = readPayload(request);
  if ('response' in body) return body.response;
  if (request.path === '/account/summary') {
    if (request.method === 'GET') return { status: 200, body: renderSummary(account, request.query) };
    if (request.method === 'PUT') return putSummary(account, body.value ?? {}, store);
    return methodNotAllowed('GET, PUT');
  }
  if (request.path === '/account/summary/physical_address') {
    if (request.method === 'GET') {
      return account.physical_address
        ? { status: 200, body: account.physical_address }
        : answerError(404, 'account.api.not_found', 'The account has no physical address.');
    }
    if (request.method === 'POST' || request.method === 'PUT')
      return writeAddress(account, body.value ?? {}, request.method, store);
    return methodNotAllowed('GET, POST, PUT');
  }
  return answerError(
    404,
    'account.api.not_found',
    `The simulator does not serve ${request.method} ${request.path} through account_operations/sync.`,
  );
}

function methodNotAllowed(allow: string): SimResponse {
  return { ...answerStatus(405), headers: { allow } };
}

function readPayload(request: SyncRequest): { value: Record<string, unknown> | undefined } | { response: SimResponse } {
  if (request.payload === undefined || request.payload.trim() === '') {
    return request.method === 'GET'
      ? { value: undefined }
      : { response: answerError(400, 'account.api.validation.error', 'A JSON request body is required.') };
  }
  let value: unknown;
  try {
    value = JSON.parse(request.payload);
  } catch {
    return {
      response: answerError(400, 'account.api.request.malformed', 'account_operation_payload is not valid JSON.'),
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      response: answerError(400, 'account.api.request.malformed', 'account_operation_payload must be a JSON object.'),
    };
  }
  return { value: value as Record<string, unknown> };
}

/**
 * `Customer` (spec/ctct-v3-swagger-3.0.178.yaml lines 8339-8462); `extra_fields=physical_address` adds the address when
 * there is one.
 */
function renderSummary(account: SimAccount, query: URLSearchParams): Record<string, unknown> {
  const summary: Record<string, unknown> = { encoded_account_id: account.encoded_account_id };
  for (const field of CUSTOMER_FIELDS)
    if (account[field] !== undefined && account[field] !== '') summary[field] = account[field];
  const extra = (query.get('extra_fields') ?? '').split(',').map((f) => f.trim());
  if (extra.includes('physical_address') && account.physical_address)
    summary.physical_address = account.physical_address;
  return summary;
}

/**
 * PUT /account/summary: "a partial update where only valid properties that you include in the request body are
 * updated".
 */
function putSummary(account: SimAccount, body: Record<string, unknown>, store: AccountStore): SimResponse {
  const errors = validateStrings(body, CUSTOMER_PUT_STRINGS);
  const country = (typeof body.country_code === 'string' ? body.country_code : account.country_code).toUpperCase();
  const state = typeof body.state_code === 'string' ? body.state_code : account.state_code;
  // "This property is required if the country_code is US (United States)."
  if (country === 'US' && (state === undefined || state === ''))
    errors.push(invalid('state_code is required when country_code is US.'));
  if (typeof body.website === 'string' && !/^https?:\/\/[^\s/]+/i.test(body.website))
    errors.push(invalid('website must be a valid URL.'));
  if (errors.length > 0) return answerErrors(400, errors);
  store.update(account, (a) => {
    for (const field of CUSTOMER_FIELDS) if (typeof body[field] === 'string') a[field] = body[field] as string;
    // A country without states keeps none.
    if (
      a.country_code !== 'US' &&
      a.country_code !== 'CA' &&
      typeof body.country_code === 'string' &&
      body.state_code === undefined
    )
      a.state_code = '';
  });
  const answer: Record<string, unknown> = { encoded_account_id: account.encoded_account_id };
  for (const field of CUSTOMER_FIELDS)
    if (account[field] !== undefined && account[field] !== '') answer[field] = account[field];
  return { status: 200, body: answer };
}

function writeAddress(
  account: SimAccount,
  body: Record<string, unknown>,
  method: 'POST' | 'PUT',
  store: AccountStore,
): SimResponse {
  // POST: "If the address already exists, a 409 error message is returned" (spec/ctct-v3-swagger-3.0.178.yaml lines
  // 261-262).
  if (method === 'POST' && account.physical_address)
    return answerError(409, 'account.api.conflict', 'The account already has a physical address.');
  if (method === 'PUT' && !account.physical_address)
    return answerError(404, 'account.api.not_found', 'The account has no physical address to update.');
  const errors = validateAddress(body);
  if (errors.length > 0) return answerErrors(400, errors);
  const address = {} as AccountPhysicalAddress;
  // PUT: "Excluding a non-read only field from the request body removes it from the physical address."
  for (const field of ADDRESS_FIELDS)
    if (typeof body[field] === 'string') Object.assign(address, { [field]: body[field] });
  store.update(account, (a) => {
    a.physical_address = address;
  });
  return { status: method === 'POST' ? 201 : 200, body: address };
}

/**
 * Required fields, and `state_code`/`postal_code` in the US and CA, `state_name` elsewhere
 * (spec/ctct-v3-swagger-3.0.178.yaml lines 8521-8570).
 */
function validateAddress(body: Record<string, unknown>): ValidationError[] {
  const errors = validateStrings(body, ADDRESS_STRINGS);
  const country = typeof body.country_code === 'string' ? body.country_code.toUpperCase() : undefined;
  if (country === 'US' || country === 'CA') {
    if (body.state_name !== undefined)
      errors.push(invalid('state_name must be left out when country_code is US or CA; use state_code.'));
    if (body.state_code === undefined) errors.push(invalid('state_code is required when country_code is US or CA.'));
    if (body.postal_code === undefined) errors.push(invalid('postal_code is required when country_code is US or CA.'));
  } else if (country !== undefined && body.state_code !== undefined) {
    errors.push(invalid('state_code is only used when country_code is US or CA; use state_name.'));
  }
  return errors;
}
