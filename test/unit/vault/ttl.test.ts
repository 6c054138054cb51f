import { expect, test } from 'vitest';
import { parseTtlSeconds } from '../../../src/vault/ttl';

test('a TTL is a whole, non-negative number of seconds', () => {
  expect(parseTtlSeconds(3600)).toBe(3600);
  expect(parseTtlSeconds(0)).toBe(0);
  for (const damaged of [undefined, null, '3600', -1, 1.5, Number.NaN, Infinity, {}])
    expect(parseTtlSeconds(damaged)).toBeUndefined();
});
