import { expect, test } from 'vitest';
import { execLimitsFor, parseStackLimit, readExecLimits } from '../../../src/child/kernel-limits';

const limits = (stack: string) =>
  [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max cpu time              unlimited            unlimited            seconds   ',
    `Max stack size            ${stack}              unlimited            bytes     `,
  ].join('\n');

test('reads the soft stack limit from /proc/self/limits', () => {
  expect(parseStackLimit(limits('8388608'))).toBe(8388608);
  expect(parseStackLimit(limits('unlimited'))).toBe('unlimited');
  expect(parseStackLimit('Max cpu time unlimited unlimited seconds')).toBeUndefined();
});

test('the total is a quarter of the stack limit, at most 6 MiB and never under ARG_MAX, a fixed 128 KiB', () => {
  expect(execLimitsFor(4096, 8 * 1024 * 1024)).toEqual({
    maxStringBytes: 131_072,
    totalBytes: 2 * 1024 * 1024,
  });
  expect(execLimitsFor(4096, 'unlimited').totalBytes).toBe(6 * 1024 * 1024);
  expect(execLimitsFor(4096, 64 * 1024).totalBytes).toBe(131_072);
  // On 64 KiB pages one string may be 2 MiB, but the floor for the total stays ARG_MAX's 128 KiB.
  expect(execLimitsFor(65_536, 256 * 1024)).toEqual({ maxStringBytes: 2 * 1024 * 1024, totalBytes: 131_072 });
  expect(execLimitsFor(4096, undefined).totalBytes).toBeUndefined();
});

test.runIf(process.platform === 'linux')(
  'on Linux the string limit is 32 pages and the total a quarter of the stack, between 128 KiB and 6 MiB',
  () => {
    const { maxStringBytes, totalBytes } = readExecLimits();
    expect(maxStringBytes % 32).toBe(0);
    expect(maxStringBytes).toBeGreaterThanOrEqual(131072);
    expect(totalBytes).toBeGreaterThanOrEqual(maxStringBytes);
    expect(totalBytes).toBeLessThanOrEqual(6 * 1024 * 1024);
  },
);
