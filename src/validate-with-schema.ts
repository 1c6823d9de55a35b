import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import type { Problem } from './errors.js';
import type { YamlSource } from './yaml-source.js';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? addFormatsModule) as FormatsPlugin;

/** Compiles a JSON Schema whose nodes may carry an `errorMessage` annotation used in problems. */
export function compileSchema(schema: object): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false, verbose: true });
  addFormats(ajv, ['email', 'date-time']);
  ajv.addVocabulary(['errorMessage']);
  return ajv.compile(schema);
}

/** Every schema problem of one parsed document, each at the line and column it concerns. */
export function validateWithSchema(validate: ValidateFunction, source: YamlSource): Problem[] {
  if (validate(source.value)) return [];
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const error of validate.errors ?? []) {
    const mapped = describeError(error, source);
    if (mapped === null) continue;
    const key = `${mapped.line}:${mapped.col}:${mapped.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(mapped);
  }
  return problems;
}

function describeError(error: ErrorObject, source: YamlSource): Problem | null {
  const path = error.instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  const field = path.join('.');
  const custom = (error.parentSchema as { errorMessage?: string } | undefined)?.errorMessage;
  const at = (position: { line: number; col: number }, message: string): Problem => ({ file: source.file, ...position, message });
  switch (error.keyword) {
    case 'if':
    case 'const':
      return null;
    case 'additionalProperties': {
      const name = String(error.params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      const hint = suggest(name, allowed);
      const where = field ? ` in ${field}` : '';
      return at(source.keyPosition([...path, name]), `unknown field "${name}"${where}${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
    case 'required': {
      const name = [...path, String(error.params.missingProperty)].join('.');
      return at(source.keyPosition(path), custom ? `${name} ${custom}` : `missing required field ${name}`);
    }
    case 'not':
      return at(source.keyPosition(path), `${field} ${custom ?? 'is not allowed here'}`);
    case 'type':
      return at(source.valuePosition(path), `${field || 'the document'} must be ${article(String(error.params.type))}${field ? '' : ' (one account per file, as a YAML mapping)'}`);
    case 'enum':
      return at(source.valuePosition(path), `${field} must be one of ${(error.params.allowedValues as unknown[]).join(', ')} (got ${JSON.stringify(error.data)})`);
    case 'format':
      return at(source.valuePosition(path), `${field} must be ${formatName(String(error.params.format))} (got ${JSON.stringify(error.data)})`);
    default:
      return at(source.valuePosition(path), `${field} ${custom ?? error.message ?? 'is invalid'}`);
  }
}

function article(type: string): string {
  if (type === 'object') return 'a mapping';
  if (type === 'array') return 'a list';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function formatName(format: string): string {
  if (format === 'email') return 'a valid email address';
  if (format === 'date-time') return 'an ISO-8601 date and time such as 2026-12-01T00:00:00Z';
  return `a valid ${format}`;
}

/** The closest allowed name to a misspelt one, if it is close enough to be a typo. */
function suggest(name: string, allowed: string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of allowed) {
    const distance = levenshtein(name.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
