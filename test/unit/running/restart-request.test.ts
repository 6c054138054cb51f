import { expect, test } from 'vitest';
import { mergeRestarts } from '../../../src/running/restart-request';

test('merged requests read every path either asked for, by the earlier deadline, for everyone who asked', () => {
  const first = { reason: 'a changed', replace: new Set(['a']), waiters: [() => {}] };
  const second = {
    reason: 'the lease of b ends',
    replace: new Set(['b']),
    deadline: 5_000,
    waiters: [() => {}],
  };
  const third = { reason: 'a changed', replace: new Set(['a']), deadline: 3_000, waiters: [() => {}] };
  const merged = mergeRestarts(mergeRestarts(mergeRestarts(undefined, first), second), third);
  expect([...merged.replace]).toEqual(['a', 'b']);
  expect(merged.deadline).toBe(3_000);
  expect(merged.reason).toBe('a changed; the lease of b ends');
  expect(merged.waiters).toHaveLength(3);
});

test('a --watch request alone has no deadline', () => {
  const merged = mergeRestarts(undefined, { reason: 'a changed', replace: new Set(['a']), waiters: [] });
  expect(merged.deadline).toBeUndefined();
});
