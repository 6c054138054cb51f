import { expect, test } from 'vitest';
import { backoffDelays } from '../../../src/util/backoff';

const take = (generator: Generator<number>, count: number): number[] =>
  Array.from({ length: count }, () => generator.next().value);

test('doubles the ceiling each attempt and caps it', () => {
  expect(take(backoffDelays({ initialMs: 100, maxMs: 1_000, random: () => 1 }), 6)).toEqual([
    100, 200, 400, 800, 1_000, 1_000,
  ]);
});

test('never goes below half the ceiling, so retries cannot spin', () => {
  expect(take(backoffDelays({ initialMs: 100, maxMs: 1_000, random: () => 0 }), 5)).toEqual([
    50, 100, 200, 400, 500,
  ]);
});
