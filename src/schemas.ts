import { readFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv';
import { compileSchema } from './validate-with-schema.js';

const cache = new Map<string, ValidateFunction>();

/** The compiled schema of `schema/NAME.schema.json`, shipped with the package (src/ and dist/ sit beside schema/). */
export function readSchemaValidator(
  name: 'account' | 'settings' | 'plan' | 'apply-report' | 'journal' | 'simulator-state',
): ValidateFunction {
  let validate = cache.get(name);
  if (!validate) {
    const text = readFileSync(new URL(`../schema/${name}.schema.json`, import.meta.url), 'utf8');
    validate = compileSchema(JSON.parse(text) as object);
    cache.set(name, validate);
  }
  return validate;
}
