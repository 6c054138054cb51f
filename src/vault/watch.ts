import type { AuthConfig } from '../config';
import type { Logger } from '../log';
import { attemptLogin, type Session } from './auth';
import { explainUserTokenEnd } from './dev-token';
import {
  VaultTransportError,
  isTransientStatus,
  vaultMessage,
  type VaultClient,
  type VaultResponse,
} from './client';
import { watchLifetime, type RenewOutcome } from './lifetime';
import type { Lease } from './secrets';
import { renewalOutcome } from './ttl';

/** The session in use; replaced when a re-login succeeds, so lease renewals use the newest token. */
export interface CurrentSession {
  session: Session;
}

/**
 * Keeps the token alive. At its max TTL the token is replaced by logging in again: AppRole with the same
 * secret_id (if the role lets it be reused), jwt and kubernetes with a JWT read afresh; KV secrets do
 * not depend on the token, so the child keeps running. A token given by the user cannot be replaced:
 * when it expires, the child is stopped.
 */
export function watchToken(options: {
  client: VaultClient;
  auth: AuthConfig;
  current: CurrentSession;
  log: Logger;
  onFailure(message: string): void;
  onNewToken(token: string): void;
}): () => void {
  const { client, auth, current, log } = options;
  const { session } = current;
  const watcher = watchLifetime(
    {
      name: 'token',
      ttlSeconds: session.ttlSeconds,
      renewable: session.renewable,
      renew: (increment) =>
        renewRequest(() =>
          client.request('POST', 'auth/token/renew-self', {
            token: current.session.token,
            body: { increment: `${increment}s` },
          }),
        ),
      reacquire:
        auth.method !== 'token'
          ? async () => {
              const result = await attemptLogin(client, auth, log);
              if (!result.ok)
                return { kind: result.rejected ? 'rejected' : 'transient', reason: result.message };
              log.redact(result.session.token);
              current.session = result.session;
              options.onNewToken(result.session.token);
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
 * Keeps dynamic-secret leases alive. A lease is only replaced by reading the secret again, which gives
 * the child new credentials, so whatever ends a lease (its max TTL near, revoked, Vault unreachable
 * until it expires) asks for a restart of the child with fresh secrets instead.
 */
export function watchLeases(options: {
  client: VaultClient;
  leases: Lease[];
  current: CurrentSession;
  log: Logger;
  onReplaceNeeded(reason: string): void;
}): () => void {
  const { client, current, log } = options;
  const watchers = options.leases.map((lease) =>
    watchLifetime(
      {
        name: `lease of ${lease.path}`,
        ttlSeconds: lease.ttlSeconds,
        renewable: lease.renewable,
        renew: (increment) =>
          renewRequest(() =>
            client.request('PUT', 'sys/leases/renew', {
              token: current.session.token,
              body: { lease_id: lease.id, increment },
            }),
          ),
        reacquire: async () => {
          options.onReplaceNeeded(`the lease of ${lease.path} is reaching its max TTL`);
          return { kind: 'handed-off' };
        },
      },
      { log, onFailure: options.onReplaceNeeded },
    ),
  );
  return () => watchers.forEach((watcher) => watcher.stop());
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
