// Characters that move the cursor, erase or recolour a terminal, reorder text (bidi overrides) or
// break lines: C0 and C1 controls, DEL, line/paragraph separators, bidi marks and isolates, BOM.
// https://unicode.org/reports/tr9/#Directional_Formatting_Characters
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A value from a file or the API as data: every control character shown as an escape (`\n`,
 * `\u001b`), so it can neither change the terminal nor start a line of its own in a log, where a line
 * beginning with `::` would be a GitHub workflow command.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
