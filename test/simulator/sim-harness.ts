import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { expect } from 'vitest';
import type { Simulator } from '../../src/simulator/simulator.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv,
) => Ajv;

type SwaggerSchema = Record<string, unknown>;
interface SwaggerOperation {
  operationId: string;
  responses: Record<string, { description: string; schema?: SwaggerSchema }>;
}
interface SwaggerSpec {
  basePath: string;
  paths: Record<string, Record<string, SwaggerOperation>>;
  definitions: Record<string, SwaggerSchema>;
}

const SPEC_FILE = fileURLToPath(new URL('../../spec/ctct-v3-partner-subset-3.0.178.yaml', import.meta.url));
export const spec = parse(readFileSync(SPEC_FILE, 'utf8')) as SwaggerSpec;

const KEPT_KEYWORDS = [
  'type',
  'required',
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'maxItems',
  'minItems',
  'format',
  'pattern',
];

/**
 * Swagger 2.0 schema → JSON Schema: `#/definitions/...` refs inlined, annotations dropped.
 * Two choices make the check stricter than the spec's letter, on purpose:
 * - objects with declared properties get `additionalProperties: false`, so the simulator
 *   cannot send a field CTCT does not document;
 * - Swagger 2.0 cannot say "nullable", so a property whose description says its value is
 *   `null` (billing_day_of_month of trials, last_login_date) also accepts null.
 */
export function convertSwaggerSchema(
  schema: SwaggerSchema,
  definitions: Record<string, SwaggerSchema> = spec.definitions,
): SwaggerSchema {
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const name = ref.replace('#/definitions/', '');
    const target = definitions[name];
    if (!target) throw new Error(`unresolved ${ref}`);
    return convertSwaggerSchema(target, definitions);
  }
  const out: SwaggerSchema = {};
  for (const key of KEPT_KEYWORDS) if (schema[key] !== undefined) out[key] = schema[key];
  if (schema.items) out.items = convertSwaggerSchema(schema.items as SwaggerSchema, definitions);
  if (schema.properties) {
    const properties: Record<string, SwaggerSchema> = {};
    for (const [name, property] of Object.entries(schema.properties as Record<string, SwaggerSchema>)) {
      const converted = convertSwaggerSchema(property, definitions);
      const description = String(property.description ?? '');
      if (/\bnull\b/.test(description) && typeof converted.type === 'string') converted.type = [converted.type, 'null'];
      properties[name] = converted;
    }
    out.properties = properties;
    out.additionalProperties = false;
    if (out.type === undefined) out.type = 'object';
  }
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const INT32 = 2 ** 31;
ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -INT32 && n < INT32 });
ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
ajv.addFormat('float', { type: 'number', validate: (n: number) => Number.isFinite(n) });
ajv.addFormat('double', { type: 'number', validate: (n: number) => Number.isFinite(n) });

/**
 * Error bodies. The partner operations of this build declare none; from 3.0.2005 to 3.0.2343
 * they used the spec's own APIErrorSchema (array) and AuthorizationErrorSchema (object), which
 * the subset keeps for reference. Rate-limit bodies are single objects (rate_limits.html).
 */
function withErrorFields(schema: SwaggerSchema): SwaggerSchema {
  const required = { required: ['error_key', 'error_message'] };
  return schema.type === 'array'
    ? { ...schema, minItems: 1, items: { ...(schema.items as SwaggerSchema), ...required } }
    : { ...schema, ...required };
}
const apiErrorSchema = withErrorFields(convertSwaggerSchema({ $ref: '#/definitions/APIErrorSchema' }));
const authorizationErrorSchema = withErrorFields(
  convertSwaggerSchema({ $ref: '#/definitions/AuthorizationErrorSchema' }),
);
const rateLimitSchema = {
  oneOf: [
    {
      ...authorizationErrorSchema,
      properties: { error_key: { const: 'throttled' }, error_message: { const: 'Too Many Requests' } },
    },
    {
      ...authorizationErrorSchema,
      properties: { error_key: { const: 'quota_exceeded' }, error_message: { const: 'Limit Exceeded' } },
    },
  ],
};

