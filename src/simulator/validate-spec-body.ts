import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { parse } from 'yaml';

/** A validation failure: CTCT error key and message. */
export type ValidationError = readonly [key: string, message: string];

/** The request bodies the simulator checks against the vendor spec's `definitions`. */
export type SpecDefinition =
  | 'Provision'
  | 'PlanInfo'
  | 'AccountCancellation'
  | 'SSOUser'
  | 'PartnerAccountOperationsRequest';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ??
  addFormatsModule) as FormatsPlugin;

/** The vendor spec, shipped with the package (src/ and dist/ sit beside spec/). */
const SPEC_FILE = new URL('../../spec/ctct-v3-partner-subset-3.0.178.yaml', import.meta.url);

let validators: Map<SpecDefinition, ValidateFunction> | undefined;

/** Compiles each definition once (Swagger 2.0 definitions are JSON Schema draft 4); the simulator calls it at start. */
export function readSpecValidators(): Map<SpecDefinition, ValidateFunction> {
  if (validators) return validators;
  const spec = parse(readFileSync(SPEC_FILE, 'utf8')) as { definitions: Record<string, object> };
  // Swagger's own keywords (example, readOnly, x-…) and its int32/float formats are annotations here.
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false, formats: { int32: true, float: true } });
  addFormats(ajv, ['date-time']);
  ajv.addSchema({ definitions: spec.definitions }, 'spec');
  const names: SpecDefinition[] = [
    'Provision',
    'PlanInfo',
    'AccountCancellation',
    'SSOUser',
    'PartnerAccountOperationsRequest',
  ];
  validators = new Map(names.map((name) => [name, ajv.compile({ $ref: `spec#/definitions/${name}` })]));
  return validators;
}

/**
 * Checks a request body against its definition in spec/ctct-v3-partner-subset-3.0.178.yaml
 * (`definitions`, line 711 on): types, required fields, lengths and formats, every failure at
 * once, in CTCT's error shape. A null field counts as absent. The rules the spec states only in
 * prose (state codes, password parts) stay with each route.
 */
export function validateSpecBody(
  definition: SpecDefinition,
  body: Record<string, unknown>,
  errorKey = 'partner.api.validation.error',
): ValidationError[] {
  const validate = readSpecValidators().get(definition)!;
  const present = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null));
  if (validate(present)) return [];
  return (validate.errors ?? []).map((error) => [errorKey, describeSpecError(error)] as const);
}

function describeSpecError(error: ErrorObject): string {
  const at = error.instancePath
    .split('/')
    .slice(1)
    .map((part, index) => (/^\d+$/.test(part) ? `[${part}]` : `${index > 0 ? '.' : ''}${part}`))
    .join('');
  const field = (name: string) => (at === '' ? name : `${at}.${name}`);
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${field(String(p.missingProperty))} is required.`;
    case 'type':
      return `${at || 'the body'} must be ${/^[aeiou]/.test(String(p.type)) ? 'an' : 'a'} ${String(p.type)}.`;
    case 'minLength':
      return `${at} must be at least ${String(p.limit)} characters long.`;
    case 'maxLength':
      return `${at} must be at most ${String(p.limit)} characters long.`;
    case 'format':
      return p.format === 'date-time'
        ? `${at} must be an ISO-8601 date and time.`
        : `${at} must be in ${String(p.format)} format.`;
    default:
      return `${at || 'the body'} ${error.message ?? 'is invalid'}.`;
  }
}
