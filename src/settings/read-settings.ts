import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import { readSchemaValidator } from '../schemas.js';
import { validateWithSchema } from '../validate-with-schema.js';
import { parseYamlSource } from '../yaml-source.js';
import { DEFAULT_SETTINGS, type Settings } from './settings.js';

export const DEFAULT_SETTINGS_FILE = 'ctct-gitops.yaml';

/** Settings given on the command line; they beat the file. */
export type SettingsOverrides = Partial<Omit<Settings, 'safety'>> & { safety?: Partial<Settings['safety']> };

/**
 * Reads `ctct-gitops.yaml` (or `configFile`) from the working directory, validates it and merges
 * defaults ← file ← overrides. A missing default file is fine; a missing named one is an error.
 */
export async function readSettings(
  cwd: string,
  configFile: string | undefined,
  overrides: SettingsOverrides = {},
): Promise<Settings> {
  const file = configFile ?? DEFAULT_SETTINGS_FILE;
  const absolute = path.resolve(cwd, file);
  const display = path.relative(cwd, absolute).split(path.sep).join('/');
  let text: string | null;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || configFile !== undefined) {
      throw new InvalidInputError([
        { file: display, line: 1, col: 1, message: `cannot read the settings file: ${(error as Error).message}` },
      ]);
    }
    text = null;
  }
  let fromFile: SettingsOverrides = {};
  if (text !== null) {
    const parsed = parseYamlSource(display, text, { allowEmpty: true });
    if (parsed.source === null) throw new InvalidInputError(parsed.problems);
    if (parsed.source.value !== null) {
      const problems = validateWithSchema(readSchemaValidator('settings'), parsed.source);
      if (problems.length > 0) throw new InvalidInputError(problems);
      fromFile = parsed.source.value as SettingsOverrides;
    }
  }
  const defined = <T extends object>(value: T | undefined): Partial<T> =>
    Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
  return {
    ...DEFAULT_SETTINGS,
    ...defined(fromFile),
    ...defined(overrides),
    safety: { ...DEFAULT_SETTINGS.safety, ...defined(fromFile.safety), ...defined(overrides.safety) },
  };
}
