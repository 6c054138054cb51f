import type { Logger } from '../util/log';
import type { VaultClient } from '../vault/http/client';
import type { Lease } from '../vault/secrets';

/** Bounded, and never changes the exit code: the child's result matters more than our clean-up. */
export const REVOKE_TIMEOUT_MS = 2_000;

/** Revokes tokens vault-exec created; Vault revokes every lease read with them too. */
export async function revokeTokens(client: VaultClient, tokens: string[], log: Logger): Promise<void> {
  await Promise.all(
    tokens.map(async (token) => {
      try {
        const response = await client.request('POST', 'auth/token/revoke-self', {
          token,
          timeoutMs: REVOKE_TIMEOUT_MS,
        });
        if (response.status === 204 || response.status === 200) log.debug('revoked the token');
        else log.debug(`token revocation answered HTTP ${response.status} (it may have expired already)`);
      } catch (error) {
        log.warn(`could not revoke the token at exit: ${(error as Error).message}`);
      }
    }),
  );
}

/**
 * Revokes leases one by one (`sys/leases/revoke`), for a lease superseded while its token lives on,
 * and at exit when the token is the user's. The default policy does not allow it: without the grant
 * the lease lives until its TTL, which is worth a warning but never a failure. Returns the leases
 * there is no point in trying again: revoked, or refused by the policy.
 */
export async function revokeLeases(
  client: VaultClient,
  token: string,
  leases: Lease[],
  log: Logger,
): Promise<Lease[]> {
  const settled: Lease[] = [];
  await Promise.all(
    leases.map(async (lease) => {
      try {
        const response = await client.request('PUT', 'sys/leases/revoke', {
          token,
          body: { lease_id: lease.id },
          timeoutMs: REVOKE_TIMEOUT_MS,
        });
        if (response.status === 204 || response.status === 200) {
          settled.push(lease);
          return log.debug(`revoked the lease of ${lease.path}`, { event: 'lease-revoked' });
        }
        if (response.status === 403) settled.push(lease);
        const hint =
          response.status === 403
            ? ': the token may not update sys/leases/revoke; grant it to revoke superseded credentials at once'
            : '';
        log.warn(
          `could not revoke the lease of ${lease.path} (HTTP ${response.status})${hint}; it ends at its TTL`,
        );
      } catch (error) {
        log.warn(
          `could not revoke the lease of ${lease.path}: ${(error as Error).message}; it ends at its TTL`,
        );
      }
    }),
  );
  return settled;
}
