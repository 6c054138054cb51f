import { expect, test } from 'vitest';
import { parseTtlSeconds, renewalOutcome } from '../../../src/vault/ttl';

test('a TTL is a whole, non-negative number of seconds', () => {
  expect(parseTtlSeconds(3600)).toBe(3600);
  expect(parseTtlSeconds(0)).toBe(0);
  for (const damaged of [undefined, null, '3600', -1, 1.5, Number.NaN, Infinity, {}])
    expect(parseTtlSeconds(damaged)).toBeUndefined();
});

test("a token renewal's TTL is in auth, a lease renewal's at the top level", () => {
  expect(renewalOutcome({ lease_duration: 0, auth: { lease_duration: 60 } })).toEqual({
    kind: 'renewed',
    ttlSeconds: 60,
  });
  expect(renewalOutcome({ lease_id: 'database/creds/app/x', lease_duration: 300, auth: null })).toEqual({
    kind: 'renewed',
    ttlSeconds: 300,
  });
});

test('a 200 with a missing or malformed TTL is a transient fault, not "granted less"', () => {
  for (const body of ['', {}, { auth: {} }, { auth: { lease_duration: 'soon' } }, { lease_duration: null }])
    expect(renewalOutcome(body)).toEqual({
      kind: 'transient',
      reason: 'Vault answered 200 without a valid lease_duration',
    });
});
