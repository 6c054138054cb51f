import type { RenewOutcome } from '../running/lifetime';

/**
 * A TTL as Vault sends it: whole seconds, never negative. Anything else (missing, a string, NaN) is
 * undefined: a damaged answer, which must not be read as "never expires" or "granted less".
 */
export function parseTtlSeconds(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/**
 * A 200 to a renewal. A token's renewal carries its TTL in `auth.lease_duration` (the top-level one
 * is 0 there), a lease's renewal at the top level. Without a usable TTL the answer is a transient
 * fault: the next attempt will most likely read a whole answer.
 */
export function renewalOutcome(body: unknown): RenewOutcome {
  const envelope = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const auth = envelope.auth;
  const ttl = parseTtlSeconds(
    typeof auth === 'object' && auth !== null
      ? (auth as Record<string, unknown>).lease_duration
      : envelope.lease_duration,
  );
  return ttl === undefined
    ? { kind: 'transient', reason: 'Vault answered 200 without a valid lease_duration' }
    : { kind: 'renewed', ttlSeconds: ttl };
}
