// --certificate: a certificate is not a renewable lease, so each one is issued again before its
// not_after, at about two thirds of its life with jitter (the lifetime scheduler's plan, whose timers
// re-arm past what a Node timer holds), and the running phase hands the new one to the child.
import type { CertificateRequest } from '../cli/file-outputs';
import { monotonicNow, type Clock } from '../util/clock';
import type { Logger } from '../util/log';
import type { IssueOutcome, IssuedCertificate } from '../vault/pki';
import { watchLifetime, type LifetimeWatcher, type ReacquireOutcome } from './lifetime';

export interface CertificateKeeperOptions {
  issue(request: CertificateRequest): Promise<IssueOutcome>;
  log: Logger;
  /** A new certificate replaces one that stays valid until `expiresAt` (monotonic ms). */
  onReissued(certificate: IssuedCertificate, expiresAt: number): void;
  /** Reissuing failed for good, or until the certificate in use expired. */
  onFailure(message: string): void;
  now?: Clock;
  /** Unix milliseconds: not_after is a wall-clock time, read once per certificate into a TTL. */
  wallNow?: () => number;
  random?: () => number;
}

export class CertificateKeeper {
  private readonly watchers: LifetimeWatcher[] = [];

  constructor(private readonly options: CertificateKeeperOptions) {}

  /** Keeps `request`'s certificate fresh from `issued` on, until stopAll(). */
  keep(request: CertificateRequest, issued: IssuedCertificate): void {
    const { log, random } = this.options;
    const now = this.options.now ?? monotonicNow;
    this.watchers.push(
      watchLifetime(
        {
          name: `certificate ${request.name}`,
          ttlSeconds: this.secondsLeft(issued),
          issuedAt: now(),
          renewable: false,
          renew: async () => ({ kind: 'rejected', reason: 'a certificate cannot be renewed' }),
          reacquire: (expiresAt) => this.reissue(request, expiresAt),
          replacedEvent: 'certificate-reissued',
        },
        { log, now, random, onFailure: (message) => this.options.onFailure(message) },
      ),
    );
  }

  stopAll(): void {
    for (const watcher of this.watchers.splice(0)) watcher.stop();
  }

  private async reissue(request: CertificateRequest, expiresAt: number): Promise<ReacquireOutcome> {
    const outcome = await this.options.issue(request);
    if (outcome.kind !== 'issued') return outcome;
    const now = this.options.now ?? monotonicNow;
    this.options.onReissued(outcome.certificate, expiresAt);
    return {
      kind: 'acquired',
      ttlSeconds: this.secondsLeft(outcome.certificate),
      renewable: false,
      issuedAt: now(),
    };
  }

  private secondsLeft(issued: IssuedCertificate): number {
    const wallNow = this.options.wallNow ?? Date.now;
    // At least a second: a certificate already past its not_after is replaced at once, not kept.
    return Math.max(1, Math.floor(issued.expiration - wallNow() / 1000));
  }
}
