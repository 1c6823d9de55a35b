import path from 'node:path';
import type { InitResult } from '../commands/run-init.js';
import { WORKFLOW_SECRETS } from './render-workflows.js';

/** What `init` prints: each path written or kept, then the secrets and variables to set. Pure. */
export function renderInitResult(result: InitResult, cwd: string): string {
  const shown = (file: string) => {
    const relative = path.relative(cwd, path.join(result.root, file)).split(path.sep).join('/') || '.';
    return file.endsWith('/') && !relative.endsWith('/') ? `${relative}/` : relative;
  };
  const lines: string[] = [];
  if (result.written.length === 0) {
    lines.push('Nothing to write: ctct-gitops is already set up here, and every file was kept as it is.');
  }
  for (const file of result.written)
    lines.push(file === '.gitignore' ? `added .ctct-gitops/ to ${shown(file)}` : `wrote ${shown(file)}`);
  for (const file of result.kept)
    lines.push(
      file === '.gitignore' ? `kept  ${shown(file)} (already ignores .ctct-gitops/)` : `kept  ${shown(file)} (exists)`,
    );
  const wroteWorkflows = result.written.some((file) => file.startsWith('.github/workflows/'));
  if (wroteWorkflows) lines.push('', `The workflows run the action ${result.action}.`);
  if (wroteWorkflows && result.placeholderAction) {
    lines.push(
      `  ${result.action.split('/')[0]} is a placeholder: run init ` +
        'again with --action OWNER/REPO@REF naming the repository',
      '  and release of ctct-gitops you use (delete the three workflows first), or edit their uses: lines.',
    );
  }
  lines.push('', 'Set these in GitHub (Settings → Secrets and variables → Actions), for example with gh:');
  const width = Math.max(...WORKFLOW_SECRETS.map((s) => s.name.length)) + 32;
  for (const s of WORKFLOW_SECRETS) {
    const command = s.kind === 'secret' ? `gh secret set ${s.name}` : `gh variable set ${s.name} --body VALUE`;
    lines.push(`  ${command.padEnd(width)}# ${s.required ? 'required' : 'optional'}: ${s.what}`);
  }
  lines.push(
    '',
    'Then add account files (npx ctct-gitops import writes one per ' +
      'live account) and try a plan: npx ctct-gitops plan --simulator',
  );
  return `${lines.join('\n')}\n`;
}
