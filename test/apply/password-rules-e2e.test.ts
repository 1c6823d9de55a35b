import { describe, expect, it } from 'vitest';
import { createFileText, makeWorkspace, runAgainst, startTestSim } from './apply-harness.js';

describe("initial passwords are checked by CTCT's rules before anything is sent", () => {
  it(
    'a password holding part of the login blocks only that ' +
      'create: never posted, never shown, the rest applied (exit 1)',
    async () => {
      const sim = await startTestSim();
      const cwd = await makeWorkspace({
        'accounts/bad.yaml': createFileText('riverside_dental', { passwordEnv: 'RIVERSIDE_PW' }),
        'accounts/fine.yaml': createFileText('harbor_lights', { passwordEnv: 'HARBOR_PW' }),
        'ctct-gitops.yaml': 'requests_per_second: 50\n',
      });
      const result = await runAgainst(sim, cwd, ['apply', '--yes'], {
        env: { RIVERSIDE_PW: 'Riverside-Smiles-2026', HARBOR_PW: 'Correct-Horse-9' },
      });
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(
        new RegExp(
          String.raw`\+ create +riverside_dental +accounts\/bad\.yaml:4\n(.*\n)*? +blocked: the password ` +
            String.raw`in RIVERSIDE_PW must not contain any part of the login name \("riverside"\)`,
        ),
      );
      expect(result.stdout).toMatch(
        new RegExp(
          '^– create riverside_dental skipped: not created: the password in RIVERSIDE_PW must ' +
            'not contain any part of the login name',
          'm',
        ),
      );
      expect(`${result.stdout}${result.stderr}`).not.toContain('Riverside-Smiles-2026');
      expect(sim.stats.byOperation['createAccount']).toBe(1);
      expect(sim.accounts().map((account) => account.login_name)).toEqual(['harbor_lights']);
    },
  );
});
