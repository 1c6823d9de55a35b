import { describe, expect, it } from 'vitest';
import type { ApplyReport } from '../../src/apply/apply-plan.js';
import { renderReportAnnotations } from '../../src/github/render-annotations.js';
import { renderApplyReport } from '../../src/github/render-apply-report.js';

const REPORT: ApplyReport = {
  format_version: 1,
  fingerprint: 'sha256:0f3c',
  summary: { applied: 2, failed: 1, skipped: 1 },
  outcomes: [
    {
      action: 'create',
      login_name: 'hanks_fresh_fruit',
      encoded_account_id: 'a07e1m09lsz5dl',
      file: 'accounts/us/hanks.yaml',
      status: 'applied',
    },
    {
      action: 'update',
      login_name: null,
      encoded_account_id: 'b19x',
      file: 'accounts/us/bakery.yaml',
      status: 'applied',
    },
    {
      action: 'cancel',
      login_name: 'old_shop',
      encoded_account_id: 'c42q',
      file: 'accounts/gb/old,shop.yaml',
      status: 'failed',
      error: 'HTTP 400: reason_id | <invalid>\nsee docs',
    },
    {
      action: 'reactivate',
      login_name: 'cafe',
      encoded_account_id: 'd77k',
      file: 'accounts/us/cafe.yaml',
      status: 'skipped',
    },
  ],
  files_written: ['accounts/us/hanks.yaml'],
};

describe('renderApplyReport', () => {
  it('renders counts, failures first, the files written back and the fingerprint', () => {
    expect(renderApplyReport(REPORT)).toBe(
      [
        '## ctct-gitops apply',
        '',
        '❌ **Some changes failed**: 2 applied, 1 failed, 1 skipped.',
        '',
        '| Status | Action | Account | File | Error |',
        '| --- | --- | --- | --- | --- |',
        '| ❌ failed | cancel | `old_shop` (`c42q`) | `accounts/gb/old,shop.yaml` ' +
          '| HTTP 400: reason_id \\| &lt;invalid\\><br>see docs |',
        '| ✅ applied | create | `hanks_fresh_fruit` (`a07e1m09lsz5dl`) | `accounts/us/hanks.yaml` |  |',
        '| ✅ applied | update | `b19x` | `accounts/us/bakery.yaml` |  |',
        '| ⏭️ skipped | reactivate | `cafe` (`d77k`) | `accounts/us/cafe.yaml` |  |',
        '',
        '### Written back',
        '',
        'Apply recorded what it learned in the account files:',
        '',
        '- `accounts/us/hanks.yaml`: `encoded_account_id`',
        '',
        'Changes that failed stay in the account files; the next apply tries ' +
          'them again. The journal of this run is in `.ctct-gitops/journal.jsonl`.',
        '',
        '<sub>Plan fingerprint `sha256:0f3c`</sub>',
        '',
      ].join('\n'),
    );
  });

  it('says so when there was nothing to apply', () => {
    const empty: ApplyReport = {
      ...REPORT,
      summary: { applied: 0, failed: 0, skipped: 0 },
      outcomes: [],
      files_written: [],
    };
    expect(renderApplyReport(empty)).toBe(
      '## ctct-gitops apply\n\nNothing to apply: the live accounts already match the account files.\n' +
        '\n<sub>Plan fingerprint `sha256:0f3c`</sub>\n',
    );
  });

  it('leads with success when nothing failed', () => {
    const ok: ApplyReport = {
      ...REPORT,
      summary: { applied: 1, failed: 0, skipped: 0 },
      outcomes: [REPORT.outcomes[0]!],
      files_written: [],
    };
    expect(renderApplyReport(ok).split('\n')[2]).toBe('✅ **Applied**: 1 applied, 0 failed, 0 skipped.');
  });
});

describe('renderReportAnnotations', () => {
  it('prints one escaped ::error line per failed change, on its file', () => {
    expect(renderReportAnnotations(REPORT)).toBe(
      '::error file=accounts/gb/old%2Cshop.yaml,title=ctct-gitops apply::cancel ' +
        'old_shop failed: HTTP 400: reason_id | <invalid>%0Asee docs\n',
    );
    expect(renderReportAnnotations({ ...REPORT, outcomes: REPORT.outcomes.filter((o) => o.status !== 'failed') })).toBe(
      '',
    );
  });
});
