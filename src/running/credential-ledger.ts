// What vault-exec holds in Vault and must give back, from the first login to the exit, for every
// command: the tokens it logged in for, and every lease it read and has not revoked, with the token
// that read it (a token's leases end with it).
import { settledOrAt, type Clock } from '../util/clock';
import type { Logger } from '../util/log';
import type { Session } from '../vault/auth';
import type { VaultClient } from '../vault/http/client';
import { revokeLeases } from '../vault/leases';
import type { Lease } from '../vault/secrets';
import { revokeTokens } from '../vault/tokens';

/**
 * The whole clean-up at exit, waiting for a read in flight included, fits in this: docker stop's 10 s
 * grace = the 7 s default --kill-timeout + this + a second to spare (README: "Shutdown"). It never
 * changes the exit code: the child's result matters more than our clean-up.
 */
export const CLEAN_UP_BUDGET_MS = 2_000;
/** Of that budget, what waiting for a request in flight may take; the rest is the revocation's. */
export const IN_FLIGHT_WAIT_MS = 1_000;

export class CredentialLedger {
  /** Tokens vault-exec logged in for, and whether each is a batch token (which cannot revoke itself). */
  private readonly loginTokens = new Map<string, { batch: boolean }>();
  /** The user's own token (VAULT_TOKEN, vault login): never revoked, but its leases are, one by one. */
  private usersToken?: string;
  private readonly leases = new Map<string, { lease: Lease; token: string }>();

  constructor(
    private readonly client: VaultClient,
    private readonly log: Logger,
    private readonly now: Clock,
  ) {}

  /** A token vault-exec logged in for is revoked at exit; the user's own is only used to revoke its leases. */
  holdToken(session: Pick<Session, 'token' | 'batch'>, fromLogin: boolean): void {
    if (fromLogin) this.loginTokens.set(session.token, { batch: session.batch });
    else this.usersToken = session.token;
  }

  isLoginToken(token: string): boolean {
    return this.loginTokens.has(token);
  }

  recordLeases(leases: readonly Lease[], token: string): void {
    for (const lease of leases) this.leases.set(lease.id, { lease, token });
  }

  /** The token a lease was read with, while the lease is held. */
  tokenOf(leaseId: string): string | undefined {
    return this.leases.get(leaseId)?.token;
  }

  heldLeases(): Lease[] {
    return [...this.leases.values()].map((entry) => entry.lease);
  }

  /**
   * `vault-exec env`: what it printed must outlive it, so nothing held is revoked at exit; the
   * tokens and leases end at their TTLs.
   */
  handOver(): void {
    this.loginTokens.clear();
    this.leases.clear();
  }

  /** Revokes every held lease no child uses or is about to use: superseded, or read by a failed preparation. */
  async revokeUnused(inUse: ReadonlySet<string>, token: string): Promise<void> {
    const unused = this.heldLeases().filter((lease) => !inUse.has(lease.id));
    if (unused.length === 0) return;
    for (const lease of await revokeLeases(this.client, token, unused, this.log, CLEAN_UP_BUDGET_MS))
      this.leases.delete(lease.id);
  }

  /** A replaced token nothing uses any more: it ends, and every lease it read with it. */
  async retireToken(token: string): Promise<void> {
    const login = this.loginTokens.get(token);
    if (login === undefined) return;
    this.loginTokens.delete(token);
    const leases = this.leasesReadWith(token);
    for (const lease of leases) this.leases.delete(lease.id);
    if (login.batch) await revokeLeases(this.client, token, leases, this.log, CLEAN_UP_BUDGET_MS);
    else await revokeTokens(this.client, [token], this.log, CLEAN_UP_BUDGET_MS);
  }

  /**
   * At exit: waits for `inFlight` (a read or a re-login that may yet mint a lease or a token) for at
   * most IN_FLIGHT_WAIT_MS, then revokes everything held, all of it within CLEAN_UP_BUDGET_MS.
   */
  async cleanUp(inFlight: Promise<unknown> = Promise.resolve()): Promise<void> {
    const start = this.now();
    await settledOrAt(inFlight, start + IN_FLIGHT_WAIT_MS, this.now);
    await this.revokeAll(start + CLEAN_UP_BUDGET_MS);
  }

  /**
   * By `deadline` (monotonic): the tokens vault-exec logged in for, whose leases end with
   * them (revoke-self, no grant needed). Leases read with a token that cannot take them along (the
   * user's own, or a batch token) are revoked one by one, which needs update on sys/leases/revoke.
   * Whatever is not answered by then ends at its TTL.
   */
  private async revokeAll(deadline: number): Promise<void> {
    const timeoutMs = Math.max(1, deadline - this.now());
    const services = [...this.loginTokens].filter(([, { batch }]) => !batch).map(([token]) => token);
    const oneByOne = new Map<string, Lease[]>();
    for (const { lease, token } of this.leases.values()) {
      if (services.includes(token)) continue;
      const revoker = this.loginTokens.has(token) ? token : this.usersToken;
      if (revoker !== undefined) oneByOne.set(revoker, [...(oneByOne.get(revoker) ?? []), lease]);
    }
    await Promise.all([
      revokeTokens(this.client, services, this.log, timeoutMs),
      ...[...oneByOne].map(([token, leases]) =>
        revokeLeases(this.client, token, leases, this.log, timeoutMs),
      ),
    ]);
    this.handOver();
  }

  private leasesReadWith(token: string): Lease[] {
    return [...this.leases.values()].filter((entry) => entry.token === token).map((entry) => entry.lease);
  }
}
