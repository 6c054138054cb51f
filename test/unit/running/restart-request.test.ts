import { expect, test } from 'vitest';
import { causesOf, mergeRestarts } from '../../../src/running/restart-request';

test('merged requests read every path either asked for, by the earlier deadline, for everyone who asked', () => {
  const first = {
    reason: 'a changed',
    cause: 'secret-changed' as const,
    replace: new Set(['a']),
    waiters: [() => {}],
  };
  const second = {
    reason: 'the lease of b ends',
    cause: 'lease-end' as const,
    replace: new Set(['b']),
    deadline: 5_000,
    waiters: [() => {}],
  };
  const third = {
    reason: 'a changed',
    cause: 'secret-changed' as const,
    replace: new Set(['a']),
    deadline: 3_000,
    waiters: [() => {}],
  };
  const merged = mergeRestarts(mergeRestarts(mergeRestarts(undefined, first), second), third);
  expect([...merged.replace]).toEqual(['a', 'b']);
  expect(merged.deadline).toBe(3_000);
  expect(merged.reason).toBe('a changed; the lease of b ends');
  expect(merged.waiters).toHaveLength(3);
  // Counted once, as the first request's: one restart happened.
  expect(merged.cause).toBe('secret-changed');
});

test('a secret change merged into a lease-end restart is still one of its causes', () => {
  const leaseEnd = {
    reason: 'the lease of b ends',
    cause: 'lease-end' as const,
    replace: new Set(['b']),
    waiters: [],
  };
  const change = {
    reason: 'a changed',
    cause: 'secret-changed' as const,
    replace: new Set(['a']),
    waiters: [],
  };
  const merged = mergeRestarts(mergeRestarts(undefined, leaseEnd), change);
  expect(merged.cause).toBe('lease-end');
  expect([...causesOf(merged)]).toEqual(['lease-end', 'secret-changed']);
  expect([...causesOf(change)]).toEqual(['secret-changed']);
});

test('a --watch request alone has no deadline', () => {
  const merged = mergeRestarts(undefined, {
    reason: 'a changed',
    cause: 'secret-changed',
    replace: new Set(['a']),
    waiters: [],
  });
  expect(merged.deadline).toBeUndefined();
});
