// The lease endpoints: sys/leases/renew and sys/leases/revoke.
import type { Logger } from '../util/log';
import type { VaultClient } from './http/client';
import { sendRenewal, type RenewOutcome } from './renew';
import type { Lease } from './secrets';

/** Any token allowed to may renew a lease, not only the one that read it. */
export function renewLease(
  client: VaultClient,
  token: string,
  lease: Lease,
  incrementSeconds: number,
): Promise<RenewOutcome> {
  return sendRenewal(() =>
    client.request('PUT', 'sys/leases/renew', {
      token,
      body: { lease_id: lease.id, increment: incrementSeconds },
    }),
  );
}

/**
 * Revokes leases one by one, for a lease superseded while its token lives on, and at exit when the
 * token is the user's. The default policy does not allow it: without the grant the lease lives until
 * its TTL, which is worth a warning but never a failure. Returns the leases there is no point in
 * trying again: revoked, or refused by the policy.
 */
export async function revokeLeases(
  client: VaultClient,
  token: string,
  leases: readonly Lease[],
  log: Logger,
  timeoutMs: number,
): Promise<Lease[]> {
  const settled: Lease[] = [];
  await Promise.all(
    leases.map(async (lease) => {
      try {
        const response = await client.request('PUT', 'sys/leases/revoke', {
          token,
          body: { lease_id: lease.id },
          timeoutMs,
        });
        if (response.status === 204 || response.status === 200) {
          settled.push(lease);
          return log.debug(`revoked the lease of ${lease.path}`, { event: 'revoke', kind: 'lease' });
        }
        if (response.status === 403) settled.push(lease);
        const hint =
          response.status === 403
            ? ': the token may not update sys/leases/revoke; grant it to revoke superseded credentials at once'
            : '';
        log.warn(
          `could not revoke the lease of ${lease.path} (HTTP ${response.status})${hint}; it ends at its TTL`,
          { event: 'revoke-failed' },
        );
      } catch (error) {
        log.warn(
          `could not revoke the lease of ${lease.path}: ${(error as Error).message}; it ends at its TTL`,
          { event: 'revoke-failed' },
        );
      }
    }),
  );
  return settled;
}