/** The spec's path template and operation for a request path such as /v3/partner/accounts/a07e1x/plan. */
export function findOperation(
  method: string,
  path: string,
): { template: string; operation: SwaggerOperation } | undefined {
  if (!path.startsWith(spec.basePath)) return undefined;
  const rest = path.slice(spec.basePath.length);
  for (const [template, operations] of Object.entries(spec.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const operation = operations[method.toLowerCase()];
    if (pattern.test(rest) && operation) return { template, operation };
  }
  return undefined;
}

const compiled = new Map<string, ValidateFunction>();
function compile(key: string, schema: SwaggerSchema): ValidateFunction {
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  return validate;
}

/** Which schema the spec gives a response, and its name for messages; undefined when none applies. */
export function findResponseSchema(
  method: string,
  path: string,
  status: number,
): { name: string; validate: ValidateFunction } | undefined {
  const found = findOperation(method, path);
  const declared = found?.operation.responses[String(status)]?.schema;
  if (found && declared) {
    const name = `${found.operation.operationId} ${status}`;
    return { name, validate: compile(name, convertSwaggerSchema(declared)) };
  }
  if (status === 429) return { name: 'rate limit 429', validate: compile('429', rateLimitSchema) };
  if (status === 401 || status === 403)
    return { name: `AuthorizationErrorSchema ${status}`, validate: compile('auth', authorizationErrorSchema) };
  if (status >= 400) return { name: `APIErrorSchema ${status}`, validate: compile('api', apiErrorSchema) };
  return undefined;
}

/** Every response checked against the spec in this test file: `operationId status` or schema name. */
export const checkedResponses: string[] = [];

/** Assert that `body` conforms to the spec's schema for this operation and status. */
export function expectConformsToSpec(method: string, path: string, status: number, body: unknown): void {
  const schema = findResponseSchema(method, path, status);
  if (!schema) {
    const operation = findOperation(method, path);
    const declared = operation?.operation.responses[String(status)];
    // A 2xx the spec declares without a schema (201 of users/sso, 200 of sync) needs no check here.
    if (!(declared && status < 300))
      throw new Error(`${method} ${path} ${status}: no spec schema and not a declared status`);
    checkedResponses.push(`${operation?.operation.operationId} ${status} (no schema)`);
    return;
  }
  const ok = schema.validate(body);
  expect(
    ok,
    `${method} ${path} ${status} ` +
      `against ${schema.name}: ${ajv.errorsText(schema.validate.errors)}\n${JSON.stringify(body)}`,
  ).toBe(true);
  checkedResponses.push(schema.name);
}

/** A response as the tests see it. */
export interface SimCall<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  /** JSON body (sent with Content-Type application/json unless `contentType` says otherwise). */
  json?: unknown;
  /** Raw body text. */
  raw?: string;
  contentType?: string;
  /** Authorization header value; default `Bearer <token>` from `mintToken`. null leaves it out. */
  authorization?: string | null;
  /** x-api-key; default the simulator's key; null leaves it out. */
  apiKey?: string | null;
}

function basicAuth(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
}

/** A fresh partner token from the simulator's token endpoint, over HTTP. */
export async function mintToken(sim: Simulator): Promise<string> {
  const res = await fetch(sim.tokenUrl, {
    method: 'POST',
    headers: {
      authorization: basicAuth(sim.credentials.clientId, sim.credentials.clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { access_token: string };
  return body.access_token;
}

export async function callToken(
  sim: Simulator,
  init: { headers?: Record<string, string>; body?: string; query?: string; method?: string },
): Promise<SimCall> {
  const res = await fetch(`${sim.tokenUrl}${init.query ?? ''}`, {
    method: init.method ?? 'POST',
    headers: init.headers ?? {},
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

export { basicAuth };

/** Calls partner routes of one simulator over HTTP and checks every response body against the spec. */
export class PartnerCaller {
  private token: string | undefined;
  constructor(readonly sim: Simulator) {}

  async authorization(): Promise<string> {
    this.token ??= await mintToken(this.sim);
    return `Bearer ${this.token}`;
  }

  /** `path` is origin-relative, starting with /v3 (as `_links.next.href` is). */
  async call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<SimCall<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const authorization = options.authorization === undefined ? await this.authorization() : options.authorization;
    if (authorization !== null) headers.authorization = authorization;
    const apiKey = options.apiKey === undefined ? this.sim.credentials.apiKey : options.apiKey;
    if (apiKey !== null) headers['x-api-key'] = apiKey;
    let body: string | undefined = options.raw;
    if (options.json !== undefined) body = JSON.stringify(options.json);
    if (body !== undefined || options.contentType) headers['content-type'] = options.contentType ?? 'application/json';
    const origin = new URL(this.sim.baseUrl).origin;
    const res = await fetch(`${origin}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as T) : (undefined as T);
    if (res.status >= 200 && res.status < 300)
      expect(res.headers.get('content-type') ?? 'application/json').toMatch(/^application\/json/);
    expectConformsToSpec(method, new URL(path, origin).pathname, res.status, parsed);
    return { status: res.status, headers: res.headers, body: parsed };
  }
}

/** A valid create body; override fields per test. */
export function provisionBody(loginName: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    contact_email: `${loginName.replace(/[^a-z0-9]/gi, '')}@example.com`,
    country_code: 'US',
    state_code: 'MA',
    login_name: loginName,
    organization_name: 'Hanks Fresh Fruit',
    first_name: 'Hank',
    last_name: 'Smith',
    password: 'Correct-Horse-9',
    ...overrides,
  };
}
