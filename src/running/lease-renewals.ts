import type { Logger } from '../util/log';
import type { VaultClient } from '../vault/http/client';
import type { Lease } from '../vault/secrets';
import { keepLeaseAlive } from './token-keeper';

/**
 * One renewal per lease the running child uses. A lease kept from one generation to the next keeps
 * its renewal (and the schedule it is on); a superseded lease's renewal stops at the swap.
 */
export class LeaseRenewals {
  private readonly stops = new Map<string, () => void>();

  constructor(
    private readonly options: {
      client: VaultClient;
      token: () => string;
      log: Logger;
      now: () => number;
      onEnding(lease: Lease, expiresAt: number): void;
      onLost(lease: Lease, reason: string): void;
    },
  ) {}

  /** Starts renewing the leases that are new in `leases`. */
  add(leases: Lease[]): void {
    const { client, token, log, now } = this.options;
    for (const lease of leases) {
      if (this.stops.has(lease.id)) continue;
      const stop = keepLeaseAlive({
        client,
        lease,
        token,
        log,
        now,
        onEnding: (expiresAt) => this.options.onEnding(lease, expiresAt),
        onLost: (reason) => this.options.onLost(lease, reason),
      });
      this.stops.set(lease.id, stop);
    }
  }

  /** Stops renewing every lease that is not in `kept`. */
  keepOnly(kept: Lease[]): void {
    const ids = new Set(kept.map((lease) => lease.id));
    for (const [id, stop] of this.stops) {
      if (ids.has(id)) continue;
      stop();
      this.stops.delete(id);
    }
  }

  stopAll(): void {
    this.keepOnly([]);
  }
}
