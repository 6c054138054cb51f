import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { describeOptions } from '../../src/cli/parse-command-line';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test.each(describeOptions())(
  'the README options table documents $flag with its env twin and default',
  ({ flag, env, defaultValue }) => {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${flag}\` |`));
    expect(row, `no README row for ${flag}`).toBeDefined();
    expect(row).toContain(`\`${env}\``);
    if (defaultValue !== '' && defaultValue !== 'true' && defaultValue !== 'false')
      expect(row).toContain(`\`${defaultValue}\``);
  },
);
