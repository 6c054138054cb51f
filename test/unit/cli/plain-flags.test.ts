// The usual command line is read without commander (readPlainFlags); every line it reads must read as
// commander reads it, and every other line must be left to commander. Checked on generated lines made
// of the table's flags, near misses, values of every kind and words for the command.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FLAG_OPTIONS } from '../../../src/cli/options';
import { readPlainFlags, readWithCommander } from '../../../src/cli/parse-command-line';
import { UsageError } from '../../../src/util/errors';

const CHOICE_KEYS = FLAG_OPTIONS.filter((row) => 'choices' in row).map((row) => row.key);
const anyValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('A=secret/app#key', 'secret/app', '30s', 'a=b=c', '', 'node') },
  { weight: 2, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.constantFrom('-x', '-', '--', '--mask', '-1') },
);
/** One flag as a line gives it: with a value of its own kind (or a wrong one), in either spelling. */
const flagWords = fc.constantFrom(...FLAG_OPTIONS).chain((row): fc.Arbitrary<string[]> => {
  if (row.shape === 'boolean')
    return fc.oneof(
      { weight: 6, arbitrary: fc.constant<string[]>([row.flag]) },
      { weight: 1, arbitrary: anyValue.map((text) => [`${row.flag}=${text}`]) },
    );
  const value = 'choices' in row ? fc.oneof(fc.constantFrom(...row.choices), anyValue) : anyValue;
  return fc.oneof(
    { weight: 4, arbitrary: value.map((text) => [row.flag, text]) },
    { weight: 2, arbitrary: value.map((text) => [`${row.flag}=${text}`]) },
    { weight: 1, arbitrary: fc.constant<string[]>([row.flag]) },
  );
});
/** Words that are no flag of the table, or not one on their own. */
const otherWords: fc.Arbitrary<string[]> = fc.oneof(
  fc.constantFrom(...FLAG_OPTIONS.map((row) => row.flag)).map((flag) => [flag.slice(0, -1)]),
  fc
    .constantFrom('-h', '--help', '-V', '--version', '-', '--no-mask', '--revoke-token', '-x', 'node')
    .map((w) => [w]),
  fc.string().map((text) => [text]),
);
/** A repeatable flag given more than once. */
const repeatedWords: fc.Arbitrary<string[]> = fc
  .tuple(
    fc.constantFrom(...FLAG_OPTIONS.filter((row) => 'repeatable' in row).map((row) => row.flag)),
    fc.array(anyValue, { minLength: 2, maxLength: 3 }),
  )
  .map(([flag, values]) =>
    values.flatMap((value, index) => (index % 2 ? [`${flag}=${value}`] : [flag, value])),
  );
const line = fc
  .array(
    fc.oneof(
      { weight: 12, arbitrary: flagWords },
      { weight: 2, arbitrary: repeatedWords },
      { weight: 1, arbitrary: otherWords },
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((parts) => parts.flat());

/** commander's reading of the line, or the one-line error it ends in. */
function commanders(words: string[]): unknown {
  try {
    return readWithCommander(words);
  } catch (error) {
    if (error instanceof UsageError) return { error: error.message };
    throw error;
  }
}

describe('a line read without commander', () => {
  test('reads exactly as commander reads it', () => {
    let read = 0;
    let repeated = 0;
    let chosen = 0;
    fc.assert(
      fc.property(line, (words) => {
        const plain = readPlainFlags(words);
        if (plain === undefined) return;
        read++;
        if (Object.values(plain.flags).some((value) => Array.isArray(value) && value.length > 1)) repeated++;
        if (CHOICE_KEYS.some((key) => key in plain.flags)) chosen++;
        expect(commanders(words)).toStrictEqual(plain);
      }),
      { numRuns: 4000 },
    );
    // The generator must reach the lines this is about, not only the ones left to commander.
    expect(read).toBeGreaterThan(1000);
    expect(repeated).toBeGreaterThan(200);
    expect(chosen).toBeGreaterThan(100);
  });

  test('the usual lines are read, with repeated flags collected and the last single value kept', () => {
    const words = ['--log-level', 'warn', '--secret', 'A=s/a#k', '--secret=B=s/b#k', '--mask'];
    const line = [...words, '--no-revoke-token', '--kill-timeout', '1s', '--kill-timeout=2s'];
    expect(readPlainFlags(line)).toEqual({
      kind: 'flags',
      flags: {
        logLevel: 'warn',
        secret: ['A=s/a#k', 'B=s/b#k'],
        mask: true,
        revokeToken: false,
        killTimeout: '2s',
      },
      positional: [],
    });
    expect(commanders(line)).toEqual(readPlainFlags(line));
  });

  test.each([
    [['--help']],
    [['-V']],
    [['--log-level', 'loud']],
    [['--log-level']],
    [['--secret', '-x']],
    [['--mask=yes']],
    [['--secrets-file', 'x']],
    [['node', 'server.js']],
  ])('%j is left to commander', (words) => {
    expect(readPlainFlags(words)).toBeUndefined();
  });
});
