import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import type { Problem } from './errors.js';
import type { YamlSource } from './yaml-source.js';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ??
  addFormatsModule) as FormatsPlugin;

/** Compiles a JSON Schema whose nodes may carry an `errorMessage` annotation used in problems. */
export function compileSchema(schema: object): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false, verbose: true });
  addFormats(ajv, ['email', 'date-time']);
  ajv.addVocabulary(['errorMessage', 'errorAt']);
  return ajv.compile(schema);
}

/** Every schema problem of one parsed document, each at the line and column it concerns. */
export function validateWithSchema(validate: ValidateFunction, source: YamlSource): Problem[] {
  if (validate(source.value)) return [];
  const seen = new Set<string>();
  const problems: Problem[] = [];
  const errors = validate.errors ?? [];
  // A value of the wrong length says so; its pattern message would only repeat the complaint.
  const wrongLength = new Set(
    errors.filter((e) => e.keyword === 'minLength' || e.keyword === 'maxLength').map((e) => e.instancePath),
  );
  for (const error of errors) {
    if (error.keyword === 'pattern' && wrongLength.has(error.instancePath)) continue;
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
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  const field = formatPath(path);
  const parent = error.parentSchema as { errorMessage?: string; errorAt?: string } | undefined;
  // A schema's own message explains a pattern or a condition; length and type rules speak for themselves.
  const custom = ['pattern', 'not', 'required'].includes(error.keyword) ? parent?.errorMessage : undefined;
  const at = (position: { line: number; col: number }, message: string): Problem => ({
    file: source.file,
    ...position,
    message,
  });
  switch (error.keyword) {
    case 'if':
    case 'const':
      return null;
    case 'additionalProperties': {
      const name = String(error.params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      const hint = suggest(name, allowed);
      const where = field ? ` in ${field}` : '';
      return at(
        source.keyPosition([...path, name]),
        `unknown field "${name}"${where}${hint ? ` (did you mean "${hint}"?)` : ''}`,
      );
    }
    case 'required': {
      const name = formatPath([...path, String(error.params.missingProperty)]);
      const position =
        parent?.errorAt !== undefined ? source.keyPosition([...path, parent.errorAt]) : source.keyPosition(path);
      return at(position, custom ? `${name} ${custom}` : `missing required field ${name}`);
    }
    case 'not':
      return at(source.keyPosition(path), `${field} ${custom ?? 'is not allowed here'}`);
    case 'type':
      return at(
        source.valuePosition(path),
        field
          ? `${field} must be ${article(String(error.params.type))}`
          : 'the file must hold a YAML mapping of field names to values',
      );
    case 'enum': {
      const allowed = error.params.allowedValues as unknown[];
      const hint =
        typeof error.data === 'string'
          ? suggest(
              error.data,
              allowed.filter((v): v is string => typeof v === 'string'),
            )
          : null;
      return at(
        source.valuePosition(path),
        `${field} must be one of ${allowed.join(', ')} ` +
          `(got ${shown(error.data)}${hint !== null ? `; did you mean ${JSON.stringify(hint)}?` : ''})`,
      );
    }
    case 'format':
      return at(
        source.valuePosition(path),
        `${field} must be ${formatName(String(error.params.format))} (got ${shown(error.data)})`,
      );
    case 'minLength':
      if (error.params.limit === 1) return at(source.valuePosition(path), `${field} must not be empty`);
      return at(
        source.valuePosition(path),
        `${field} must be at least ${error.params.limit} characters (it has ${String(error.data).length})`,
      );
    case 'maxLength':
      return at(
        source.valuePosition(path),
        `${field} must be at most ${error.params.limit} characters (it has ${String(error.data).length})`,
      );
    case 'minimum':
    case 'maximum':
      return at(
        source.valuePosition(path),
        `${field} must be ${error.keyword === 'minimum' ? 'at least' : 'at most'} ${error.params.limit} ` +
          `(got ${shown(error.data)})`,
      );
    default:
      return at(source.valuePosition(path), `${field} ${custom ?? error.message ?? 'is invalid'}`);
  }
}

/** `sso_users[0].login_name`: list positions in brackets, as people write them. */
function formatPath(path: readonly string[]): string {
  return path.reduce(
    (text, part) => (/^\d+$/.test(part) ? `${text}[${part}]` : text === '' ? part : `${text}.${part}`),
    '',
  );
}

/** A value as JSON, cut short so a huge value never floods the output. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
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
    const distance = levenshtein(name.toLowerCase(), candidate.toLowerCase());
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
