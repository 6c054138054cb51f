import { describe, expect, test } from 'vitest';
import { describeHandedOver } from '../../../src/commands/env';
import type { Lease } from '../../../src/vault/secrets';

const lease = (id: string, ttlSeconds: number): Lease => ({
  id,
  path: id.replace(/\/[^/]*$/, ''),
  ttlSeconds,
  renewable: true,
  issuedAt: 0,
});
const session = { token: 't', ttlSeconds: 600, renewable: true, batch: false, accessor: 'acc123' };

describe("env's line about the dynamic credentials it leaves valid", () => {
  test.each([
    [
      'ended by the lease TTL, with the accessor of our own token',
      { leases: [lease('database/creds/app/x1', 300)], session, tokenIsOurs: true },
      /they end at their TTL, in 4 m 50 s; to end them sooner: vault token revoke -accessor acc123$/,
    ],
    [
      "cut short by the login's token, counted from the login",
      { leases: [lease('database/creds/app/x1', 3600)], session, tokenIsOurs: true },
      /the login's token expires in 9 m 50 s and ends them with it \(a longer token_ttl/,
    ],
    [
      "each lease ID with the user's token, never a prefix",
      {
        leases: [lease('database/creds/a/x1', 300), lease('database/creds/b/x2', 300)],
        session: { ...session, ttlSeconds: 0 },
        tokenIsOurs: false,
      },
      /\(database\/creds\/a, database\/creds\/b\).*vault lease revoke database\/creds\/a\/x1; vault lease revoke database\/creds\/b\/x2$/,
    ],
    [
      'each lease ID with a batch token, which has no accessor',
      {
        leases: [lease('database/creds/app/x1', 300)],
        session: { ...session, batch: true },
        tokenIsOurs: true,
      },
      /vault lease revoke database\/creds\/app\/x1$/,
    ],
  ])('%s', (_, options, line) => {
    expect(describeHandedOver({ ...options, issuedAt: 0, now: 10_000 })).toMatch(line);
  });
});
