import { execFileSync } from 'node:child_process';
import { parseEnv } from 'node:util';
import dotenv from 'dotenv';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { formatDocker } from '../../../src/commands/env-formats/docker';
import { formatDotenv } from '../../../src/commands/env-formats/dotenv';
import { formatGithubEnv } from '../../../src/commands/env-formats/github';
import { formatJson } from '../../../src/commands/env-formats/json';
import { formatShell } from '../../../src/commands/env-formats/shell';
import { ENV_FORMATS, assertPrintable, type EnvFormat } from '../../../src/commands/env-formats';
import type { VaultExecError } from '../../../src/util/errors';
import {
  dockerComposePath,
  readAddMaskCommands,
  readGithubEnvFile,
  readWithDockerCompose,
} from '../../support/env-file-readers';

// The real Docker Compose reads the dotenv and docker formats; a first run on a machine builds it.
beforeAll(() => void dockerComposePath(), 20 * 60_000);

/** The values every format must carry, each a trap for some parser. */
const HARD_VALUES: Record<string, string> = {
  NEWLINES: 'first line\nsecond line\n\nafter a blank line\n',
  SINGLE_QUOTE: "it's",
  DOUBLE_QUOTE: 'say "hi"',
  BACKTICK: 'run `id`',
  TWO_QUOTES: `both 'single' and "double"`,
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
  test('the dotenv package, Node util.parseEnv and Docker Compose all read back every hard value exactly', () => {
    const text = formatDotenv(valuesOf(HARD_VALUES));
    expect(dotenv.parse(text)).toEqual(HARD_VALUES);
    expect(parseEnv(text)).toEqual(HARD_VALUES);
    const compose = readWithDockerCompose(text, Object.keys(HARD_VALUES), 'dotenv');
    expect(Object.fromEntries(compose.envFile)).toEqual(HARD_VALUES);
    expect(Object.fromEntries(compose.interpolated!)).toEqual(HARD_VALUES);
  });

  test('a value ending in a backslash does not swallow the next variable', () => {
    const values = { PATH_LIKE: 'C:\\dir\\', NEXT: "it's", LAST: 'plain' };
    const text = formatDotenv(valuesOf(values));
    expect(dotenv.parse(text)).toEqual(values);
    expect(Object.fromEntries(readWithDockerCompose(text, Object.keys(values), 'dotenv').envFile)).toEqual(
      values,
    );
  });

  test("Docker Compose reads a value with a ' without keeping quotes around it", () => {
    const text = formatDotenv(single("it's"));
    expect(readWithDockerCompose(text, ['VALUE'], 'dotenv').envFile.get('VALUE')).toBe("it's");
  });

  test('a value with a quote, a backslash or a $ is never refused when one quoting can hold it', () => {
    fc.assert(
      fc.property(trickyText, (value) => {
        // Single quotes hold anything but ' and a final \ (Compose reads \' as an escaped quote);
        // double quotes anything but ", \ and $ (each an escape or a variable to some reader).
        const fitsSingle = !value.includes("'") && !value.endsWith('\\');
        const fitsDouble = !/["\\$]/.test(value);
        if (value.includes('\r') || !(fitsSingle || fitsDouble)) return;
        expect(() => formatDotenv(single(value))).not.toThrow();
      }),
      { numRuns: 5_000 },
    );
  });

  test.each([
    ['a carriage return', 'a\r\nb', /carriage return/],
    ["a ' and a $", "it's $5", /a ' \(so not '…'\), a \$ \(so not "…"\) and a \$ \(so not unquoted\)/],
    ['a final \\, a \\ and a line break', 'one\\\ntwo\\', /a \\ at its end/],
    ['all three quote characters', `'"\``, /a ' .*a " .*a quote first/],
  ])(
    'refuses a value with %s, naming the variable and the format to use, not the value',
    (_, value, reason) => {
      expect(() => formatDotenv(new Map([['API_KEY', value]]))).toThrow(reason);
      expect(() => formatDotenv(new Map([['API_KEY', value]]))).toThrow(
        /^cannot write API_KEY in the dotenv format: [^\n]+; use --format shell or json$/,
      );
    },
  );
});

describe('docker', () => {
  test("docker's own --env-file reader reads back every single-line hard value literally", () => {
    const singleLine = Object.fromEntries(Object.entries(HARD_VALUES).filter(([, v]) => !v.includes('\n')));
    const text = formatDocker(valuesOf(singleLine));
    expect(Object.fromEntries(readWithDockerCompose(text, [], 'raw').envFile)).toEqual(singleLine);
  });

  test('refuses a multi-line value, which docker cannot read', () => {
    expect(() => formatDocker(new Map([['PEM', HARD_VALUES.PEM!]]))).toThrow(
      'cannot write PEM in the docker format: its value spans several lines, which docker --env-file cannot read; use --format dotenv, shell or json',
    );
  });

  test('writes a line up to the 65,535 bytes docker reads, and refuses a longer one', () => {
    // NAME=value without its line break; docker reads lines with Go's bufio.Scanner and its 64 KiB buffer.
    const longest = 'x'.repeat(65_535 - 'VALUE='.length);
    expect(readWithDockerCompose(formatDocker(single(longest)), [], 'raw').envFile.get('VALUE')).toBe(
      longest,
    );
    expect(() => formatDocker(single(`${longest}é`))).toThrow(
      /^cannot write VALUE in the docker format: its line is 65537 bytes, over the 65535 that docker --env-file reads; use --format dotenv, shell or json$/,
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

/** Each format, and every reader the README names for it, each giving back what it read. */
const FORMATS: Record<
  EnvFormat,
  {
    write: (values: ReadonlyMap<string, string>) => string;
    readers: (text: string, names: string[]) => Array<[reader: string, read: () => Map<string, string>]>;
  }
> = {
  dotenv: {
    write: formatDotenv,
    readers: (text, names) => {
      const compose = lazily(() => readWithDockerCompose(text, names, 'dotenv'));
      return [
        ['the dotenv package', () => new Map(Object.entries(dotenv.parse(text)))],
        ['the dotenv package, fast: true', () => new Map(Object.entries(dotenv.parse(text, { fast: true })))],
        ['Node util.parseEnv', () => new Map(Object.entries(parseEnv(text) as Record<string, string>))],
        ['Docker Compose env_file:', () => compose().envFile],
        ['docker compose --env-file', () => compose().interpolated!],
      ];
    },
  },
  docker: {
    write: formatDocker,
    readers: (text) => [["docker's --env-file reader", () => readWithDockerCompose(text, [], 'raw').envFile]],
  },
  json: {
    write: formatJson,
    readers: (text) => [
      ['JSON.parse', () => new Map(Object.entries(JSON.parse(text) as Record<string, string>))],
      [
        'jq',
        () =>
          new Map(
            Object.entries(JSON.parse(execFileSync('jq', ['-c', '.'], { input: text, encoding: 'utf8' }))),
          ),
      ],
    ],
  },
  shell: {
    write: formatShell,
    readers: (text, names) => [
      ['sh (dash)', () => evalInShell('sh', text, names)],
      ['bash', () => evalInShell('bash', text, names)],
    ],
  },
  github: {
    write: (values) => formatGithubEnv(values).fileText,
    readers: (text) => [['the Actions runner', () => readGithubEnvFile(text)]],
  },
};

/** `eval` of the output in a real shell, then each variable printed back NUL-separated. */
function evalInShell(shell: string, text: string, names: string[]): Map<string, string> {
  const script = `eval "$1"; for name in ${names.join(' ')}; do eval "printf '%s\\0' \\"\\$$name\\""; done`;
  const printed = execFileSync(shell, ['-c', script, shell, text], { encoding: 'utf8' }).split('\0');
  return new Map(names.map((name, index) => [name, printed[index]!]));
}

function lazily<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/** Values made of what some reader treats specially; carriage returns and NUL bytes rarer. */
const nastyValue = fc.string({
  unit: fc.oneof(
    {
      weight: 12,
      arbitrary: fc.constantFrom(
        "'",
        '"',
        '`',
        '\\',
        '\n',
        '#',
        ' #',
        '=',
        '$',
        '${x}',
        '$$',
        '\\n',
        ' ',
        '\t',
        'n',
        'é',
        '😀',
        '\u2028',
        '\u00a0',
        '\ufeff',
        '\u0085',
        'true',
      ),
    },
    { weight: 6, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.constantFrom('\r', '\u0000') },
  ),
  maxLength: 30,
});

describe.each(ENV_FORMATS)('%s: batches of random values', (format) => {
  const { write, readers } = FORMATS[format];
  test('each is read back exactly by every reader the README names, or refused in one line naming what to use', () => {
    fc.assert(
      fc.property(fc.array(nastyValue, { minLength: 20, maxLength: 120 }), (drawn) => {
        const written = new Map<string, string>();
        for (const [index, value] of [...Object.values(HARD_VALUES), ...drawn].entries()) {
          const name = `V_${index}`;
          try {
            write(new Map([[name, value]]));
            written.set(name, value);
          } catch (error) {
            expect((error as Error).message).toMatch(
              new RegExp(`^cannot write ${name} in the ${format} format: [^\\n]+; (use|store it) [^\\n]+$`),
            );
          }
        }
        // One file for the batch, so each reader (Docker Compose a process) runs once per batch.
        const text = write(written);
        for (const [reader, read] of readers(text, [...written.keys()]))
          expect(Object.fromEntries(read()), reader).toEqual(Object.fromEntries(written));
      }),
      { numRuns: 25 },
    );
  }, 60_000);
});

describe('assertPrintable: a value that cannot be an environment variable is refused before anything is printed', () => {
  const LIMITS = { maxStringBytes: 131_072, totalBytes: 2 * 1024 * 1024 };
  const ENDS_AS_ENVIRONMENT = ['dotenv', 'docker', 'shell', 'github'] as const;
  const refusal = (run: () => void): VaultExecError => {
    try {
      run();
    } catch (error) {
      return error as VaultExecError;
    }
    throw new Error('expected a refusal');
  };

  test.each(ENDS_AS_ENVIRONMENT)(
    '%s: one NAME=value up to the limit passes, one byte more exits 65',
    (format) => {
      // BIG=value and its NUL: 3 + 1 + value + 1 bytes.
      const atLimit = 'x'.repeat(LIMITS.maxStringBytes - 5);
      expect(() => assertPrintable(new Map([['BIG', atLimit]]), format, LIMITS)).not.toThrow();
      const error = refusal(() => assertPrintable(new Map([['BIG', `${atLimit}x`]]), format, LIMITS));
      expect(error.exitCode).toBe(65);
      expect(error.message).toBe(
        `cannot write BIG in the ${format} format: as NAME=value it is 131073 bytes (128.0 KiB), over the kernel's limit of 131072 bytes for one environment variable (MAX_ARG_STRLEN), so no command could start with it; store it in a file the app reads (or split it into several secrets), or use --format json`,
      );
    },
  );

  test('the 200,000-byte value that made every later command of the shell fail is refused, naming it and not its value', () => {
    const value = `${'v'.repeat(199_990)}SECRET`;
    const error = refusal(() => assertPrintable(new Map([['API_KEY', value]]), 'shell', LIMITS));
    expect(error.exitCode).toBe(65);
    expect(error.message).toMatch(
      /^cannot write API_KEY in the shell format: as NAME=value it is 200005 bytes/,
    );
    expect(error.message).not.toContain('SECRET');
    expect(error.message).not.toContain('\n');
  });

  test('counts bytes, not characters', () => {
    // 65,534 characters, 131,068 bytes: with "BIG=" and the NUL one byte over.
    const twoBytes = 'é'.repeat(65_534);
    expect(() => assertPrintable(new Map([['BIG', twoBytes]]), 'dotenv', LIMITS)).toThrow(
      /it is 131073 bytes/,
    );
  });

  test.each(ENDS_AS_ENVIRONMENT)('%s: a NUL byte exits 65 with a line naming the variable', (format) => {
    const error = refusal(() => assertPrintable(new Map([['KEY', 'a\u0000SECRET']]), format, LIMITS));
    expect(error.exitCode).toBe(65);
    expect(error.message).toBe(
      `cannot write KEY in the ${format} format: its value contains a NUL byte, which no environment variable can hold; store it base64-encoded, or use --format json`,
    );
  });

  test('variables that together exceed the room for a command environment are refused, naming the three biggest', () => {
    const values = new Map([
      ['SMALL', 'x'],
      ...[1, 2, 3, 4].map((n): [string, string] => [`PART_${n}`, 'x'.repeat(100_000 + n)]),
    ]);
    const limits = { maxStringBytes: 131_072, totalBytes: 300_000 };
    const error = refusal(() => assertPrintable(values, 'github', limits));
    expect(error.exitCode).toBe(65);
    expect(error.message).toMatch(
      /^cannot write these 5 variables in the github format: together they take 400\d{3} bytes \([\d.]+ KiB\) as an environment, over the kernel's limit of 300000 bytes .*; the biggest are PART_4 \(100012 bytes\), PART_3 \(100011 bytes\), PART_2 \(100010 bytes\): /,
    );
    expect(() => assertPrintable(values, 'github', { maxStringBytes: 131_072 })).not.toThrow();
  });

  test('json is exempt: its readers hold values in memory, where no kernel limit applies', () => {
    const values = new Map([['BIG', `${'x'.repeat(300_000)}\u0000`]]);
    expect(() => assertPrintable(values, 'json', LIMITS)).not.toThrow();
    expect(JSON.parse(formatJson(values))).toEqual({ BIG: values.get('BIG') });
  });

  test('each formatter refuses a NUL byte on its own too, with the same line and exit code', () => {
    const formatters = [
      formatDotenv,
      formatDocker,
      formatShell,
      (values: Map<string, string>) => formatGithubEnv(values),
    ];
    for (const format of formatters)
      expect(refusal(() => format(new Map([['KEY', 'a\u0000b']]))).exitCode).toBe(65);
  });
});
