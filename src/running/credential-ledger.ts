import type { Logger } from '../util/log';
import type { VaultClient } from '../vault/http/client';
import type { Lease } from '../vault/secrets';
import { revokeLeases, revokeTokens } from './revocation';

/**
 * What vault-exec holds in Vault and must give back: the tokens it logged in for, and every lease it
 * read and has not revoked, with the token that read it (a token's leases end with it).
 */
export class CredentialLedger {
  private readonly ownTokens: string[] = [];
  private readonly leases = new Map<string, { lease: Lease; token: string }>();

  constructor(
    private readonly client: VaultClient,
    private readonly log: Logger,
  ) {}

  addOwnToken(token: string): void {
    this.ownTokens.push(token);
  }

  isOwnToken(token: string): boolean {
    return this.ownTokens.includes(token);
  }

  recordLeases(leases: Lease[], token: string): void {
    for (const lease of leases) this.leases.set(lease.id, { lease, token });
  }

  /** The token a lease was read with, while the lease is held. */
  tokenOf(leaseId: string): string | undefined {
    return this.leases.get(leaseId)?.token;
  }

  /** Revokes every held lease no child uses or is about to use: superseded, or read by a failed preparation. */
  async revokeUnused(inUse: ReadonlySet<string>, token: string): Promise<void> {
    const unused = [...this.leases.values()]
      .map((entry) => entry.lease)
      .filter((lease) => !inUse.has(lease.id));
    if (unused.length === 0) return;
    for (const lease of await revokeLeases(this.client, token, unused, this.log))
      this.leases.delete(lease.id);
  }

  /** A replaced token nothing uses any more: revoke-self ends it and every lease it read, no grant needed. */
  async retireToken(token: string): Promise<void> {
    if (!this.isOwnToken(token)) return;
    this.ownTokens.splice(this.ownTokens.indexOf(token), 1);
    for (const [id, entry] of this.leases) if (entry.token === token) this.leases.delete(id);
    await revokeTokens(this.client, [token], this.log);
  }

  /**
   * At exit: our tokens, whose leases end with them; the leases read with a token of the user's
   * (which is never revoked) one by one, with `userToken`.
   */
  async revokeAll(userToken: string | undefined): Promise<void> {
    const usersLeases = [...this.leases.values()]
      .filter((entry) => !this.isOwnToken(entry.token))
      .map((entry) => entry.lease);
    await Promise.all([
      revokeTokens(this.client, this.ownTokens, this.log),
      userToken !== undefined && usersLeases.length > 0
        ? revokeLeases(this.client, userToken, usersLeases, this.log)
        : Promise.resolve(),
    ]);
  }
}
