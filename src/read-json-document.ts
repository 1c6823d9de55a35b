import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError, type Problem } from './errors.js';
import type { ApplyReport } from './apply/apply-plan.js';
import type { Plan } from './model.js';
import type { SimulatorState } from './simulator/account-store.js';
import { readSchemaValidator } from './schemas.js';
import { validateWithSchema } from './validate-with-schema.js';
import { parseYamlSource } from './yaml-source.js';

/** The versioned documents ctct-gitops writes and reads back, each with its schema in `schema/`. */
export interface JsonDocuments {
  plan: Plan;
  'apply-report': ApplyReport;
  'simulator-state': SimulatorState;
}

const DESCRIPTIONS: Record<keyof JsonDocuments, string> = {
  plan: 'a ctct-gitops plan of format_version 1 (write one with plan --out)',
  'apply-report': 'a ctct-gitops apply report of format_version 1 (written by apply --report)',
  'simulator-state':
    'a ctct-gitops simulator state of format_version 1 (delete the file to start the simulator afresh)',
};

/** At most this many schema problems are listed: a wrong file would otherwise print one per field. */
const MAX_PROBLEMS = 10;

/**
 * A document checked against its JSON Schema, or every problem at `FILE:LINE:COL`. JSON is parsed
 * plainly first; only a document the schema refuses is parsed again with positions, for the messages.
 */
export function validateJsonDocument<K extends keyof JsonDocuments>(
  kind: K,
  file: string,
  text: string,
): { document: JsonDocuments[K]; problems: [] } | { document: null; problems: Problem[] } {
  const refuse = (problems: Problem[]) => ({
    document: null,
    problems: problems.map((p) => ({ ...p, message: `${p.message}; not ${DESCRIPTIONS[kind]}` })),
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return refuse([{ file, line: 1, col: 1, message: `not JSON (${(error as Error).message})` }]);
  }
  // Another kind of file altogether: one line says so, not one per missing field.
  const version =
    typeof value === 'object' && value !== null ? (value as { format_version?: unknown }).format_version : undefined;
  if (version !== 1)
    return refuse([
      {
        file,
        line: 1,
        col: 1,
        message: version === undefined ? 'no format_version' : `format_version is ${JSON.stringify(version)}`,
      },
    ]);
  const validate = readSchemaValidator(kind);
  if (validate(value))
    return { document: (kind === 'plan' ? completePlan(value as Plan) : value) as JsonDocuments[K], problems: [] };
  const parsed = parseYamlSource(file, text);
  if (parsed.source === null) return refuse(parsed.problems.slice(0, MAX_PROBLEMS));
  const problems = validateWithSchema(validate, parsed.source);
  return refuse(
    (problems.length > 0 ? problems : [{ file, line: 1, col: 1, message: 'the schema refuses it' }]).slice(
      0,
      MAX_PROBLEMS,
    ),
  );
}

/**
 * A plan saved before `update_profile` existed (format_version 1 adds actions without a new version) reads with its
 * counts at 0.
 */
function completePlan(plan: Plan): Plan {
  return {
    ...plan,
    summary: { ...plan.summary, update_profile: plan.summary.update_profile ?? 0 },
    api: {
      ...plan.api,
      managed_list_calls: plan.api.managed_list_calls ?? 0,
      summary_calls: plan.api.summary_calls ?? 0,
    },
  };
}

/**
 * Reads a versioned document from `file` (relative to `cwd`); throws {@link InvalidInputError} (exit 3) when it is not
 * one.
 */
export async function readJsonDocument<K extends keyof JsonDocuments>(
  kind: K,
  cwd: string,
  file: string,
): Promise<JsonDocuments[K]> {
  let text: string;
  try {
    text = await readFile(path.resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new InvalidInputError([
      {
        file,
        line: 1,
        col: 1,
        message: `cannot read ${DESCRIPTIONS[kind].replace(/ \(.*\)$/, '')}: ${(error as Error).message}`,
      },
    ]);
  }
  const result = validateJsonDocument(kind, file, text);
  if (result.document === null) throw new InvalidInputError(result.problems);
  return result.document;
}
