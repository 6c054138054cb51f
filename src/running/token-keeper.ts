import type { AuthConfig } from '../cli/config';
import type { Logger } from '../util/log';
import { attemptLogin, type Session } from '../vault/auth';
import { explainUserTokenEnd } from '../resolve/own-token';
import {
  VaultTransportError,
  isTransientStatus,
  vaultMessage,
  type VaultClient,
  type VaultResponse,
} from '../vault/http/client';
import { watchLifetime, type RenewOutcome } from './lifetime';
import type { Lease } from '../vault/secrets';
import { renewalOutcome } from '../vault/ttl';

/**
 * Renewal: keeping the token and the leases alive for as long as Vault lets them live. Replacing what
 * cannot live longer is not done here: the token is replaced by logging in again (below), a lease only
 * by reading its secret again, which is a restart of the child (running-phase.ts).
 */

/** The token in use, and when it expires on the monotonic clock (updated by every renewal). */
export interface TokenHolder {
  session: Session;
  expiresAt: number;
}

/**
 * Keeps the token alive. At its max TTL the token is replaced by logging in again while the old one is
 * still valid: AppRole with the same secret_id (if the role lets it be reused), jwt and kubernetes with
 * a JWT read afresh; `onReplaced` gets the old session and when it expires, since leases read with it
 * end then. A token given by the user cannot be replaced: when it expires, the child is stopped.
 */
export function keepTokenAlive(options: {
  client: VaultClient;
  auth: AuthConfig;
  holder: TokenHolder;
  log: Logger;
  now: () => number;
  onFailure(message: string): void;
  onReplaced(previous: Session, previousExpiresAt: number): void;
}): () => void {
  const { client, auth, holder, log, now } = options;
  const watcher = watchLifetime(
    {
      name: 'token',
      ttlSeconds: holder.session.ttlSeconds,
      renewable: holder.session.renewable,
      renew: async (increment) => {
        const outcome = await renewRequest(() =>
          client.request('POST', 'auth/token/renew-self', {
            token: holder.session.token,
            body: { increment: `${increment}s` },
          }),
        );
        if (outcome.kind === 'renewed') holder.expiresAt = now() + outcome.ttlSeconds * 1000;
        return outcome;
      },
      reacquire:
        auth.method !== 'token'
          ? async () => {
              const result = await attemptLogin(client, auth, log);
              if (!result.ok)
                return { kind: result.rejected ? 'rejected' : 'transient', reason: result.message };
              log.redact(result.session.token);
              const previous = holder.session;
              const previousExpiresAt = holder.expiresAt;
              holder.session = result.session;
              holder.expiresAt = now() + result.session.ttlSeconds * 1000;
              options.onReplaced(previous, previousExpiresAt);
              return {
                kind: 'acquired',
                ttlSeconds: result.session.ttlSeconds,
                renewable: result.session.renewable,
              };
            }
          : undefined,
    },
    {
      log,
      onFailure:
        auth.method === 'token'
          ? (message) => options.onFailure(explainUserTokenEnd(message, auth.source))
          : options.onFailure,
    },
  );
  return () => watcher.stop();
}

/**
 * Keeps one dynamic-secret lease alive. When it can be renewed no further, `onEnding` gets the time it
 * expires (the restart's deadline); when it is gone (renewal refused, or failing until it expired),
 * `onLost`. Either way this watcher stops: what replaces the lease gets a watcher of its own.
 */
export function keepLeaseAlive(options: {
  client: VaultClient;
  lease: Lease;
  /** The current token: a lease may be renewed with any token allowed to, not only the one that read it. */
  token: () => string;
  log: Logger;
  now: () => number;
  onEnding(expiresAt: number): void;
  onLost(reason: string): void;
}): () => void {
  const { client, lease, log, now } = options;
  let expiresAt = now() + lease.ttlSeconds * 1000;
  const watcher = watchLifetime(
    {
      name: `lease of ${lease.path}`,
      ttlSeconds: lease.ttlSeconds,
      renewable: lease.renewable,
      renew: async (increment) => {
        const outcome = await renewRequest(() =>
          client.request('PUT', 'sys/leases/renew', {
            token: options.token(),
            body: { lease_id: lease.id, increment },
          }),
        );
        if (outcome.kind === 'renewed') expiresAt = now() + outcome.ttlSeconds * 1000;
        return outcome;
      },
      reacquire: async () => {
        options.onEnding(expiresAt);
        return { kind: 'handed-off' };
      },
    },
    { log, onFailure: options.onLost },
  );
  return () => watcher.stop();
}

/** Classifies a renewal answer: granted, worth retrying, or final. */
async function renewRequest(send: () => Promise<VaultResponse>): Promise<RenewOutcome> {
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
