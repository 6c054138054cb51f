import { describe, expect, test } from 'vitest';
import { ChildEnvError, assertChildEnvFits } from '../../../src/child/env-limits';

const LIMITS = { maxStringBytes: 131072, totalBytes: 2 * 1024 * 1024 };
const command = ['node', 'server.js'];

const failure = (env: Record<string, string>, limits = LIMITS): ChildEnvError => {
  try {
    assertChildEnvFits(command, env, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(ChildEnvError);
    expect((error as ChildEnvError).exitCode).toBe(65);
    return error as ChildEnvError;
  }
  throw new Error('expected the environment to be refused');
};

describe('one NAME=value string', () => {
  test('is accepted at exactly the limit, NUL included', () => {
    // "PEM=" + value + NUL = 131072 bytes.
    expect(() => assertChildEnvFits(command, { PEM: 'x'.repeat(131072 - 5) }, LIMITS)).not.toThrow();
  });

  test('is refused one byte over the limit, naming the variable, its size and the limit', () => {
    const error = failure({ SMALL: 'ok', PEM: 'x'.repeat(131072 - 4) });
    expect(error.message).toBe(
      "the child's variable PEM is 131073 bytes (128.0 KiB) as NAME=value, over the kernel's limit of 131072 bytes for one environment string (MAX_ARG_STRLEN): store it in a file the app reads (or split it into several secrets)",
    );
  });

  test('counts bytes, not characters', () => {
    // 43,691 three-byte characters: 131,073 bytes (131,076 with "E=" and the NUL), 43,691 UTF-16 units.
    expect(failure({ E: '€'.repeat(43691) }).message).toContain('variable E is 131076 bytes');
  });

  test('follows the page size the machine has', () => {
    const bigPages = { maxStringBytes: 32 * 65536, totalBytes: 6 * 1024 * 1024 };
    expect(() => assertChildEnvFits(command, { PEM: 'x'.repeat(200 * 1024) }, bigPages)).not.toThrow();
  });
});

describe('NUL bytes', () => {
  test('in a value are refused, naming the variable and never showing the value', () => {
    const error = failure({ TOKEN: 'secret-part\0rest' });
    expect(error.message).toMatch(/^the child's variable TOKEN contains a NUL byte/);
    expect(error.message).not.toContain('secret-part');
  });

  test('in a name are refused with the name escaped on one line', () => {
    expect(failure({ 'A\0B': 'x' }).message).toContain('variable A\\u0000B contains a NUL byte');
  });
});

describe('the total of arguments and environment', () => {
  test('over the room the stack limit leaves is refused, naming the three biggest variables', () => {
    const env = {
      A: 'a'.repeat(100_000),
      B: 'b'.repeat(120_000),
      C: 'c'.repeat(110_000),
      D: 'd'.repeat(90_000),
      SMALL: 'x',
    };
    const error = failure(env, { maxStringBytes: 131072, totalBytes: 300_000 });
    expect(error.message).toMatch(
      /^the child's environment and arguments take \d+ bytes \(\d+\.\d KiB\), over the kernel's limit of 300000 bytes/,
    );
    expect(error.message).toContain(
      'the biggest variables are B (120003 bytes), C (110003 bytes), A (100003 bytes): move large values into files, or raise ulimit -s',
    );
  });

  test('counts every string with its NUL and its pointer', () => {
    // argv: "node" (filename) + "node" + "server.js" = 5 + 5 + 10; env: "A=b" = 4; 3 pointers of 8.
    const exact = 5 + 5 + 10 + 4 + 3 * 8;
    expect(() =>
      assertChildEnvFits(command, { A: 'b' }, { maxStringBytes: 100, totalBytes: exact }),
    ).not.toThrow();
    expect(() =>
      assertChildEnvFits(command, { A: 'b' }, { maxStringBytes: 100, totalBytes: exact - 1 }),
    ).toThrow(ChildEnvError);
  });

  test('is not checked where the limit is unknown', () => {
    const env = { A: 'a'.repeat(100_000), B: 'b'.repeat(100_000) };
    expect(() => assertChildEnvFits(command, env, { maxStringBytes: 131072 })).not.toThrow();
  });
});
