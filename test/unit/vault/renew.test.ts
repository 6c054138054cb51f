import { expect, test } from 'vitest';
import { renewalOutcome } from '../../../src/vault/renew';

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
