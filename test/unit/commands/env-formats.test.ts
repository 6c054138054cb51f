import { execFileSync } from 'node:child_process';
import { parseEnv } from 'node:util';
import dotenv from 'dotenv';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatDocker } from '../../../src/commands/env-formats/docker';
import { formatDotenv } from '../../../src/commands/env-formats/dotenv';
import { formatGithubEnv } from '../../../src/commands/env-formats/github';
import { formatJson } from '../../../src/commands/env-formats/json';
import { formatShell } from '../../../src/commands/env-formats/shell';
import { UsageError } from '../../../src/util/errors';
import { readAddMaskCommands, readDockerEnvFile, readGithubEnvFile } from '../../support/env-file-readers';

/** The values every format must carry, each a trap for some parser. */
const HARD_VALUES: Record<string, string> = {
  NEWLINES: 'first line\nsecond line\n\nafter a blank line\n',
  SINGLE_QUOTE: "it's",
  DOUBLE_QUOTE: 'say "hi"',
  BACKTICK: 'run `id`',
  TWO_QUOTES: `'single' and "double"`,
  DOLLAR: '$HOME ${PATH} $(id) `id`',
  BACKSLASHES: 'C:\\new\\table\\ and \\n literally\\',
  EQUALS_HASH: 'a=b#c # not a comment',
  NON_ASCII: 'grüße, 日本語, 😀',
  SPACES: '  leading and trailing  ',
  EMPTY: '',
  PEM: '-----BEGIN KEY-----\nMIIB\n-----END KEY-----',
};
/** Random text rich in the characters env-file parsers treat specially. */
const trickyText = fc.string({
  unit: fc.oneof(
    fc.constantFrom("'", '"', '`', '\\', '\n', '\r', '#', '=', '$', ' ', 'n', 'é'),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 40,
});
const valuesOf = (record: Record<string, string>) => new Map(Object.entries(record));
const single = (value: string) => new Map([['VALUE', value]]);

describe('dotenv', () => {
  test('the dotenv package and Node util.parseEnv both read back every hard value exactly', () => {
    const text = formatDotenv(valuesOf(HARD_VALUES));
    expect(dotenv.parse(text)).toEqual(HARD_VALUES);
    expect(parseEnv(text)).toEqual(HARD_VALUES);
  });

  test('for any value without a carriage return, both read it back exactly or it is refused in one line', () => {
    fc.assert(
      fc.property(
        trickyText.filter((value) => !value.includes('\r')),
        (value) => {
          let text: string;
          try {
            text = formatDotenv(single(value));
          } catch (error) {
            expect(error).toBeInstanceOf(UsageError);
            expect((error as Error).message).toMatch(/^cannot write VALUE in the dotenv format: [^\n]+$/);
            // Refused only when no quoting is left: ' and ` both taken, and " taken or a backslash.
            return (
              value.includes("'") && value.includes('`') && (value.includes('"') || value.includes('\\'))
            );
          }
          expect(dotenv.parse(text)).toEqual({ VALUE: value });
          expect(parseEnv(text)).toEqual({ VALUE: value });
          return true;
        },
      ),
      { numRuns: 5_000 },
    );
  });

  test.each([
    ['a carriage return', 'a\r\nb', /carriage return/],
    ['all three quote characters', `'"\``, /all three quote characters/],
    ["' and ` and a backslash (no double quote)", "it's \\`", /contains both ' and `, and a backslash,/],
  ])('refuses a value with %s, naming the variable and not the value', (_, value, reason) => {
    expect(() => formatDotenv(new Map([['API_KEY', value]]))).toThrow(reason);
    expect(() => formatDotenv(new Map([['API_KEY', value]]))).toThrow(
      /^cannot write API_KEY in the dotenv format/,
    );
  });
});

describe('docker', () => {
  test('docker --env-file reads back every single-line hard value literally', () => {
    const singleLine = Object.fromEntries(Object.entries(HARD_VALUES).filter(([, v]) => !v.includes('\n')));
    expect(Object.fromEntries(readDockerEnvFile(formatDocker(valuesOf(singleLine))))).toEqual(singleLine);
  });

  test('refuses a multi-line value, which docker cannot read', () => {
    expect(() => formatDocker(new Map([['PEM', HARD_VALUES.PEM!]]))).toThrow(
      'cannot write PEM in the docker format: its value spans several lines, which docker --env-file cannot read; use --format dotenv, shell or json',
    );
  });
});

describe('json', () => {
  test('JSON.parse reads back one object holding every hard value, on one line', () => {
    const text = formatJson(valuesOf(HARD_VALUES));
    expect(text.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(text)).toEqual(HARD_VALUES);
  });
});

describe('shell', () => {
  test('sh evaluates the lines back to every hard value, and runs nothing in them', () => {
    const names = Object.keys(HARD_VALUES);
    const script = `eval "$1"; for name in ${names.join(' ')}; do eval "printf '%s\\0' \\"\\$$name\\""; done`;
    const output = execFileSync('sh', ['-c', script, 'sh', formatShell(valuesOf(HARD_VALUES))], {
      encoding: 'utf8',
    });
    expect(Object.fromEntries(names.map((name, index) => [name, output.split('\0')[index]]))).toEqual(
      HARD_VALUES,
    );
  });

  test('refuses a name a shell cannot assign', () => {
    expect(() => formatShell(new Map([['my-var', 'x']]))).toThrow(/name is not a letter or _/);
  });
});

describe('github', () => {
  test('the runner reads back every hard value, carriage returns inside a value included', () => {
    const values = { ...HARD_VALUES, CRLF: 'windows\r\nlines' };
    const { fileText } = formatGithubEnv(valuesOf(values));
    expect(Object.fromEntries(readGithubEnvFile(fileText))).toEqual(values);
  });

  test('prints ::add-mask:: for every non-blank line of every value, percent-escaped as the runner expects', () => {
    const { masks } = formatGithubEnv(valuesOf({ A: 'one\ntwo%0A\n\n  three  ', B: 'single' }));
    expect(readAddMaskCommands(masks)).toEqual(['one', 'two%0A', '  three  ', 'three', 'single']);
  });

  test('draws another delimiter when a value contains the first one drawn', () => {
    const drawn = ['EOF', 'EOF', 'OTHER'];
    const { fileText } = formatGithubEnv(single('x\nEOF\ny'), [], () => drawn.shift()!);
    expect(fileText).toBe('VALUE<<OTHER\nx\nEOF\ny\nOTHER\n');
    expect(readGithubEnvFile(fileText).get('VALUE')).toBe('x\nEOF\ny');
  });

  test('for any value not ending in a carriage return, the runner reads it back exactly', () => {
    fc.assert(
      fc.property(
        trickyText.filter((value) => !value.endsWith('\r')),
        (value) => {
          expect(readGithubEnvFile(formatGithubEnv(single(value)).fileText).get('VALUE')).toBe(value);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  test('refuses a value ending in a carriage return, which the runner would drop', () => {
    expect(() => formatGithubEnv(single('x\r'))).toThrow(/ends with a carriage return/);
  });
});

test.each([['dotenv'], ['docker'], ['shell'], ['github']])(
  'the %s format refuses a NUL byte, which no environment variable can hold',
  (format) => {
    const formatters: Record<string, (values: Map<string, string>) => unknown> = {
      dotenv: formatDotenv,
      docker: formatDocker,
      shell: formatShell,
      github: (values) => formatGithubEnv(values),
    };
    expect(() => formatters[format]!(new Map([['KEY', 'a\u0000b']]))).toThrow(
      `cannot write KEY in the ${format} format: its value contains a NUL byte`,
    );
    expect(JSON.parse(formatJson(new Map([['KEY', 'a\u0000b']])))).toEqual({ KEY: 'a\u0000b' });
  },
);
