import { access } from 'node:fs/promises';
import { CLI_PATH } from '../helpers/run-cli.js';

/** The end-to-end tests run the built CLI; `npm test` builds it first (pretest). */
export async function requireBuiltCli(): Promise<void> {
  await access(CLI_PATH).catch(() => {
    throw new Error(`${CLI_PATH} is missing: run \`npm run build\` (npm test does it in pretest)`);
  });
}
