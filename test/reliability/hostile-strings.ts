/**
 * The hostile corpus: strings that try to leak, inject or break out, shared by the hostile tests of
 * the reliability suite.
 */

/** Secret shapes: quotes, backslashes, `%`, `+`, `/`, non-ASCII, and all of them at once. */
export const SECRET_SHAPES = [
  'q"uo"te\'s-7d1f',
  'back\\slash\\\\-93ab',
  'pct%41%2B+plus/slash=-4c1e',
  'ünïcødé-ключ-鍵-🔑',
  'all"\\%+/ é<&>\'-60d2',
];

/** The forms a secret takes when a server or an encoder hands it back: what a leak check looks for. */
export function secretForms(secret: string, basicId?: string): Record<string, string> {
  const forms: Record<string, string> = {
    raw: secret,
    json: JSON.stringify(secret).slice(1, -1),
    'json-in-json': JSON.stringify(JSON.stringify(secret).slice(1, -1)).slice(1, -1),
    'json-ascii': JSON.stringify(secret)
      .slice(1, -1)
      .replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    url: encodeURIComponent(secret),
    form: new URLSearchParams({ v: secret }).toString().slice(2),
  };
  if (basicId !== undefined) {
    const basic = Buffer.from(`${basicId}:${secret}`).toString('base64');
    forms['basic'] = basic;
    forms['basic-json'] = JSON.stringify(basic).slice(1, -1).replaceAll('/', '\\/');
    forms['basic-url'] = encodeURIComponent(basic);
  }
  return forms;
}

/** Strings that try to break out of a table, a `<details>` block, a code span or a log line. */
export const INJECTIONS = [
  'x\n### ✅ no changes\n',
  'a|b|c',
  '`code` ``` fence ``',
  '<details><summary>fake</summary>',
  '</code></summary></details>',
  '<!-- the rest is hidden',
  '@octocat please look',
  '![pixel](https://evil.example/p.png)',
  '[click](javascript:alert(1))',
  '\n::error::injected\n::add-mask::x',
  '\u001b[2K\u001b[1A\rerased',
  'nul\u0000byte\u0007bell',
  '\u202egnp.exe\u2066',
  '\n\n<img src=x onerror=alert(1)>',
  '*bold* _em_ ~~strike~~ **',
  '&lt;entity&gt; &amp; \\` \\',
  '\u2028line\u2029paragraph',
];

/** Account file names the action cannot carry safely: each is refused (exit 3), naming the file escaped. */
export const REFUSED_FILE_NAMES = [
  'new\nline.yaml',
  'tab\there.yaml',
  'esc\u001b[2K.yaml',
  '-leading-dash.yaml',
  '::error::injected.yaml',
  '$(touch pwned).yaml',
  '`touch pwned`.yaml',
  'semi;colon.yaml',
  'glob*.yaml',
  'question?.yaml',
  '[bracket].yaml',
  "quote'.yaml",
  'double".yaml',
  'back\\slash.yaml',
  'pct%0A.yaml',
  'ünïcode.yaml',
  'bad\nfolder/inside.yaml',
  '-dash-folder/inside.yaml',
  ' leading-space.yaml',
];

/** Unusual names that are accepted, and that the action's shell steps must carry as they are. */
export const ACCEPTED_FILE_NAMES = ['hanks fresh fruit.yaml', 'a+b@c.yaml', '_under_score-1.yml', 'UPPER.Case.yaml'];

/** Journal lines that are not records; each is reported at its line and never stops the rest. */
export const BAD_JOURNAL_LINES = [
  'null',
  '[]',
  '"a string"',
  '42',
  '{}',
  '{"type":"intent"}',
  '{"type":"nonsense","intent_id":"x","at":"2026-12-01T00:00:00Z"}',
  '{"type":"created","intent_id":"x"}',
  '{"type":"created","intent_id":"x","encoded_account_id":"../../etc","how":"response","at":"2026-12-01T00:00:00Z"}',
  '{"type":"run","run_id":"r","started_at":"2026-12-01T00:00:00Z","known_ids":[],"__proto__":{"polluted":true}}',
  '{"type":"intent","run_id":"r","intent_id":"i","login_name":' +
    '"blocked_login","file":"accounts/b.yaml","at":"yesterday"}',
  '{{{ not json',
  '\u0000\u001b[2K',
];

/** Simulator state files that are not one; each is an input error naming file, line and column. */
export const BAD_SIMULATOR_STATES = [
  'null',
  '[]',
  '{}',
  '{"format_version":2,"accounts":[]}',
  '{"format_version":1,"accounts":"no"}',
  '{"format_version":1,"accounts":[null]}',
  '{"format_version":1,"accounts":[{"login_name":"x","plan_type":"TRIAL","billing_status":"Trial"}]}',
  '{"format_version":1,"accounts":[{"encoded_account_id":"a/../b","' +
    'login_name":"x","plan_type":"TRIAL","billing_status":"Trial"}]}',
  '{"format_version":1,"accounts":[],"pending_provisions":[{"ready_at":"soon"}]}',
  '{"format_version":1,"accounts":[',
];

/** Values of --changed-since and --applied-ref that git could take as options or that are no ref at all. */
export const BAD_REFS = [
  '--fork-point',
  '-p',
  '--output=/tmp/ctct-pwned',
  '-',
  '',
  'main\nHEAD',
  'a b',
  'esc\u001b[2K',
  'tab\there',
];
