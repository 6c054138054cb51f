import { expect, test } from 'vitest';
import { parseStackLimit, readExecLimits } from '../../../src/child/kernel-limits';

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

test.runIf(process.platform === 'linux')(
  'on Linux the string limit is 32 pages and the total a quarter of the stack, between 32 pages and 6 MiB',
  () => {
    const { maxStringBytes, totalBytes } = readExecLimits();
    expect(maxStringBytes % 32).toBe(0);
    expect(maxStringBytes).toBeGreaterThanOrEqual(131072);
    expect(totalBytes).toBeGreaterThanOrEqual(maxStringBytes);
    expect(totalBytes).toBeLessThanOrEqual(6 * 1024 * 1024);
  },
);
