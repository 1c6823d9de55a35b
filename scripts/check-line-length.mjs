// Fails on a line over 120 characters in src/ and test/ (fixtures and snapshots aside): the formatter keeps code to
// 120 columns but cannot break a long string, regex or comment. Run by `npm run lint`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX = 120;

const files = execFileSync('git', ['ls-files', '-z', '--', 'src', 'test', ':!test/fixtures', ':!**/__snapshots__'], {
  encoding: 'utf8',
})
  .split('\0')
  .filter((file) => /\.(ts|mts|js|mjs)$/.test(file));
const long = [];
for (const file of files) {
  readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((line, index) => {
      const length = [...line].length;
      if (length > MAX) long.push(`${file}:${index + 1}: ${length} characters`);
    });
}
if (long.length > 0) {
  console.error(`${long.length} lines are longer than ${MAX} characters; split the string, regex or comment:`);
  console.error(long.join('\n'));
  process.exit(1);
}
