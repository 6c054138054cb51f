import { expect, test } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/util/duration';

test.each([
  ['10', 10_000],
  ['1.5', 1_500],
  ['500ms', 500],
  ['10s', 10_000],
  ['1m30s', 90_000],
  ['2h', 7_200_000],
])('parses %s as %i ms', (text, ms) => {
  expect(parseDuration(text, '--flag')).toBe(ms);
});

test.each(['', 'ten', '10x', '-1s', '1m 30s', 's'])('rejects %j naming the flag', (text) => {
  expect(() => parseDuration(text, '--kill-timeout')).toThrow(/--kill-timeout/);
});

test('formats durations for log lines', () => {
  expect(formatDuration(850)).toBe('850 ms');
  expect(formatDuration(4_000)).toBe('4 s');
  expect(formatDuration(125_000)).toBe('2 m 5 s');
});
