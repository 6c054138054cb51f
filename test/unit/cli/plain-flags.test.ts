// The usual command line is read without commander (readPlainFlags); every line it reads must read as
// commander reads it, and every other line must be left to commander. Checked on generated lines made
// of the table's flags, near misses, values of every kind and words for the command.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FLAG_OPTIONS } from '../../../src/cli/options';
import { readPlainFlags, readWithCommander } from '../../../src/cli/parse-command-line';
import { UsageError } from '../../../src/util/errors';

const flags = FLAG_OPTIONS.map((row) => row.flag);
const choices = FLAG_OPTIONS.flatMap((row) => ('choices' in row ? [...row.choices] : []));
const word = fc.oneof(
  fc.constantFrom(...flags),
  fc.constantFrom(...flags).map((flag) => `${flag}=`),
  fc.tuple(fc.constantFrom(...flags), fc.string()).map(([flag, value]) => `${flag}=${value}`),
  fc.constantFrom(...flags).map((flag) => flag.slice(0, -1)),
  fc.constantFrom(...flags).map((flag) => flag.slice(1)),
  fc.constantFrom('-h', '--help', '-V', '--version', '-', '--no-mask', '--revoke-token', '--secret-', '-x'),
  fc.constantFrom(...choices),
  fc.constantFrom('A=secret/app#key', 'secret/app', '30s', 'node', 'server.js', ''),
  fc.string(),
);

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
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), (words) => {
        const plain = readPlainFlags(words);
        if (plain === undefined) return;
        read++;
        expect(commanders(words)).toEqual(plain);
      }),
      { numRuns: 3000 },
    );
    // The generator must reach the lines this is about, not only the ones left to commander.
    expect(read).toBeGreaterThan(300);
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
