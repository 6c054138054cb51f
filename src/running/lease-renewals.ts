// One renewal per lease the running child uses. A lease kept from one generation to the next keeps
// its renewal (and the schedule it is on); a superseded lease's renewal stops at the swap.
import type { Clock } from '../util/clock';
import type { Logger } from '../util/log';
import { NO_OBSERVER, toUnixSeconds, type Observer } from '../util/observer';
import type { VaultClient } from '../vault/http/client';
import { renewLease } from '../vault/leases';
import { countedOutcome } from '../vault/renew';
import type { Lease } from '../vault/secrets';
import { watchLifetime } from './lifetime';

export interface LeaseRenewalsOptions {
  client: VaultClient;
  /** The current token: a lease may be renewed with any token allowed to, not only the one that read it. */
  token: () => string;
  log: Logger;
  now: Clock;
  /** Renewable no further: the lease must be replaced (a restart) before `expiresAt`. */
  onEnding(lease: Lease, expiresAt: number): void;
  /** Gone already (renewal refused, or failing until it expired). */
  onLost(lease: Lease, reason: string): void;
  observer?: Observer;
}

export class LeaseRenewals {
  private readonly stops = new Map<string, () => void>();

  constructor(private readonly options: LeaseRenewalsOptions) {}

  /** Starts renewing the leases that are new in `leases`. */
  add(leases: readonly Lease[]): void {
    for (const lease of leases) {
      if (!this.stops.has(lease.id)) this.stops.set(lease.id, this.keepAlive(lease));
    }
  }

  /** Stops renewing every lease that is not in `kept`. */
  keepOnly(kept: readonly Lease[]): void {
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

  /** Either way it ends (`onEnding` or `onLost`), this lease's watcher stops: its successor gets its own. */
  private keepAlive(lease: Lease): () => void {
    const { client, log, now } = this.options;
    const observer = this.options.observer ?? NO_OBSERVER;
    const watcher = watchLifetime(
      {
        name: `lease of ${lease.path}`,
        ttlSeconds: lease.ttlSeconds,
        issuedAt: lease.issuedAt,
        renewable: lease.renewable,
        renew: async (increment) => {
          const outcome = await renewLease(client, this.options.token(), lease, increment);
          observer.renewal('lease', countedOutcome(outcome));
          return outcome;
        },
        onExpiry: (expiresAt) => observer.leaseExpiry(lease.path, toUnixSeconds(expiresAt, now())),
        reacquire: async (expiresAt) => {
          this.options.onEnding(lease, expiresAt);
          return { kind: 'handed-off' };
        },
      },
      { log, now, onFailure: (reason) => this.options.onLost(lease, reason) },
    );
    return () => {
      watcher.stop();
      observer.leaseExpiry(lease.path, undefined);
    };
  }
}
