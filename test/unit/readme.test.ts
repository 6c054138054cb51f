import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { describeOptions } from '../../src/cli/options';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const header = '| flag | env | default | what it does |';
const tableRows = readme
  .slice(readme.indexOf(header))
  .split('\n')
  .slice(2)
  .filter((line, index, lines) => lines.slice(0, index + 1).every((row) => row.startsWith('|')))
  .map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );

test.each(describeOptions())(
  'the README options table documents $flag with its env twin and default',
  ({ flag, env, defaultValue }) => {
    const row = tableRows.find(([cell]) => cell === `\`${flag}\``);
    expect(row, `no README row for ${flag}`).toBeDefined();
    expect(row![1]).toBe(`\`${env}\``);
    expect(row![2]!.replace(/`/g, '')).toBe(defaultValue);
  },
);

test('the README options table has a row for each flag and no other', () => {
  expect(tableRows.map(([cell]) => cell)).toEqual(describeOptions().map(({ flag }) => `\`${flag}\``));
});
