// What Vault said to a renewal (renew-self or sys/leases/renew), classified for the scheduler.
import { VaultTransportError } from './http/transport-error';
import { isTransientStatus, vaultMessage, type VaultResponse } from './http/client';
import { parseTtlSeconds } from './ttl';
import type { Outcome } from '../util/observer';

export type RenewOutcome =
  | { kind: 'renewed'; ttlSeconds: number }
  /** Still valid, but cannot be extended any further (Vault: "past the max TTL, cannot renew"). */
  | { kind: 'exhausted'; reason: string }
  | { kind: 'transient'; reason: string }
  | { kind: 'rejected'; reason: string };

/** Sends one renewal and classifies the answer: granted, worth retrying, or final. */
export async function sendRenewal(send: () => Promise<VaultResponse>): Promise<RenewOutcome> {
  let response: VaultResponse;
  try {
    response = await send();
  } catch (error) {
    if (error instanceof VaultTransportError) return { kind: 'transient', reason: error.reason };
    throw error;
  }
  if (response.status === 200) return renewalOutcome(response.body);
  const message = vaultMessage(response);
  // Vault answers 500 (not 4xx) when a still-valid token or lease is at its max TTL: not a failure of Vault.
  if (/past the max TTL/i.test(message)) return { kind: 'exhausted', reason: message };
  const reason = `${message} (HTTP ${response.status})`;
  return isTransientStatus(response.status) ? { kind: 'transient', reason } : { kind: 'rejected', reason };
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

/** A renewal's answer as the metrics count it: one that granted less than asked still succeeded. */
export function countedOutcome(outcome: RenewOutcome): Outcome {
  return outcome.kind === 'transient' ? 'error' : outcome.kind === 'rejected' ? 'rejected' : 'success';
}
