import { describe, expect, it } from 'vitest';
import { createFileText, makeWorkspace, runAgainst, startTestSim, writeRequests } from './apply-harness.js';

describe('apply checks initial passwords by CTCT\'s rules before anything is sent', () => {
  it('a password holding part of the login exits 3 at the password_env line, with no write and without the password', async () => {
    const sim = await startTestSim();
    const cwd = await makeWorkspace({
      'accounts/bad.yaml': createFileText('riverside_dental', { passwordEnv: 'RIVERSIDE_PW' }),
      'accounts/fine.yaml': createFileText('harbor_lights', { passwordEnv: 'HARBOR_PW' }),
      'ctct-gitops.yaml': 'requests_per_second: 50\n',
    });
    const result = await runAgainst(sim, cwd, ['apply', '--yes'], { env: { RIVERSIDE_PW: 'Riverside-Smiles-2026', HARBOR_PW: 'Correct-Horse-9' } });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('accounts/bad.yaml:11:15: password_env: the password in RIVERSIDE_PW must not contain any part of the login name ("riverside")');
    expect(`${result.stdout}${result.stderr}`).not.toContain('Riverside-Smiles-2026');
    expect(writeRequests(sim)).toBe(0);
    expect(sim.accounts()).toEqual([]);
  });
});
